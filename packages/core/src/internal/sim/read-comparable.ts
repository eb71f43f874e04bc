/**
 * Reads a ComparableHostState through any Target's probes, in one round
 * trip. The differential test reads a SimHost and a real host (ShellTarget)
 * with the same scope and compares the two results, so both sides go
 * through the same probe semantics.
 */
import type { Either } from "fp-ts/lib/Either.js";
import * as E from "fp-ts/lib/Either.js";
import type {
  FileFact,
  GroupFact,
  PackageFact,
  PackageManager,
  Probe,
  ProbeResult,
  UnitFact,
  UserFact,
} from "../probe.js";
import type { Target, TargetError } from "../target.js";
import type { ComparableFile, ComparableHostState } from "./comparable.js";

/** What to read: exact file paths (no listing), and named accounts, units and packages. */
export interface ReadScope {
  readonly files?: readonly string[];
  readonly users?: readonly string[];
  readonly groups?: readonly string[];
  readonly units?: readonly string[];
  readonly packages?: readonly string[];
  /** Package manager for the package probes; default "apt". */
  readonly manager?: PackageManager;
}

const sorted = <T>(xs: readonly T[]): T[] => [...xs].sort();

/**
 * Probes `target` for everything in `scope`. Absent files, missing accounts
 * and packages not installed are left out, as comparableState leaves out
 * what a SimState does not hold.
 */
export const readComparableState = async (
  target: Target,
  scope: ReadScope,
): Promise<Either<TargetError, ComparableHostState>> => {
  const files = sorted(scope.files ?? []);
  const users = sorted(scope.users ?? []);
  const groups = sorted(scope.groups ?? []);
  const units = sorted(scope.units ?? []);
  const packages = sorted(scope.packages ?? []);
  const manager = scope.manager ?? "apt";
  const probes: Probe[] = [
    ...files.map((path): Probe => ({ type: "file", path, hash: "sha256" })),
    ...users.map((name): Probe => ({ type: "user", name })),
    ...groups.map((name): Probe => ({ type: "group", name })),
    ...units.map((name): Probe => ({ type: "unit", name })),
    ...packages.map((name): Probe => ({ type: "package", name, manager })),
  ];
  const answers = await target.probe(probes);
  if (E.isLeft(answers)) return answers;
  const queue: ProbeResult[] = [...answers.right];
  // Answers come back in probe order; take them off the front group by group.
  const take = <T>(n: number): T[] => queue.splice(0, n) as T[];
  const out = {
    files: {} as Record<string, ComparableFile>,
    users: {} as Record<string, ComparableHostState["users"][string]>,
    groups: {} as Record<string, ComparableHostState["groups"][string]>,
    services: {} as Record<string, ComparableHostState["services"][string]>,
    packages: {} as Record<string, string>,
  };
  for (const [i, f] of take<FileFact>(files.length).entries()) {
    const path = files[i] as string;
    if (f.type === "file") {
      out.files[path] = { type: "file", sha256: f.hash ?? "", mode: f.mode, owner: f.owner, group: f.group };
    } else if (f.type === "dir") {
      out.files[path] = { type: "dir", mode: f.mode, owner: f.owner, group: f.group };
    } else if (f.type === "link") {
      out.files[path] = { type: "link", target: f.target };
    }
  }
  for (const [i, u] of take<UserFact>(users.length).entries()) {
    if (u.exists) {
      out.users[users[i] as string] = {
        uid: u.uid,
        gid: u.gid,
        home: u.home,
        shell: u.shell,
        groups: sorted(u.groups),
      };
    }
  }
  for (const [i, g] of take<GroupFact>(groups.length).entries()) {
    if ("gid" in g && g.exists && "members" in g)
      out.groups[groups[i] as string] = { gid: g.gid, members: sorted(g.members) };
  }
  for (const [i, u] of take<UnitFact>(units.length).entries()) {
    out.services[units[i] as string] = { active: u.active, enabled: u.enabled };
  }
  for (const [i, p] of take<PackageFact>(packages.length).entries()) {
    if (p.version !== null) out.packages[packages[i] as string] = p.version;
  }
  return E.right(out);
};
