/**
 * archive: members of a .tar/.tgz unpacked into `dest`, from a `url` (fetched
 * into tend's cache, then removed, so state never depends on leftovers) or
 * from an `archive` already on the host (typically a declared download).
 * Idempotence is keyed on what is installed: the `extract` op leaves a
 * manifest of members and hashes, which the manifest probe re-hashes, so an
 * altered or removed member is planned again.
 */
import * as t from "io-ts";
import { DownloadUrl } from "../names.js";
import type { Op } from "../op.js";
import { type FileFact, type ManifestFact, type ProbeResult, STATE_DIR } from "../probe.js";
import type { Diff, FieldChange, FieldValue, KindContext } from "../resource.js";
import { AbsPath, ChecksumProp, Id, ownership, propsCodec, RelPath } from "./codec.js";
import {
  diffOf,
  downloadRecordPath,
  field,
  needsDownloader,
  ownerTokens,
  shortHash,
  under,
} from "./common.js";
import { defineKind } from "./define.js";
import { NO_CHECKSUM } from "./download.js";

/** Props of `archive[<label>]` (the label is usually the dest directory). */
export const ArchiveProps = propsCodec(
  "archive",
  { dest: AbsPath, checksum: t.union([ChecksumProp, t.null]), strip: Id, ...ownership },
  { url: DownloadUrl, archive: AbsPath, members: t.array(RelPath) },
  { checksum: null, strip: 0, mode: 0o755, owner: "root", group: "root" },
  (p) => ((p.url === undefined) !== (p.archive === undefined) ? undefined : "exactly one of url, archive"),
);
/** Decoded props of the kind, defaults filled: the type comes from the codec only. */
export type ArchiveProps = t.TypeOf<typeof ArchiveProps>;

/** Where the manifest of `archive[<name>]` lives. */
export const manifestPath = (name: string): string =>
  `${STATE_DIR}/manifests/${shortHash(`archive[${name}]`)}`;

/** Where an archive fetched from a url waits to be unpacked. */
export const cachePath = (name: string): string =>
  `${STATE_DIR}/cache/${shortHash(`archive[${name}]`)}.archive`;

/** Whether this plan replaces the host archive (its file or download resource changes first). */
const archiveReplaced = (p: ArchiveProps, ctx: KindContext): boolean =>
  p.archive !== undefined &&
  (ctx.changing?.has(`file[${p.archive}]`) === true || ctx.changing?.has(`download[${p.archive}]`) === true);

/**
 * The manifest source that means "extracted from this archive", or undefined
 * when only apply can tell: an archive without checksum that does not exist
 * yet, or that this plan replaces (the digest on the host now is the old one's).
 */
const expectedSource = (
  p: ArchiveProps,
  archiveFact: FileFact | undefined,
  ctx: KindContext,
): string | undefined => {
  if (p.checksum !== null) return p.checksum.hex;
  if (p.url !== undefined) return p.url;
  if (archiveReplaced(p, ctx)) return undefined;
  return archiveFact?.type === "file" ? archiveFact.hash : undefined;
};

const declaredMembers = (p: ArchiveProps): string[] | null =>
  p.members === undefined ? null : [...new Set(p.members.map((m) => under(p.dest, m)))].sort();

/** Members whose state differs, as `{path: status}` before and after. */
const memberChange = (p: ArchiveProps, m: ManifestFact): FieldChange | undefined => {
  const before: Record<string, FieldValue> = {};
  const after: Record<string, FieldValue> = {};
  const recorded = m.exists ? new Map(m.members.map((x) => [x.path, x.ok])) : new Map<string, boolean>();
  const declared = declaredMembers(p);
  for (const path of declared ?? [...recorded.keys()].sort()) {
    const ok = recorded.get(path);
    if (ok === true) continue;
    before[path] = ok === undefined ? "not extracted" : "missing or altered";
    after[path] = "extracted";
  }
  if (declared !== null)
    for (const path of [...recorded.keys()].sort())
      if (!declared.includes(path)) {
        before[path] = "extracted";
        after[path] = "not declared";
      }
  return Object.keys(before).length === 0 ? undefined : field("members", before, after);
};

/** What differs between the declared members and the manifest the last extract left. */
const archiveDiff = (p: ArchiveProps, facts: readonly ProbeResult[], ctx: KindContext): Diff => {
  const [m, archiveFact] = facts as readonly [ManifestFact, FileFact | undefined];
  const source = expectedSource(p, archiveFact, ctx);
  const notes = p.url !== undefined && p.checksum === null ? [NO_CHECKSUM] : [];
  const unknown =
    source === undefined
      ? [
          `source: known after ${p.archive} ${archiveFact?.type === "file" && archiveReplaced(p, ctx) ? "is replaced" : "exists"}`,
        ]
      : [];
  if (!m.exists) {
    const declared = declaredMembers(p);
    const fields = [field("source", null, source ?? null), field("members", null, declared)];
    if (declared === null)
      unknown.push(`members: known after ${p.url !== undefined ? "download" : "extraction"}`);
    return diffOf("create", fields, { notes, unknown });
  }
  const fields: FieldChange[] = [];
  // An unknown source cannot be compared: a replaced archive is unpacked again, else the members decide.
  if (source !== undefined && m.source !== source) fields.push(field("source", m.source, source));
  else if (source === undefined && archiveReplaced(p, ctx)) fields.push(field("source", m.source, null));
  const members = memberChange(p, m);
  if (members) fields.push(members);
  return diffOf("update", fields, { notes, unknown: fields.length > 0 ? unknown : [] });
};

/** `archive`: see the module comment. */
export const archiveKind = defineKind<ArchiveProps>({
  kind: "archive",
  props: ArchiveProps,
  provides: (p) => (declaredMembers(p) ?? []).map((m) => `path:${m}`),
  requires: (p) => [
    `path:${p.dest}`,
    ...(p.archive !== undefined ? [`path:${p.archive}`] : []),
    ...ownerTokens(p.owner, p.group),
  ],

  // The host archive's digest is the source only without a checksum; with one,
  // a stat is enough, and a target answers it with the probe of the download
  // or file resource of that path (ShellTarget: one stat and hash per path).
  probes: (p, ctx) => [
    { type: "manifest", path: manifestPath(ctx.name) },
    ...(p.archive === undefined
      ? []
      : [
          p.checksum === null
            ? { type: "file" as const, path: p.archive, hash: "sha256" as const }
            : { type: "file" as const, path: p.archive },
        ]),
  ],

  diff: (p, facts, ctx) => {
    const d = archiveDiff(p, facts, ctx);
    return p.url === undefined ? d : needsDownloader(d, p.url, ctx);
  },

  ops: (p, diff, facts, ctx) => {
    if (diff.fields.length === 0) return [];
    const [, archiveFact] = facts as readonly [ManifestFact, FileFact | undefined];
    const extract = (archive: string): Op => ({
      op: "extract",
      archive,
      dest: p.dest,
      members: p.members ?? null,
      strip: p.strip,
      manifest: manifestPath(ctx.name),
      // Unknown only for an archive without checksum that does not exist yet or is replaced (see the diff's unknown).
      source: expectedSource(p, archiveFact, ctx) ?? "",
      mode: p.mode,
      owner: p.owner,
      group: p.group,
    });
    // The codec guarantees exactly one of url and archive.
    if (p.url === undefined) return p.archive === undefined ? [] : [extract(p.archive)];
    const cache = cachePath(ctx.name);
    const record = downloadRecordPath(cache);
    return [
      {
        op: "download",
        url: p.url,
        checksum: p.checksum,
        path: cache,
        record,
        mode: 0o600,
        owner: "root",
        group: "root",
      },
      extract(cache),
      { op: "remove", path: cache },
      { op: "remove", path: record },
    ];
  },
});
