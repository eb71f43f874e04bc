/**
 * download: a file fetched by the host from `url`, verified against
 * `checksum` before it lands. A record file beside tend's state holds the url
 * it came from, so a new url is a change even without a checksum. Changes
 * when absent, when the checksum differs, or when the recorded url differs;
 * only attrs differ → setAttrs.
 */
import * as t from "io-ts";
import { DownloadUrl } from "../names.js";
import type { FileFact } from "../probe.js";
import type { Diff, FieldChange, KindContext } from "../resource.js";
import { ChecksumProp, ownership, propsCodec } from "./codec.js";
import {
  attrChanges,
  diffOf,
  downloadRecordPath,
  field,
  fieldsOf,
  fromBase64,
  needsDownloader,
  ownerTokens,
  parentTokens,
  refusedDiff,
  setAttrsOp,
} from "./common.js";
import { absoluteName, defineKind } from "./define.js";

/** Props of `download[<absolute path>]`. */
export const DownloadProps = propsCodec(
  "download",
  { url: DownloadUrl, checksum: t.union([ChecksumProp, t.null]), ...ownership },
  {},
  { checksum: null, mode: 0o644, owner: "root", group: "root" },
);
/** Decoded props of the kind, defaults filled: the type comes from the codec only. */
export type DownloadProps = t.TypeOf<typeof DownloadProps>;

/** Said in the plan of every download without a checksum. */
export const NO_CHECKSUM = "no checksum given: the download is not verified";

const recordedUrl = (r: FileFact): string | null =>
  r.type === "file" && r.contentBase64 !== undefined
    ? Buffer.from(fromBase64(r.contentBase64)).toString("utf8").trim()
    : null;

const sum = (algo: string, hex: string | undefined): string | null =>
  hex === undefined ? null : `${algo}:${hex}`;

/** A diff that downloads (not one that only fixes attrs) needs curl or wget on the host. */
const fetches = (diff: Diff, p: DownloadProps, ctx: KindContext): Diff => {
  const changed = fieldsOf(diff);
  return changed.has("url") || changed.has("checksum") || changed.has("type")
    ? needsDownloader(diff, p.url, ctx)
    : diff;
};

/** `download`: see the module comment. */
export const downloadKind = defineKind<DownloadProps>(
  {
    kind: "download",
    props: DownloadProps,
    provides: (_p, name) => [`path:${name}`],
    requires: (p, name) => [...parentTokens(name), ...ownerTokens(p.owner, p.group)],

    probes: (p, ctx) => [
      { type: "file", path: ctx.name, hash: p.checksum?.algo ?? "sha256" },
      { type: "file", path: downloadRecordPath(ctx.name), content: true },
    ],

    diff: (p, facts, ctx) => {
      const [f, record] = facts as readonly [FileFact, FileFact];
      const notes = p.checksum === null ? [NO_CHECKSUM] : [];
      if (f.type === "dir")
        return refusedDiff(
          "update",
          [field("type", "dir", "file")],
          { reason: `${ctx.name} is a directory` },
          notes,
        );
      const want = p.checksum === null ? [] : [field("checksum", null, sum(p.checksum.algo, p.checksum.hex))];
      const fresh = [field("url", null, p.url), ...want, ...attrChanges(p, undefined)];
      if (f.type === "absent") return fetches(diffOf("create", fresh, { notes }), p, ctx);
      if (f.type !== "file")
        return fetches(diffOf("update", [field("type", f.type, "file"), ...fresh], { notes }), p, ctx);
      const fields: FieldChange[] = [];
      const url = recordedUrl(record);
      if (url !== p.url) fields.push(field("url", url, p.url));
      if (p.checksum !== null && f.hash !== p.checksum.hex)
        fields.push(field("checksum", sum(p.checksum.algo, f.hash), sum(p.checksum.algo, p.checksum.hex)));
      return fetches(diffOf("update", [...fields, ...attrChanges(p, f)], { notes }), p, ctx);
    },

    ops: (p, diff, _facts, ctx) => {
      const changed = fieldsOf(diff);
      if (changed.has("url") || changed.has("checksum") || changed.has("type"))
        return [
          {
            op: "download",
            url: p.url,
            checksum: p.checksum,
            path: ctx.name,
            record: downloadRecordPath(ctx.name),
            mode: p.mode,
            owner: p.owner,
            group: p.group,
          },
        ];
      return setAttrsOp(ctx.name, p, changed);
    },
  },
  absoluteName,
);
