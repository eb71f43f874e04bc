/**
 * file: a regular file with content, mode and owner. The content comes from
 * `content` (utf-8 text), `contentBase64` or `source` (a controller path);
 * the engine resolves it into a blob and the stored plan holds `blob`.
 * Content differs → writeFile (atomic, with attrs); only attrs differ →
 * setAttrs. A directory in the way is refused. Sensitive files are probed
 * without content and shown by digest only.
 */
import * as t from "io-ts";
import type { FileFact } from "../probe.js";
import type { ContentSpec } from "../resource.js";
import { Format, ownership, propsCodec } from "./codec.js";
import { blobFor, fromBase64, ownerTokens, parentTokens, textBlob } from "./common.js";
import { absoluteName, defineKind } from "./define.js";
import { type RegularFile, regularFileDiff, regularFileOps } from "./regular.js";

const count = (...xs: unknown[]): number => xs.filter((x) => x !== undefined).length;

/** Props of `file[<absolute path>]`. */
export const FileProps = propsCodec(
  "file",
  { ...ownership, sensitive: t.boolean },
  { content: t.string, contentBase64: t.string, source: t.string, blob: t.string, format: Format },
  { mode: 0o644, owner: "root", group: "root", sensitive: false },
  (p) => {
    // Declared: exactly one of content/contentBase64/source. Stored in a plan: blob (and source kept for display).
    const declared = count(p.content, p.contentBase64, p.source);
    if (p.blob !== undefined)
      return count(p.content, p.contentBase64) === 0 ? undefined : "blob excludes content";
    return declared === 1 ? undefined : "exactly one of content, contentBase64, source";
  },
);
/** Decoded props of the kind, defaults filled: the type comes from the codec only. */
export type FileProps = t.TypeOf<typeof FileProps>;

const content = (p: FileProps): ContentSpec | undefined => {
  if (p.blob !== undefined) return { blob: p.blob };
  if (p.content !== undefined) return { inline: textBlob(p.content).bytes };
  if (p.contentBase64 !== undefined) return { inline: fromBase64(p.contentBase64) };
  if (p.source !== undefined) return { source: p.source };
  return undefined;
};

const regular = (p: FileProps, path: string, ctx: Parameters<typeof blobFor>[1]): RegularFile => ({
  path,
  want: { mode: p.mode, owner: p.owner, group: p.group },
  // The engine's blob when there is one, without making the content's bytes again.
  blob: ctx.blob ?? blobFor(content(p), ctx),
  sensitive: p.sensitive,
  format: p.format,
});

/** `file`: see the module comment. */
export const fileKind = defineKind<FileProps>(
  {
    kind: "file",
    props: FileProps,
    provides: (_p, name) => [`path:${name}`],
    requires: (p, name) => [...parentTokens(name), ...ownerTokens(p.owner, p.group)],
    content,
    withBlob: (p, sha256) => {
      const { content: _c, contentBase64: _b, ...rest } = p;
      return { ...rest, blob: sha256 };
    },
    sensitive: (p) => p.sensitive,

    // Secrets are hashed on the host but never read back.
    probes: (p, ctx) => [{ type: "file", path: ctx.name, hash: "sha256", content: !p.sensitive }],

    diff: (p, facts, ctx) => regularFileDiff(regular(p, ctx.name, ctx), (facts as readonly [FileFact])[0]),

    ops: (p, diff, _facts, ctx) => regularFileOps(regular(p, ctx.name, ctx), diff),
  },
  absoluteName,
);
