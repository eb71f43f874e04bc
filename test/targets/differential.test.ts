/**
 * SimHost and ShellTarget agree: the same generated resource sets, planned
 * and applied by the engine on a SimHost and on a real systemd host (through
 * the Docker transport), give the same plans, converge on both (the second
 * plan is empty), and leave the same comparable state: files under the run's
 * paths, accounts, services and packages, read on the real host with its own
 * tools.
 *
 * A run has two rounds: a resource set on fresh names, then another set over
 * the same names (updates). Every run gets its own names (paths under
 * /srv/diff/r<n>, accounts, unit), so runs share one real host without seeing
 * each other; the SimHost of a run is seeded from the real host as it is at
 * the start of that run. TEND_DIFF_RUNS sets the number of runs (default 10).
 */
import { type ApplyReport, apply, isConverged, type Plan, pendingOf, plan, type Resource } from "@tend/core";
import { comparableState, SimHost } from "@tend/core/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopHosts } from "../hosts/hosts.js";
import { type RealHost, startRealHost } from "./real-host.js";
import { type ReadScope, readRealState, seedFromReal } from "./real-state.js";

let h: RealHost;
beforeAll(async () => {
  h = await startRealHost("diff");
});
afterAll(async () => {
  await h?.transport.close();
  await stopHosts(h ? [h.host] : []);
});

const SYSCTLS: Record<string, readonly string[]> = {
  "net.ipv4.ip_forward": ["0", "1"],
  "net.ipv4.tcp_syncookies": ["0", "1", "2"],
  "net.ipv4.ip_default_ttl": ["63", "64", "100"],
};
const PACKAGES = ["socat", "ethtool", "ebtables", "ipset"] as const;
const KMODS = ["overlay", "vxlan", "br_netfilter"] as const;
const MODES = [0o755, 0o750, 0o700, 0o2775] as const;
const FILE_MODES = [0o644, 0o600, 0o640, 0o755] as const;
const DIRS = ["a", "a/b", "c"] as const;
const FILES = ["f1", "a/f2", "a/b/f3", "c/f4"] as const;

/** A resource set with abstract names; `materialize` names it for one run. */
const shapeArb = fc.record({
  group1: fc.option(fc.record({ gid: fc.boolean(), system: fc.boolean() }), { nil: undefined }),
  group2: fc.boolean(),
  user: fc.option(
    fc.record({
      uid: fc.boolean(),
      primary: fc.boolean(),
      supp: fc.subarray(["g2", "adm"] as const),
      shell: fc.option(fc.constantFrom("/bin/bash", "/usr/sbin/nologin"), { nil: undefined }),
      home: fc.boolean(),
      system: fc.boolean(),
    }),
    { nil: undefined },
  ),
  dirs: fc.uniqueArray(
    fc.record({
      path: fc.constantFrom(...DIRS),
      mode: fc.constantFrom(...MODES),
      owner: fc.nat(2),
      group: fc.nat(2),
    }),
    { selector: (d) => d.path, maxLength: 3 },
  ),
  files: fc.uniqueArray(
    fc.record({
      path: fc.constantFrom(...FILES),
      content: fc.constantFrom("", "x\n", "key = value\n", "#!/bin/sh\necho hi\n"),
      mode: fc.constantFrom(...FILE_MODES),
      owner: fc.nat(2),
      group: fc.nat(2),
      notify: fc.boolean(),
    }),
    { selector: (f) => f.path, maxLength: 3 },
  ),
  service: fc.option(
    fc.record({ install: fc.boolean(), state: fc.constantFrom("running", "stopped"), enabled: fc.boolean() }),
    { nil: undefined },
  ),
  sysctls: fc.uniqueArray(
    fc.constantFrom(...Object.keys(SYSCTLS)).chain((key) =>
      fc.record({
        key: fc.constant(key),
        value: fc.constantFrom(...(SYSCTLS[key] ?? [])),
        persist: fc.boolean(),
      }),
    ),
    { selector: (s) => s.key, maxLength: 2 },
  ),
  packages: fc.subarray([...PACKAGES], { maxLength: 2 }),
  kmods: fc.subarray([...KMODS]),
});
type Shape = typeof shapeArb extends fc.Arbitrary<infer S> ? S : never;

/** The resources of a shape for run `n`, and what the comparison reads. */
const materialize = (s: Shape, n: number): { resources: Resource[]; scope: ReadScope } => {
  // Explicit ids count down from the top of the regular range while allocation counts up past
  // the highest id in use, so a later run's explicit id is never one an earlier run allocated.
  const root = `/srv/diff/r${n}`;
  const [g1, g2, u1, unit] = [`dg${n}a`, `dg${n}b`, `du${n}`, `tend-diff-${n}.service`];
  const owners = ["root", "daemon", s.user ? u1 : "root"];
  const groupsOf = ["root", "adm", s.group1 ? g1 : "root"];
  const r: Resource[] = [];
  if (s.group1)
    r.push({
      kind: "group",
      name: g1,
      props: { system: s.group1.system, ...(s.group1.gid ? { gid: 50_000 - n } : {}) },
    });
  if (s.group2) r.push({ kind: "group", name: g2, props: {} });
  if (s.user) {
    const u = s.user;
    const supp = u.supp.flatMap((g) => (g === "adm" ? ["adm"] : s.group2 ? [g2] : []));
    r.push({
      kind: "user",
      name: u1,
      props: {
        system: u.system,
        ...(u.uid ? { uid: 52_000 - n } : {}),
        ...(u.primary && s.group1 ? { group: g1 } : {}),
        ...(u.supp.length > 0 ? { groups: supp } : {}),
        ...(u.shell ? { shell: u.shell } : {}),
        ...(u.home ? { home: `${root}/home/${u1}` } : {}),
      },
    });
  }
  for (const d of s.dirs)
    r.push({
      kind: "directory",
      name: `${root}/${d.path}`,
      props: { mode: d.mode, owner: owners[d.owner], group: groupsOf[d.group] },
    });
  for (const f of s.files)
    r.push({
      kind: "file",
      name: `${root}/${f.path}`,
      props: { content: f.content, mode: f.mode, owner: owners[f.owner], group: groupsOf[f.group] },
      ...(f.notify && s.service ? { notify: [`service[${unit}]`] } : {}),
    });
  if (s.service) {
    const install = s.service.install ? "[Install]\nWantedBy=multi-user.target\n" : "";
    r.push({
      kind: "unit",
      name: unit,
      props: { content: `[Service]\nExecStart=/bin/sleep infinity\n${install}` },
    });
    // A unit without [Install] stays "static": enabling it would never converge, on either side.
    r.push({
      kind: "service",
      name: unit,
      props: { state: s.service.state, enabled: s.service.install && s.service.enabled },
    });
  }
  for (const c of s.sysctls)
    r.push({
      kind: "sysctl",
      name: c.key,
      props: { value: c.value, persist: c.persist, file: `${root}/sysctl.d/60-${c.key}.conf` },
    });
  for (const p of s.packages) r.push({ kind: "package", name: p, props: {} });
  for (const k of s.kmods) r.push({ kind: "kmod", name: k, props: { persist: false } });
  const scope: ReadScope = {
    paths: [root, `/etc/systemd/system/${unit}`],
    users: [u1],
    groups: [g1, g2, "adm"],
    units: [unit],
    packages: [...PACKAGES],
  };
  return { resources: r, scope };
};

const ready = (p: Plan) => {
  const hp = p.hosts[0];
  if (hp?.status !== "ready") throw new Error(`plan failed: ${JSON.stringify(hp)}`);
  return hp;
};
/** What a plan does, without what only names the host (facts digest, host name). */
const actionsOf = (p: Plan) => ready(p).actions.map((a) => ({ id: a.id, action: a.action, ops: a.ops }));

/** What an apply did, with what is still pending and why it stopped. */
const outcome = (r: ApplyReport) => {
  const hr = r.hosts[0];
  if (!hr) return { status: undefined };
  return {
    status: hr.status,
    converged: isConverged(hr),
    pending: pendingOf(hr),
    error: "error" in hr ? hr.error : undefined,
  };
};
const CONVERGED = { status: "applied", converged: true, pending: [], error: undefined };

let run = 0;

/** Found by this test: a system user with an explicit uid above the system range gets a system gid on a real host (SimHost gave gid = uid). */
const SYSTEM_USER_WITH_HOME: Shape = {
  group1: undefined,
  group2: true,
  user: { uid: true, primary: false, supp: ["g2"], shell: "/usr/sbin/nologin", home: true, system: true },
  dirs: [],
  files: [{ path: "a/f2", content: "", mode: 0o600, owner: 2, group: 1, notify: true }],
  service: { install: false, state: "stopped", enabled: false },
  sysctls: [],
  packages: ["ipset"],
  kmods: ["overlay"],
};

/** Found by this test: directories made inside a setgid directory inherit g+s (and its group) on Linux. */
const SETGID_PARENT: Shape = {
  ...SYSTEM_USER_WITH_HOME,
  user: undefined,
  group1: { gid: false, system: false },
  dirs: [{ path: "a", mode: 0o2775, owner: 0, group: 2 }],
  files: [{ path: "a/b/f3", content: "x\n", mode: 0o640, owner: 0, group: 0, notify: false }],
  service: undefined,
};

/** Found by this test: usermod -g re-groups the user's home from the old primary group (SimHost left it). */
const HOME_USER: Shape = {
  ...SETGID_PARENT,
  group1: undefined,
  user: { uid: true, primary: true, supp: [], shell: undefined, home: true, system: false },
  dirs: [],
};
const PRIMARY_GROUP_CHANGE: [Shape, Shape] = [
  HOME_USER,
  { ...HOME_USER, group1: { gid: true, system: false } },
];

/**
 * The second round of a run declares the same names again with other props
 * (updates: modes, owners, contents, groups, unit files, service states).
 * Ids and the primary group stay as the first round made them: usermod -u/-g
 * re-own files by number on a real host, which SimHost (owners by name) does
 * not model.
 */
const pinIds = (a: Shape, b: Shape): Shape => ({
  ...b,
  group1: a.group1 && b.group1 ? { ...b.group1, gid: a.group1.gid, system: a.group1.system } : b.group1,
  user:
    a.user && b.user
      ? { ...b.user, uid: a.user.uid, system: a.user.system, primary: a.user.primary }
      : b.user,
});
const roundsArb = fc.tuple(shapeArb, shapeArb).map(([a, b]): [Shape, Shape] => [a, pinIds(a, b)]);

/** Plans and applies `resources` on both hosts; both converge, with the same plans and the same state. */
const sameOnBoth = async (sim: SimHost, resources: Resource[], scope: ReadScope, round: string) => {
  const [simRun, realRun] = [await plan(resources, sim), await plan(resources, h.target)];
  const [simPlan, realPlan] = [simRun.plan, realRun.plan];
  expect(actionsOf(realPlan), `${round}: plans`).toEqual(actionsOf(simPlan));
  const [simReport, realReport] = [await apply(simRun, sim), await apply(realRun, h.target)];
  const converged = { ...CONVERGED, status: actionsOf(simPlan).length === 0 ? "unchanged" : "applied" };
  expect(outcome(realReport), `${round}: real apply`).toEqual(converged);
  expect(outcome(simReport), `${round}: sim apply`).toEqual(converged);
  expect(actionsOf((await plan(resources, h.target)).plan), `${round}: second real plan`).toEqual([]);
  expect(actionsOf((await plan(resources, sim)).plan), `${round}: second sim plan`).toEqual([]);
  const real = await readRealState(h.transport, scope);
  expect(real, `${round}: state`).toEqual(comparableState(sim.state, scope.paths, scope));
};

describe("SimHost and ShellTarget on a real host", () => {
  it("the same plans, on a fresh host and then over it, leave the same state and converge on both", async () => {
    await fc.assert(
      fc.asyncProperty(roundsArb, async ([first, second]) => {
        const n = run++;
        const sim = new SimHost(await seedFromReal(h.transport, Object.keys(SYSCTLS)));
        const a = materialize(first, n);
        await sameOnBoth(sim, a.resources, a.scope, "first round");
        const b = materialize(second, n);
        await sameOnBoth(sim, b.resources, b.scope, "second round");
      }),
      {
        numRuns: Number(process.env.TEND_DIFF_RUNS ?? 10),
        endOnFailure: true,
        examples: [
          [[SYSTEM_USER_WITH_HOME, SETGID_PARENT]],
          [[SETGID_PARENT, SYSTEM_USER_WITH_HOME]],
          [PRIMARY_GROUP_CHANGE],
        ],
      },
    );
  });
});
