/**
 * The filesystem ops of SimHost: mkdir, writeFile, setAttrs, remove,
 * download, extract and the pending-restart record. Each mutates an immer
 * draft and throws SimError on failure; SimHost discards the draft then, so
 * a failed op changes nothing.
 */

import { posix } from "node:path";
import type { Draft } from "immer";
import type { Op } from "../internal/op.js";
import { PENDING_RESTARTS_PATH } from "../internal/probe.js";
import type { BlobStore } from "../internal/target.js";
import { formatManifest } from "./manifest.js";
import type { SimState } from "./state.js";
import { readArchive, type TarEntry } from "./tar.js";
import {
  attrsOf,
  digest,
  fileBytes,
  groupName,
  lookup,
  mkdirP,
  normalizePath,
  ownerName,
  removeTree,
  replaceFile,
  resolvePath,
  SimError,
} from "./vfs.js";

type OpOf<K extends Op["op"]> = Extract<Op, { op: K }>;

/** tend's own records (manifests, download records, pending restarts) are root's, 0644. */
const RECORD_ATTRS = { mode: 0o644, owner: "root", group: "root" } as const;

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** mkdir -p, then the op's mode and owner on the final directory only (like `mkdir -p && chmod && chown`). */
export const mkdirOp = (draft: Draft<SimState>, op: OpOf<"mkdir">): void => {
  const attrs = attrsOf(draft, op);
  const canonical = mkdirP(draft.files, op.path);
  draft.files[canonical] = { type: "dir", ...attrs };
};

/** Atomic replace with the bytes of the blob the op names. */
export const writeFileOp = (draft: Draft<SimState>, op: OpOf<"writeFile">, blobs: BlobStore): void => {
  const bytes = blobs.get(op.blob);
  if (bytes === undefined) throw new SimError(`writeFile ${op.path}: blob ${op.blob} was not provided`);
  replaceFile(draft.files, op.path, bytes, attrsOf(draft, op));
};

/** chmod / chown of an existing entry, following a link at the path as chmod and chown do. */
export const setAttrsOp = (draft: Draft<SimState>, op: OpOf<"setAttrs">): void => {
  const canonical = resolvePath(draft.files, op.path, true);
  const e = draft.files[canonical];
  if (e === undefined || e.type === "link") {
    throw new SimError(`chmod: cannot access '${op.path}': No such file or directory`);
  }
  if (op.owner !== undefined) e.owner = ownerName(draft, op.owner);
  if (op.group !== undefined) e.group = groupName(draft, op.group);
  if (op.mode !== undefined) e.mode = op.mode & 0o7777;
};

/** rm -rf. */
export const removeOp = (draft: Draft<SimState>, op: OpOf<"remove">): void =>
  removeTree(draft.files, op.path);

/**
 * Fetches from `available.urls`, verifies the checksum, lands the file with
 * its attributes, then writes the record (`<url>\n`). On a mismatch nothing
 * lands: whatever was at the path before stays.
 */
export const downloadOp = (draft: Draft<SimState>, op: OpOf<"download">): void => {
  const attrs = attrsOf(draft, op);
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
  replaceFile(draft.files, op.path, bytes, attrs);
  replaceFile(draft.files, op.record, utf8(`${op.url}\n`), RECORD_ATTRS);
};

/** A member's path after dropping `strip` leading components, or undefined when nothing is left or it climbs out. */
const stripped = (path: string, strip: number): string | undefined => {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  // GNU tar refuses members that climb out of the destination.
  if (parts.includes("..")) return undefined;
  const rest = parts.slice(strip);
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

/**
 * Unpacks the regular files of a .tar/.tar.gz (all, or exactly the listed
 * members, failing before anything is written when one is missing) into
 * dest with the op's attributes, then writes the manifest.
 */
export const extractOp = (draft: Draft<SimState>, op: OpOf<"extract">): void => {
  const attrs = attrsOf(draft, op);
  let archive: ReturnType<typeof lookup>;
  try {
    archive = lookup(draft.files, op.archive, true);
  } catch {
    archive = undefined;
  }
  if (archive?.type !== "file") {
    throw new SimError(`tar: ${op.archive}: Cannot open: No such file or directory`);
  }
  const files = regularFiles(readArchive(fileBytes(archive)), op.strip);
  let chosen: [string, TarEntry][];
  if (op.members === null) {
    chosen = [...files.entries()];
  } else {
    const missing = op.members.filter((m) => !files.has(stripped(m, 0) ?? ""));
    if (missing.length > 0) {
      throw new SimError(missing.map((m) => `tar: ${m}: Not found in archive`).join("\n"));
    }
    chosen = op.members.map((m) => {
      const rel = stripped(m, 0) ?? "";
      return [rel, files.get(rel) as TarEntry];
    });
  }
  const dest = normalizePath(op.dest);
  mkdirP(draft.files, dest);
  const members: { path: string; sha256: string }[] = [];
  for (const [rel, entry] of chosen) {
    const path = posix.join(dest, rel);
    replaceFile(draft.files, path, entry.content, attrs);
    members.push({ path, sha256: digest("sha256", entry.content) });
  }
  replaceFile(draft.files, op.manifest, utf8(formatManifest({ source: op.source, members })), RECORD_ATTRS);
};

/** Sorted unique unit names in the pending-restart record; the file is removed when none remain. */
export const pendingOp = (draft: Draft<SimState>, op: OpOf<"pending">): void => {
  let current: string[] = [];
  const e = lookup(draft.files, PENDING_RESTARTS_PATH, true);
  if (e?.type === "file") current = fileBytes(e).toString("utf8").split("\n");
  const set = new Set(current.filter((l) => l !== ""));
  for (const u of op.units) {
    if (op.action === "add") set.add(u);
    else set.delete(u);
  }
  if (set.size === 0) {
    removeTree(draft.files, PENDING_RESTARTS_PATH);
    return;
  }
  const text = [...set]
    .sort()
    .map((u) => `${u}\n`)
    .join("");
  replaceFile(draft.files, PENDING_RESTARTS_PATH, utf8(text), RECORD_ATTRS);
};
