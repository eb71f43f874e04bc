/**
 * The comparable part of a host's state: what the differential test reads
 * from a real host (through ShellTarget) and from a SimHost, then compares
 * with deep equality. File contents appear only as sha256, lists sorted, so
 * the structure is the same whichever side produced it.
 */
import { createHash } from "node:crypto";
import { answerProbe } from "./probes.js";
import type { SimState } from "./state.js";
import { digest, fileBytes, shownName } from "./vfs.js";

/** A filesystem entry as compared: regular files by sha256 of their bytes. */
export type ComparableFile =
  | {
      readonly type: "file";
      readonly sha256: string;
      readonly mode: number;
      readonly owner: string;
      readonly group: string;
    }
  | { readonly type: "dir"; readonly mode: number; readonly owner: string; readonly group: string }
  | { readonly type: "link"; readonly target: string };

/** The state both sides of the differential test reduce to; every list is sorted. */
export interface ComparableHostState {
  readonly files: Readonly<Record<string, ComparableFile>>;
  readonly users: Readonly<
    Record<
      string,
      {
        readonly uid: number;
        readonly gid: number;
        readonly home: string;
        readonly shell: string;
        readonly groups: readonly string[];
      }
    >
  >;
  readonly groups: Readonly<Record<string, { readonly gid: number; readonly members: readonly string[] }>>;
  readonly services: Readonly<Record<string, { readonly active: string; readonly enabled: string }>>;
  readonly packages: Readonly<Record<string, string>>;
}

/** Which users, groups, units and packages to keep (all when a list is omitted). */
export interface ComparableScope {
  readonly users?: readonly string[];
  readonly groups?: readonly string[];
  readonly units?: readonly string[];
  readonly packages?: readonly string[];
}

const within = (path: string, roots: readonly string[] | undefined): boolean =>
  roots === undefined ||
  roots.some((r) => {
    const root = r !== "/" && r.endsWith("/") ? r.slice(0, -1) : r;
    return root === "/" || path === root || path.startsWith(`${root}/`);
  });

/** Entries of `record` whose key is in `keep` (all when undefined), with keys sorted for a stable shape. */
const pick = <V, W>(
  record: Readonly<Record<string, V>>,
  keep: readonly string[] | undefined,
  f: (v: V, k: string) => W,
) =>
  Object.fromEntries(
    Object.keys(record)
      .filter((k) => keep === undefined || keep.includes(k))
      .sort()
      .map((k) => [k, f(record[k] as V, k)]),
  ) as Record<string, W>;

/**
 * Services as compared. With a unit list, every listed unit appears, read the
 * way the unit probe reads it (a unit never touched is inactive, and its
 * enabled word is "" when it has no unit file), as the real side reads them.
 */
const servicesOf = (
  state: SimState,
  units: readonly string[] | undefined,
): ComparableHostState["services"] => {
  if (units === undefined)
    return pick(state.services, undefined, (s) => ({ active: s.active, enabled: s.enabled }));
  return Object.fromEntries(
    [...units].sort().map((u) => {
      const f = answerProbe(state, { type: "unit", name: u });
      return [u, { active: f.active, enabled: f.enabled }];
    }),
  );
};

/**
 * Reduces a SimState to what can be compared with a real host: the files at
 * or under `paths` (every file when omitted), and users, groups, services and
 * packages (narrowed by `scope`). Group membership is merged from both tables.
 */
export const comparableState = (
  state: SimState,
  paths?: readonly string[],
  scope: ComparableScope = {},
): ComparableHostState => {
  const files = Object.fromEntries(
    Object.keys(state.files)
      .filter((p) => within(p, paths))
      .sort()
      .map((p): [string, ComparableFile] => {
        const e = state.files[p];
        if (e === undefined) throw new Error("unreachable: key came from the record");
        if (e.type === "link") return [p, { type: "link", target: e.target }];
        const owner = shownName(e.owner, state.users, "uid");
        const group = shownName(e.group, state.groups, "gid");
        if (e.type === "dir") return [p, { type: "dir", mode: e.mode, owner, group }];
        return [p, { type: "file", sha256: digest("sha256", fileBytes(e)), mode: e.mode, owner, group }];
      }),
  );
  // Supplementary groups as the user probe reads them (primary excluded), sorted.
  const memberOf = (user: string): string[] => {
    const f = answerProbe(state, { type: "user", name: user });
    return f.exists ? [...f.groups].sort() : [];
  };
  const membersOf = (group: string, members: readonly string[]): string[] =>
    [
      ...new Set([
        ...members,
        ...Object.keys(state.users).filter((u) => state.users[u]?.groups.includes(group)),
      ]),
    ].sort();
  return {
    files,
    users: pick(state.users, scope.users, (u, name) => ({
      uid: u.uid,
      gid: u.gid,
      home: u.home,
      shell: u.shell,
      groups: memberOf(name),
    })),
    groups: pick(state.groups, scope.groups, (g, name) => ({
      gid: g.gid,
      members: membersOf(name, g.members),
    })),
    services: servicesOf(state, scope.units),
    packages: pick(state.packages, scope.packages, (v) => v),
  };
};

/** sha256 of the canonical JSON of comparableState(state): equal digests mean equal comparable states. */
export const simStateDigest = (state: SimState, paths?: readonly string[], scope?: ComparableScope): string =>
  createHash("sha256")
    .update(JSON.stringify(comparableState(state, paths, scope)))
    .digest("hex");
