/**
 * The keep and restore ops on SimHost, as tend_keep and tend_restore do
 * them on a real host: `keep` copies each path (a file, link or directory
 * tree, with its attributes) under the rollback dir as N and records the
 * path in N.path, unless N.path already exists; `restore` puts each kept
 * path back, or removes it when N was never kept (it did not exist).
 */
import type { Draft } from "immer";
import type { Op } from "../op.js";
import type { SimState } from "./state.js";
import {
  fileBytes,
  lookup,
  mkdirP,
  normalizePath,
  noStep,
  removeTree,
  replaceFile,
  type Step,
} from "./vfs.js";

type OpOf<K extends Op["op"]> = Extract<Op, { op: K }>;
type Files = Draft<SimState>["files"];

/** Copies the entry at `from` (and, for a directory, everything below it) to `to`, replacing what is there. */
const copyTree = (files: Files, from: string, to: string): void => {
  removeTree(files, to);
  mkdirP(files, to.slice(0, to.lastIndexOf("/")) || "/");
  const prefix = `${from}/`;
  for (const key of Object.keys(files)
    .filter((k) => k === from || k.startsWith(prefix))
    .sort()) {
    // Entries are flat records: a spread is a full copy (and leaves the immer draft alone).
    files[`${to}${key.slice(from.length)}`] = { ...files[key]! };
  }
};

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const ATTRS = { mode: 0o644, owner: "root", group: "root" } as const;

export const keepOp = (draft: Draft<SimState>, op: OpOf<"keep">, step: Step = noStep): undefined => {
  mkdirP(draft.files, op.dir);
  op.paths.forEach((path, i) => {
    const n = `${op.dir}/${i + 1}`;
    if (draft.files[`${n}.path`] !== undefined) return;
    step();
    removeTree(draft.files, n);
    const p = normalizePath(path);
    if (lookup(draft.files, p, false) !== undefined) copyTree(draft.files, p, n);
    // The copy is in place; its record (what makes it count as kept) comes next.
    step();
    replaceFile(draft.files, `${n}.path`, utf8(path), ATTRS);
  });
  return undefined;
};

export const restoreOp = (draft: Draft<SimState>, op: OpOf<"restore">, step: Step = noStep): undefined => {
  const prefix = `${op.dir}/`;
  // Only the dir's own records (tend_restore's "$d"/*.path): a kept tree may hold records of its own
  // (another rollback dir, kept because this apply removes it), which are that rollback's to restore.
  const records = Object.keys(draft.files).filter(
    (k) => k.startsWith(prefix) && k.endsWith(".path") && !k.slice(prefix.length).includes("/"),
  );
  for (const record of records.sort()) {
    const entry = draft.files[record];
    if (entry?.type !== "file") continue;
    const path = normalizePath(fileBytes(entry).toString("utf8"));
    const n = record.slice(0, -".path".length);
    // One path at a time, each atomically (copy beside, rename).
    step();
    if (draft.files[n] !== undefined) copyTree(draft.files, n, path);
    else removeTree(draft.files, path);
  }
  return undefined;
};
