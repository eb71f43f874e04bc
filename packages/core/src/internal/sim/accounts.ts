/**
 * groupadd, groupmod, useradd and usermod over SimState's user and group
 * tables, following Debian's shadow-utils: ids allocated like useradd does,
 * a user private group when no primary group is given, a home made only
 * when one is given (ShellTarget's -m / -M).
 */
import type { Draft } from "immer";
import type { Op } from "../op.js";
import type { OpResult } from "./fileops.js";
import type { SimState } from "./state.js";
import { failsAfter, lookup, mkdirP, noStep, own, resolvePath, SimError, type Step } from "./vfs.js";

type OpOf<K extends Op["op"]> = Extract<Op, { op: K }>;

/** login.defs on Debian: system ids 100–999, regular ids from 1000 (up to 59999). */
const SYS_MIN = 100;
const SYS_MAX = 999;
const ID_MIN = 1000;
const ID_MAX = 59_999;

/**
 * The id useradd/groupadd would pick: system accounts take the highest free
 * id below 1000, regular ones the highest used regular id plus one.
 */
const allocate = (used: readonly number[], system: boolean): number => {
  if (system) {
    for (let id = SYS_MAX; id >= SYS_MIN; id--) if (!used.includes(id)) return id;
    throw new SimError("Can't get unique system ID (no more available IDs)");
  }
  const regular = used.filter((id) => id >= ID_MIN && id <= ID_MAX);
  const next = regular.length === 0 ? ID_MIN : Math.max(...regular) + 1;
  if (next > ID_MAX) throw new SimError("Can't get unique ID (no more available IDs)");
  return next;
};

const gids = (s: SimState): number[] => Object.values(s.groups).map((g) => g.gid);
const uids = (s: SimState): number[] => Object.values(s.users).map((u) => u.uid);

/** A group named by name or by number, as -g accepts both. */
const findGroup = (s: SimState, cmd: string, group: string): [string, number] => {
  const byName = own(s.groups, group);
  if (byName !== undefined) return [group, byName.gid];
  if (/^\d+$/.test(group)) {
    const hit = Object.entries(s.groups).find(([, g]) => g.gid === Number(group));
    if (hit) return [hit[0], hit[1].gid];
  }
  throw new SimError(`${cmd}: group '${group}' does not exist`);
};

/** Makes `name`'s supplementary groups exactly `groups`, in both tables. */
const setSupplementary = (
  draft: Draft<SimState>,
  cmd: string,
  name: string,
  groups: readonly string[],
): void => {
  const names = groups.map((g) => findGroup(draft, cmd, g)[0]);
  for (const [gname, g] of Object.entries(draft.groups)) {
    const want = names.includes(gname);
    const has = g.members.includes(name);
    if (want && !has) g.members.push(name);
    if (!want && has) g.members = g.members.filter((m) => m !== name);
  }
  const user = own(draft.users, name);
  if (user !== undefined) user.groups = [...new Set(names)];
};

/** groupadd [-r] [-g GID] NAME. */
export const groupaddOp = (draft: Draft<SimState>, op: OpOf<"groupadd">): void => {
  if (own(draft.groups, op.name) !== undefined)
    throw new SimError(`groupadd: group '${op.name}' already exists`);
  if (op.gid !== undefined && gids(draft).includes(op.gid)) {
    throw new SimError(`groupadd: GID '${op.gid}' already exists`);
  }
  draft.groups[op.name] = { gid: op.gid ?? allocate(gids(draft), op.system ?? false), members: [] };
};

/** groupmod -g GID NAME; users whose primary group it is follow the new gid, as groupmod updates passwd. */
export const groupmodOp = (draft: Draft<SimState>, op: OpOf<"groupmod">): void => {
  const g = own(draft.groups, op.name);
  if (g === undefined) throw new SimError(`groupmod: group '${op.name}' does not exist`);
  if (Object.entries(draft.groups).some(([n, other]) => n !== op.name && other.gid === op.gid)) {
    throw new SimError(`groupmod: GID '${op.gid}' already exists`);
  }
  const old = g.gid;
  g.gid = op.gid;
  for (const u of Object.values(draft.users)) if (u.gid === old) u.gid = op.gid;
};

/**
 * useradd -m: the home directory (parents made as needed) owned by the user,
 * mode 0755 (Debian's UMASK 022, no HOME_MODE), with /etc/skel copied in.
 * An existing home is left alone, as useradd only warns then.
 */
const createHome = (draft: Draft<SimState>, home: string, owner: string, group: string): void => {
  const files = draft.files;
  if (lookup(files, home, true) !== undefined) return;
  const canonical = mkdirP(files, home);
  files[canonical] = { type: "dir", mode: 0o755, owner, group };
  copySkel(draft, SKEL, canonical, owner, group);
};

const SKEL = "/etc/skel";

/** Copies what is under `skel` (if it is a directory) into the directory `canonical`, owned as given (links as they are). */
export const copySkel = (
  draft: Draft<SimState>,
  skelPath: string,
  canonical: string,
  owner: string,
  group: string,
): void => {
  const files = draft.files;
  const skel = resolvePath(files, skelPath, true);
  if (files[skel]?.type !== "dir") return;
  for (const key of Object.keys(files)
    .filter((k) => k.startsWith(`${skel}/`))
    .sort()) {
    const e = files[key];
    if (e === undefined) continue;
    const target = `${canonical}${key.slice(skel.length)}`;
    files[target] = e.type === "link" ? { ...e } : { ...e, owner, group };
  }
};

/**
 * useradd [-r] [-u] [-g] [-G] [-s] [-d] NAME. ShellTarget passes -m when a
 * home is given (home made from /etc/skel) and -M otherwise (no directory).
 */
export const useraddOp = (
  draft: Draft<SimState>,
  op: OpOf<"useradd" | "usermod">,
  step: Step = noStep,
): OpResult => {
  const name = op.name;
  if (own(draft.users, name) !== undefined) throw new SimError(`useradd: user '${name}' already exists`);
  if (op.uid !== undefined && uids(draft).includes(op.uid))
    throw new SimError(`useradd: UID ${op.uid} is not unique`);
  const system = op.system ?? false;
  const uid = op.uid ?? allocate(uids(draft), system);
  let gid: number;
  if (op.group !== undefined) {
    gid = findGroup(draft, "useradd", op.group)[1];
  } else {
    // USERGROUPS_ENAB (Debian's default): a private group of the same name, gid = uid when free.
    if (own(draft.groups, name) !== undefined) {
      throw new SimError(
        `useradd: group ${name} exists - if you want to add this user to that group, use -g.`,
      );
    }
    // useradd prefers gid = uid only inside the range it allocates from (a system uid of 5000 gets a system gid).
    const [lo, hi] = system ? [SYS_MIN, SYS_MAX] : [ID_MIN, ID_MAX];
    gid = uid >= lo && uid <= hi && !gids(draft).includes(uid) ? uid : allocate(gids(draft), system);
  }
  // Validate supplementary groups before anything is added, so a failure leaves no half-made user.
  for (const g of op.groups ?? []) findGroup(draft, "useradd", g);
  if (op.group === undefined) draft.groups[name] = { gid, members: [] };
  draft.users[name] = {
    uid,
    gid,
    home: op.home ?? `/home/${name}`,
    // /etc/default/useradd on Debian: SHELL=/bin/sh.
    shell: op.shell ?? "/bin/sh",
    groups: [],
  };
  setSupplementary(draft, "useradd", name, op.groups ?? []);
  // The account exists before useradd makes the home, so a home that cannot be made fails after it.
  if (op.home === undefined) return undefined;
  step();
  return failsAfter(() =>
    createHome(draft, op.home as string, name, findGroup(draft, "useradd", String(gid))[0]),
  );
};

/**
 * usermod -g: the home directory and everything in it that belonged to the
 * old primary group now belongs to the new one (links are left alone).
 */
const regroupHome = (draft: Draft<SimState>, home: string, oldGid: number, group: string): void => {
  let root: string;
  try {
    root = resolvePath(draft.files, home, true);
  } catch {
    return;
  }
  if (draft.files[root]?.type !== "dir") return;
  const wasOld = (g: string): boolean =>
    /^\d+$/.test(g) ? Number(g) === oldGid : draft.groups[g]?.gid === oldGid;
  for (const [path, e] of Object.entries(draft.files)) {
    if ((path === root || path.startsWith(`${root}/`)) && e.type !== "link" && wasOld(e.group))
      e.group = group;
  }
};

/** usermod [-u] [-g] [-G] [-s] [-d] NAME; -G replaces the supplementary groups, -d does not move the home. */
export const usermodOp = (draft: Draft<SimState>, op: OpOf<"useradd" | "usermod">): void => {
  const user = own(draft.users, op.name);
  if (user === undefined) throw new SimError(`usermod: user '${op.name}' does not exist`);
  if (
    op.uid !== undefined &&
    Object.entries(draft.users).some(([n, u]) => n !== op.name && u.uid === op.uid)
  ) {
    throw new SimError(`usermod: UID '${op.uid}' already exists`);
  }
  if (op.group !== undefined) {
    const [name, gid] = findGroup(draft, "usermod", op.group);
    if (gid !== user.gid) regroupHome(draft, user.home, user.gid, name);
    user.gid = gid;
  }
  if (op.groups !== undefined) setSupplementary(draft, "usermod", op.name, op.groups);
  if (op.uid !== undefined) user.uid = op.uid;
  if (op.shell !== undefined) user.shell = op.shell;
  if (op.home !== undefined) user.home = op.home;
};
