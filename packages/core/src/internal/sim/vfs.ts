/**
 * The in-memory filesystem under SimHost: path resolution through symlinks,
 * mkdir -p, atomic replacement and recursive removal over `SimState.files`.
 * Functions take the files record (an immer draft when mutating) and throw
 * SimError with the message the real command would print.
 */
import { createHash } from "node:crypto";
import { posix } from "node:path";
import type { SimFile, SimRegularFile, SimState } from "./state.js";

/** A failure of a simulated command: what it printed and the exit code it returned. */
/**
 * A point between two internal steps of an op (the separate commands the
 * real op runs): SimHost's killAtOp `step` kills the host-side script there,
 * keeping the steps before it. Ops call it between their steps only.
 */
export type Step = () => void;

/** No kill injected: steps just run. */
export const noStep: Step = () => {};

/** Thrown by a Step where the injected kill lands; not an op failure (SimHost keeps what ran). */
export class SimKill extends Error {
  constructor() {
    super("host-side script killed inside an op (SimHost killAtOp step)");
    this.name = "SimKill";
  }
}

export class SimError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "SimError";
  }
}

type Files = Record<string, SimFile>;

/** Linux gives up after 40 link hops (ELOOP); so do we. */
const MAX_LINK_HOPS = 40;

/** Whether an absolute path is already normal: no empty, "." or ".." component, no trailing slash. */
const isNormal = (path: string): boolean =>
  path === "/" ||
  (path.startsWith("/") && !path.endsWith("/") && !path.includes("//") && !/\/\.\.?(?:\/|$)/.test(path));

/** Normalises an absolute path ("//a/./b/" → "/a/b"); a relative path is an error, as ops only carry absolute ones. */
export const normalizePath = (path: string): string => {
  // Ops and probes carry normal paths; posix.normalize is then a costly no-op.
  if (isNormal(path)) return path;
  if (!path.startsWith("/")) throw new SimError(`${path}: path must be absolute`);
  const n = posix.normalize(path);
  return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n;
};

/**
 * The canonical path of `path`: symlinks in every directory component are
 * followed, the last component only when `followFinal` (stat vs lstat).
 * Missing components are kept as they are, so the result names where a new
 * entry would be created.
 */
export const resolvePath = (
  files: Readonly<Record<string, SimFile>>,
  path: string,
  followFinal: boolean,
  hops = 0,
): string => {
  const norm = normalizePath(path);
  let cur = "/";
  // While no link was followed, the resolved prefix is the path's own prefix (no string building).
  let straight = true;
  for (let start = 1; start < norm.length; ) {
    let end = norm.indexOf("/", start);
    if (end === -1) end = norm.length;
    const next = straight
      ? norm.slice(0, end)
      : cur === "/"
        ? `/${norm.slice(start, end)}`
        : `${cur}/${norm.slice(start, end)}`;
    const entry = files[next];
    const last = end === norm.length;
    if (entry?.type === "link" && (!last || followFinal)) {
      if (hops >= MAX_LINK_HOPS) throw new SimError(`${path}: Too many levels of symbolic links`);
      const target = entry.target.startsWith("/") ? entry.target : posix.join(cur, entry.target);
      cur = resolvePath(files, target, true, hops + 1);
      straight = false;
    } else {
      cur = next;
    }
    start = end + 1;
  }
  return cur;
};

/** The entry at `path` (lstat when !follow, stat when follow), or undefined. */
export const lookup = (
  files: Readonly<Record<string, SimFile>>,
  path: string,
  follow: boolean,
): SimFile | undefined => files[resolvePath(files, path, follow)];

/** Decoded bytes of a regular file. */
export const fileBytes = (f: SimRegularFile): Buffer => Buffer.from(f.content, "base64");

/** Hex digest of bytes. */
export const digest = (algo: "sha256" | "sha512", bytes: Uint8Array): string =>
  createHash(algo).update(bytes).digest("hex");

/** Entry at the canonical path `canonical`, reporting ENOTDIR when an ancestor is not a directory. */
const checkAncestors = (files: Files, canonical: string, what: string): void => {
  const parts = canonical.split("/").filter((p) => p !== "");
  let cur = "";
  for (const part of parts.slice(0, -1)) {
    cur = `${cur}/${part}`;
    const e = files[cur];
    if (e !== undefined && e.type !== "dir") throw new SimError(`${what}: Not a directory`);
  }
};

/**
 * mkdir -p: creates every missing directory of `path` (0755 root:root, like
 * mkdir -p under root's umask 022; 2755 with the parent's group inside a
 * setgid directory) and returns the canonical path of the last
 * one. Anything but a directory in the way is an error, as with mkdir -p.
 */
export const mkdirP = (files: Files, path: string): string => {
  const canonical = resolvePath(files, path, true);
  checkAncestors(files, canonical, `mkdir: cannot create directory '${path}'`);
  const parts = canonical.split("/").filter((p) => p !== "");
  let cur = "";
  for (const part of parts) {
    const parent = files[cur === "" ? "/" : cur];
    cur = `${cur}/${part}`;
    const e = files[cur];
    if (e === undefined) {
      // Linux: a directory made inside a setgid directory takes its group and is setgid itself.
      const inherit = parent?.type === "dir" && (parent.mode & 0o2000) !== 0;
      files[cur] = inherit
        ? { type: "dir", mode: 0o2755, owner: "root", group: parent.group }
        : { type: "dir", mode: 0o755, owner: "root", group: "root" };
    } else if (e.type !== "dir") throw new SimError(`mkdir: cannot create directory '${path}': File exists`);
  }
  return canonical;
};

/**
 * Where a new entry named `path` lands: its parent directories are created
 * (mkdir -p) and the canonical path of the entry itself (not following a
 * link at the final component, as rename replaces the link) is returned.
 */
export const prepareEntry = (files: Files, path: string): string => {
  const n = normalizePath(path);
  if (n === "/") throw new SimError("/: Is a directory");
  const parent = mkdirP(files, posix.dirname(n));
  return parent === "/" ? `/${posix.basename(n)}` : `${parent}/${posix.basename(n)}`;
};

/**
 * Atomic replace (temp file + rename in the same directory): the new file with
 * its attributes appears in one step. A directory at the path is an error,
 * as `mv -T` onto a non-empty directory is.
 */
export const replaceFile = (files: Files, path: string, bytes: Uint8Array, attrs: Attrs): string => {
  const canonical = prepareEntry(files, path);
  if (files[canonical]?.type === "dir")
    throw new SimError(`cannot overwrite directory '${path}' with a file`);
  files[canonical] = {
    type: "file",
    content: Buffer.from(bytes).toString("base64"),
    mode: attrs.mode & 0o7777,
    owner: attrs.owner,
    group: attrs.group,
  };
  return canonical;
};

/** rm -rf: the entry (a link itself, not its target) and everything below it. Absent is fine. */
export const removeTree = (files: Files, path: string): void => {
  const canonical = resolvePath(files, path, false);
  if (canonical === "/") throw new SimError("rm: refusing to remove '/'");
  const prefix = `${canonical}/`;
  for (const key of Object.keys(files)) {
    if (key === canonical || key.startsWith(prefix)) delete files[key];
  }
};

/** Mode and ownership of a file or directory, owner and group already resolved to names. */
export interface Attrs {
  readonly mode: number;
  readonly owner: string;
  readonly group: string;
}

/**
 * `r[k]` when `k` is r's own key: names like "constructor" or "__proto__" are
 * valid user, sysctl and unit names, not Object.prototype's members.
 */
export const own = <V>(r: Readonly<Record<string, V>>, k: string): V | undefined =>
  Object.hasOwn(r, k) ? r[k] : undefined;

/**
 * The name chown records for `owner`: a user name that exists, or a number
 * (mapped to the user holding that uid, else kept as the number; probes show
 * it as stat does, see shownName). Anything else fails like chown does.
 */
export const ownerName = (state: SimState, owner: string): string => {
  if (own(state.users, owner) !== undefined) return owner;
  if (/^\d+$/.test(owner)) {
    const uid = Number(owner);
    return Object.entries(state.users).find(([, u]) => u.uid === uid)?.[0] ?? owner;
  }
  throw new SimError(`chown: invalid user: '${owner}' (unknown user ${owner})`);
};

/** Like ownerName, for groups. */
export const groupName = (state: SimState, group: string): string => {
  if (own(state.groups, group) !== undefined) return group;
  if (/^\d+$/.test(group)) {
    const gid = Number(group);
    return Object.entries(state.groups).find(([, g]) => g.gid === gid)?.[0] ?? group;
  }
  throw new SimError(`chgrp: invalid group: '${group}' (unknown group ${group})`);
};

/** Validated attributes for an op's mode/owner/group. */
export const attrsOf = (state: SimState, a: { mode: number; owner: string; group: string }): Attrs => ({
  mode: a.mode & 0o7777,
  owner: ownerName(state, a.owner),
  group: groupName(state, a.group),
});

/** Canonical paths of the regular files directly inside directory `dir` (following links to them). */
export const filesIn = (files: Readonly<Record<string, SimFile>>, dir: string): string[] => {
  const canonical = resolvePath(files, dir, true);
  if (files[canonical]?.type !== "dir") return [];
  const prefix = canonical === "/" ? "/" : `${canonical}/`;
  return Object.keys(files)
    .filter((k) => k.startsWith(prefix) && k.length > prefix.length && !k.slice(prefix.length).includes("/"))
    .filter((k) => {
      try {
        return lookup(files, k, true)?.type === "file";
      } catch {
        return false; // a link loop is not a readable file
      }
    })
    .sort();
};

/**
 * Runs the later steps of an op whose earlier steps stay done when these
 * fail (mkdir -p before a chown that fails): a SimError is returned, not
 * thrown, so the caller keeps the draft and still reports the failure.
 */
export const failsAfter = (steps: () => void): SimError | undefined => {
  try {
    steps();
    return undefined;
  } catch (e) {
    if (e instanceof SimError) return e;
    throw e;
  }
};

/**
 * The name stat shows for a recorded owner or group: a name as is, a number
 * as the name now holding that id, else "UNKNOWN" (what `stat -c %U` prints).
 */
export const shownName = (
  recorded: string,
  table: Readonly<Record<string, { uid?: number; gid?: number }>>,
  key: "uid" | "gid",
): string => {
  if (!/^\d+$/.test(recorded)) return recorded;
  const id = Number(recorded);
  return Object.entries(table).find(([, v]) => v[key] === id)?.[0] ?? "UNKNOWN";
};
