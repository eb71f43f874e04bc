/**
 * The filesystem ops of SimHost: mkdir, writeFile, setAttrs, remove,
 * download, extract and the write-ahead intent record. Each mutates an immer
 * draft and throws SimError on failure; SimHost discards the draft then, so
 * a failed op changes nothing.
 */

import { posix } from "node:path";
import type { Draft } from "immer";
import { intentEntries, type Op } from "../op.js";
import { PENDING_RESTARTS_PATH, STATE_DIR } from "../probe.js";
import type { BlobStore } from "../target.js";
import { copySkel } from "./accounts.js";
import { formatManifest } from "./manifest.js";
import type { SimState } from "./state.js";
import { readArchive, type TarEntry } from "./tar.js";
import {
  attrsOf,
  digest,
  failsAfter,
  fileBytes,
  groupName,
  lookup,
  mkdirP,
  normalizePath,
  noStep,
  ownerName,
  prepareEntry,
  removeTree,
  replaceFile,
  resolvePath,
  SimError,
  type Step,
} from "./vfs.js";

type OpOf<K extends Op["op"]> = Extract<Op, { op: K }>;

/** tend's own records (manifests, download records, pending restarts) are root's, 0644. */
const RECORD_ATTRS = { mode: 0o644, owner: "root", group: "root" } as const;

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** What an op returns: undefined on success, or the failure of a step after earlier steps took effect. */
export type OpResult = SimError | undefined;

/** Refuses a directory at `path` (not a link to one), as the real op does before touching anything. */
const notDir = (draft: Draft<SimState>, path: string): void => {
  if (draft.files[resolvePath(draft.files, path, false)]?.type === "dir") {
    throw new SimError(`${normalizePath(path)} is a directory`);
  }
};

/**
 * A home as the real op makes it: whole (skel's files copied in, all of it
 * the user's, mode set) or not at all, so an unknown owner leaves nothing.
 */
const mkhome = (draft: Draft<SimState>, op: OpOf<"mkdir">, skel: string, step: Step): OpResult => {
  // The parents are made first (mkdir -p), as on a host, and stay if the owner is unknown.
  mkdirP(draft.files, posix.dirname(normalizePath(op.path)));
  step();
  return failsAfter(() => {
    const [owner, group] = [ownerName(draft, op.owner), groupName(draft, op.group)];
    const canonical = mkdirP(draft.files, op.path);
    draft.files[canonical] = { type: "dir", mode: op.mode & 0o7777, owner, group };
    copySkel(draft, skel, canonical, owner, group);
  });
};

/**
 * mkdir -p, then chmod, then chown of the final directory only. The real op
 * runs these as separate commands, so an unknown owner leaves the
 * directories made and the mode set.
 */
export const mkdirOp = (draft: Draft<SimState>, op: OpOf<"mkdir">, step: Step = noStep): OpResult => {
  if (op.skel !== undefined && lookup(draft.files, op.path, true) === undefined)
    return mkhome(draft, op, op.skel, step);
  const canonical = mkdirP(draft.files, op.path);
  const dir = draft.files[canonical];
  if (dir?.type !== "dir") throw new SimError(`mkdir: cannot create directory '${op.path}'`);
  step();
  dir.mode = op.mode & 0o7777;
  step();
  return failsAfter(() => {
    const [owner, group] = [ownerName(draft, op.owner), groupName(draft, op.group)];
    dir.owner = owner;
    dir.group = group;
  });
};

/**
 * Atomic replace with the bytes of the blob the op names. The parent is made
 * first (mkdir -p), so it stays when setting the owner then fails; the file
 * itself only lands whole, with its attributes.
 */
export const writeFileOp = (
  draft: Draft<SimState>,
  op: OpOf<"writeFile">,
  blobs: BlobStore,
  step: Step = noStep,
): OpResult => {
  const bytes = blobs.get(op.blob);
  if (bytes === undefined) throw new SimError(`writeFile ${op.path}: blob ${op.blob} was not provided`);
  notDir(draft, op.path);
  prepareEntry(draft.files, op.path);
  // The parent is made; the temp file is written and given its attributes; the rename lands it whole.
  step();
  return failsAfter(() => replaceFile(draft.files, op.path, bytes, attrsOf(draft, op)));
};

/** chmod then chown of an existing entry, following a link at the path as chmod and chown do. */
export const setAttrsOp = (draft: Draft<SimState>, op: OpOf<"setAttrs">): OpResult => {
  const canonical = resolvePath(draft.files, op.path, true);
  const e = draft.files[canonical];
  if (e === undefined || e.type === "link") {
    throw new SimError(`chmod: cannot access '${op.path}': No such file or directory`);
  }
  if (op.mode !== undefined) e.mode = op.mode & 0o7777;
  return failsAfter(() => {
    // chown owner:group is one call: both are checked before either changes.
    const owner = op.owner === undefined ? e.owner : ownerName(draft, op.owner);
    const group = op.group === undefined ? e.group : groupName(draft, op.group);
    e.owner = owner;
    e.group = group;
  });
};

/** rm -rf. */
export const removeOp = (draft: Draft<SimState>, op: OpOf<"remove">): OpResult => {
  removeTree(draft.files, op.path);
  return undefined;
};

/**
 * Makes the parent directory, fetches from `available.urls`, verifies the
 * checksum, lands the file with its attributes, then writes the record
 * (`<url>\n`). On a mismatch nothing lands: whatever was at the path before
 * stays (only the parent directory may be new).
 */
export const downloadOp = (draft: Draft<SimState>, op: OpOf<"download">, step: Step = noStep): OpResult => {
  notDir(draft, op.path);
  prepareEntry(draft.files, op.path);
  step();
  return failsAfter(() => {
    const body = draft.available.urls[op.url];
    if (body === undefined) {
      throw new SimError(`curl: (22) The requested URL returned error: 404 (${op.url})`);
    }
    const bytes = Buffer.from(body, "base64");
    if (op.checksum !== null) {
      const got = digest(op.checksum.algo, bytes);
      const expected = op.checksum.hex.toLowerCase();
      if (got !== expected) {
        throw new SimError(`checksum mismatch for ${op.url}: expected ${expected}, got ${got}`);
      }
    }
    replaceFile(draft.files, op.path, bytes, attrsOf(draft, op));
    // Landed; its record is written after (a kill here leaves the file without it).
    step();
    replaceFile(draft.files, op.record, utf8(`${op.url}\n`), RECORD_ATTRS);
  });
};

/** A member's path after dropping `strip` leading components, or undefined when nothing is left or it climbs out. */
const stripped = (path: string, strip: number): string | undefined => {
  // GNU tar counts a leading "." as a component, so "./pkg/x" with strip 1 is "pkg/x".
  const rest = path
    .split("/")
    .filter((p) => p !== "")
    .slice(strip)
    .filter((p) => p !== ".");
  // GNU tar refuses members that climb out of the destination.
  if (rest.includes("..")) return undefined;
  return rest.length === 0 ? undefined : rest.join("/");
};

/** The regular files of an archive after stripping, by their stripped path (a later duplicate wins, as tar overwrites). */
const regularFiles = (entries: readonly TarEntry[], strip: number): Map<string, TarEntry> => {
  const out = new Map<string, TarEntry>();
  for (const e of entries) {
    const rel = stripped(e.path, strip);
    if (rel !== undefined && e.type === "file") out.set(rel, e);
  }
  return out;
};

/** C-locale order (bytes), as `LC_ALL=C sort` gives. */
const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * Unpacks regular files of a .tar/.tar.gz (all, or the listed members) into
 * dest with the op's attributes, then writes the manifest. Like the real op,
 * members are installed one by one in C-locale order, so a missing member
 * fails the op with the members before it already in place; the op's
 * scratch directory `<STATE_DIR>/tmp` is left behind.
 */
export const extractOp = (draft: Draft<SimState>, op: OpOf<"extract">, step: Step = noStep): OpResult => {
  const listed = op.members;
  let archive: ReturnType<typeof lookup>;
  try {
    archive = lookup(draft.files, op.archive, true);
  } catch {
    archive = undefined;
  }
  if (archive?.type !== "file") throw new SimError(`archive ${op.archive} not found`);
  const bytes = fileBytes(archive);
  mkdirP(draft.files, `${STATE_DIR}/tmp`);
  step();
  return failsAfter(() => {
    const attrs = attrsOf(draft, op);
    const files = regularFiles(readArchive(bytes), op.strip);
    const names = [...new Set(listed ?? files.keys())].sort(byBytes);
    // `$dest/$member` with the trailing slashes of dest dropped, exactly as the manifest records it.
    const dest = op.dest.replace(/\/+$/, "");
    const members: { path: string; sha256: string }[] = [];
    for (const name of names) {
      const entry = files.get(name);
      if (entry === undefined) throw new SimError(`archive ${op.archive} has no member ${name}`);
      const path = `${dest}/${name}`;
      notDir(draft, path);
      replaceFile(draft.files, path, entry.content, attrs);
      members.push({ path, sha256: digest("sha256", entry.content) });
      // Each member lands on its own; the manifest only after the last.
      step();
    }
    // No source given: the archive's own digest is the source, as in the real op.
    const source = op.source || digest("sha256", bytes);
    replaceFile(draft.files, op.manifest, utf8(formatManifest({ source, members })), RECORD_ATTRS);
  });
};

/** The key of a record line: its entry; a bare unit name (older record) is `restart <unit>`. */
const intentKey = (line: string): string => {
  const f = line.split(" ");
  if (f.length === 1) return `restart ${f[0]}`;
  if (f[0] === "restart") return `restart ${f[1]}`;
  if (f[0] === "rollback") return `rollback ${f[1]}`;
  return f[0] === "daemon-reload" ? "daemon-reload" : line;
};

/**
 * The write-ahead intent record, as tend_intent keeps it: `add` appends the
 * entries not there yet, stamped `<time> <at>`; `remove` drops them; an empty
 * record is removed. The rename is atomic, so the op is all or nothing.
 */
export const intentOp = (draft: Draft<SimState>, op: OpOf<"intent">, now: string): OpResult => {
  // The Op codec already refused an intent without an entry and a multi-line `at`.
  const at = op.at ?? "-";
  // The real op makes the state directory first, even when it then removes the record.
  mkdirP(draft.files, posix.dirname(PENDING_RESTARTS_PATH));
  const e = lookup(draft.files, PENDING_RESTARTS_PATH, true);
  const lines =
    e?.type === "file"
      ? fileBytes(e)
          .toString("utf8")
          .split("\n")
          .filter((l) => l !== "")
      : [];
  const wanted = new Set(intentEntries(op));
  const kept = lines.filter((l) => !(op.action === "remove" && wanted.has(intentKey(l))));
  if (op.action === "add") {
    const have = new Set(kept.map(intentKey));
    for (const entry of wanted) if (!have.has(entry)) kept.push(`${entry} ${now} ${at}`);
  }
  if (kept.length === 0) {
    removeTree(draft.files, PENDING_RESTARTS_PATH);
    return undefined;
  }
  replaceFile(draft.files, PENDING_RESTARTS_PATH, utf8(kept.map((l) => `${l}\n`).join("")), RECORD_ATTRS);
  return undefined;
};
