/**
 * The diff and ops of a managed regular file, shared by file, unit and the
 * persisted files of sysctl and kmod: content by sha256, then attributes.
 */
import type { Op } from "../op.js";
import type { FileFact } from "../probe.js";
import type { Blob, Diff, FieldChange } from "../resource.js";
import {
  type Attrs,
  attrChanges,
  contentChange,
  diffOf,
  type Format,
  field,
  fieldsOf,
  fromBase64,
  refusedDiff,
  setAttrsOp,
} from "./common.js";

/** A declared regular file: where, with which attrs and content, shown how. */
export interface RegularFile {
  readonly path: string;
  readonly want: Attrs;
  /** The content to write; undefined when the engine did not resolve it. */
  readonly blob: Blob | undefined;
  readonly sensitive: boolean;
  readonly format?: Format | undefined;
  /** Name of the content FieldChange ("content", or "persisted" for sysctl/kmod). */
  readonly contentField?: string;
}

/** What differs between a declared regular file and the file fact (probed with sha256 and maybe content). */
export const regularFileDiff = (r: RegularFile, f: FileFact): Diff => {
  const name = r.contentField ?? "content";
  if (f.type === "dir")
    return refusedDiff("update", [field("type", "dir", "file")], {
      reason: `${r.path} is a directory; remove it or declare another path`,
    });
  if (r.blob === undefined)
    return refusedDiff("update", [field(name, null, null)], {
      reason: `the content of ${r.path} was not resolved into a blob`,
    });
  const opts = { sensitive: r.sensitive, format: r.format, path: r.path };
  const rename = (c: FieldChange): FieldChange => (c.field === name ? c : { ...c, field: name });
  if (f.type === "absent")
    return diffOf("create", [rename(contentChange(null, r.blob, opts)), ...attrChanges(r.want, undefined)]);
  if (f.type !== "file")
    return diffOf("update", [
      field("type", f.type, "file"),
      rename(contentChange(null, r.blob, opts)),
      ...attrChanges(r.want, undefined),
    ]);
  const fields: FieldChange[] = [];
  if (f.hash !== r.blob.sha256) {
    const have = {
      sha256: f.hash ?? "",
      ...(f.contentBase64 !== undefined ? { bytes: fromBase64(f.contentBase64) } : {}),
    };
    fields.push(rename(contentChange(have, r.blob, opts)));
  }
  return diffOf("update", [...fields, ...attrChanges(r.want, f)]);
};

/** writeFile when the content (or what the path is) changes, else setAttrs of the changed attributes. */
export const regularFileOps = (r: RegularFile, diff: Diff): Op[] => {
  const changed = fieldsOf(diff);
  if (r.blob === undefined) return [];
  if (changed.has(r.contentField ?? "content") || changed.has("type"))
    return [{ op: "writeFile", path: r.path, blob: r.blob.sha256, ...r.want }];
  return setAttrsOp(r.path, r.want, changed);
};
