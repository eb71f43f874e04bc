/**
 * Crash safety inside multi-step ops (DESIGN.md: an apply that stops
 * anywhere, the host-side script killed in the middle of an op included,
 * loses no restart or reload). SimHost's killAtOp `step` kills the script
 * at each internal step of an op: between the members of an archive being
 * unpacked and its manifest, between a download landing and its record,
 * between mkdir, chmod and chown, between an account and its home. After
 * such a kill every file holds its bytes from before the apply or the ones
 * the apply writes (never a mix at its final path), and the next plan and
 * apply converge, with no restart or reload lost, to the files a whole
 * apply leaves.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { STATE_DIR } from "../probe.js";
import type { Resource } from "../resource.js";
import { SimHost } from "../sim/simhost.js";
import type { SimState } from "../sim/state.js";
import { tarArchive } from "../sim/tar.js";
import { apply } from "./apply.js";
import { leftIntents, owed, ready } from "./crash.fixture.js";
import { numRuns, scenarioArb } from "./engine.fixture.js";
import { plan } from "./plan.js";
import { isConverged, type PlannedRun } from "./report.fixture.js";

const TIMEOUT = 600_000;

/** Regular files' bytes (base64) by path, tend's own records aside. */
const contents = (s: SimState): Map<string, string> =>
  new Map(
    Object.entries(s.files).flatMap(([p, e]) =>
      e.type === "file" && !p.startsWith(`${STATE_DIR}/`) ? [[p, e.content] as const] : [],
    ),
  );

/**
 * `contents` without copies of /etc/skel in homes: a home made again after a
 * kill between useradd's account and its home is made empty.
 */
const withoutSkel = (s: SimState): Record<string, string> => {
  const homes = Object.values(s.users).map((u) => `${u.home}/`);
  return Object.fromEntries(
    [...contents(s)].filter(([p]) => {
      const home = homes.find((h) => p.startsWith(h));
      return home === undefined || s.files[`/etc/skel/${p.slice(home.length)}`] === undefined;
    }),
  );
};

/** Directories with their mode and owner, tend's own aside. */
const dirs = (s: SimState): Record<string, string> =>
  Object.fromEntries(
    Object.entries(s.files).flatMap(([p, e]) =>
      e.type === "dir" && p !== STATE_DIR && !p.startsWith(`${STATE_DIR}/`)
        ? [[p, `${e.mode.toString(8)} ${e.owner}:${e.group}`] as const]
        : [],
    ),
  );

/** Paths whose bytes are neither those before the apply nor those a whole apply leaves. */
const torn = (now: SimState, before: SimState, after: SimState): string[] => {
  const [b, a] = [contents(before), contents(after)];
  return [...contents(now)]
    .filter(([p, c]) => c !== b.get(p) && c !== a.get(p))
    .map(([p]) => p)
    .sort();
};

/**
 * Kills `first` at every internal step of op `op` (until the kill lands after
 * it), checks no file is torn, then applies again and checks nothing is owed.
 * Returns how many kills landed inside the op.
 */
const killInside = async (
  resources: readonly Resource[],
  initial: SimState,
  first: PlannedRun,
  reference: SimState,
  op: number,
): Promise<number> => {
  let inside = 0;
  for (let step = 0; ; step++) {
    const host = new SimHost(initial, { killAtOp: { op, step } });
    const report = await apply(first, host, { recheckFacts: false });
    const why = JSON.stringify({ op, step, first: report.hosts[0] });
    expect(torn(host.state, initial, reference), why).toEqual([]);
    const second = await apply(await plan(resources, host), host, { recheckFacts: false });
    const again = JSON.stringify({ op, step, first: report.hosts[0], second: second.hosts[0] });
    expect(owed(host, resources), again).toEqual([]);
    expect(leftIntents(host.state), again).toEqual([]);
    expect(isConverged(second.hosts[0]!), again).toBe(true);
    expect(ready(await plan(resources, host)).actions, again).toEqual([]);
    // And it ends where a whole apply ends: every file the apply makes is there, with its bytes
    // (a user's home too, though made again without /etc/skel's files).
    expect(withoutSkel(host.state), again).toEqual(withoutSkel(reference));
    expect(dirs(host.state), again).toEqual(dirs(reference));
    if (host.killedInside !== true) return inside;
    inside++;
  }
};

const reference = async (initial: SimState, first: PlannedRun) => {
  const host = new SimHost(initial);
  await apply(first, host, { recheckFacts: false });
  return host.state;
};

describe("crash safety inside multi-step ops on SimHost", () => {
  it(
    "a kill at any internal step of any op tears no file and loses no restart or reload; the next apply converges",
    async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb, fc.nat(), async (s, pick) => {
          const first = await plan(s.resources, new SimHost(s.initial));
          const ops = ready(first).actions.flatMap((a) => a.ops);
          if (ops.length === 0) return;
          const ref = await reference(s.initial, first);
          // One multi-step op per run (most runs have several), drawn among them.
          const multi = ops.flatMap((o, i) =>
            ["mkdir", "writeFile", "download", "useradd", "extract"].includes(o.op) ? [i] : [],
          );
          if (multi.length === 0) return;
          await killInside(s.resources, s.initial, first, ref, multi[pick % multi.length]!);
        }),
        { numRuns },
      );
    },
    TIMEOUT,
  );

  const pkg = (v: number) =>
    tarArchive(
      [
        { path: "pkg/bin/agent", content: `#!/bin/sh\necho agent v${v}\n`, mode: 0o755 },
        { path: "pkg/bin/helper", content: `#!/bin/sh\necho helper v${v}\n`, mode: 0o755 },
        { path: "pkg/lib/agent.conf", content: `version = ${v}\n` },
      ],
      { gzip: true },
    );
  const url = (v: number) => `http://artifacts.example/pkg-v${v}.tgz`;
  const declared = (v: number): Resource[] => [
    { kind: "group", name: "agent", props: { gid: 750 } },
    {
      kind: "user",
      name: "agent",
      props: { uid: 750, group: "agent", home: "/var/lib/agent", shell: "/usr/sbin/nologin" },
    },
    { kind: "directory", name: "/opt/agent", props: { mode: 0o750, owner: "agent", group: "agent" } },
    {
      kind: "archive",
      name: "/opt/agent",
      props: { url: url(v), dest: "/opt/agent", strip: 1, owner: "agent", group: "agent" },
      notify: ["service[agent]"],
    },
    {
      kind: "unit",
      name: "agent.service",
      props: {
        content: `[Service]\nExecStart=/opt/agent/bin/agent --v=${v}\n\n[Install]\nWantedBy=multi-user.target\n`,
      },
      notify: ["service[agent]"],
    },
    { kind: "service", name: "agent", props: { enabled: true, state: "running" } },
  ];

  /** The archive as a declared file on the host (no checksum: its digest on the host is its source). */
  const fromFile = (v: number): Resource[] => [
    { kind: "directory", name: "/opt/tkx", props: { mode: 0o755 } },
    {
      kind: "file",
      name: "/opt/tkx/pkg.tgz",
      props: { contentBase64: Buffer.from(pkg(v)).toString("base64") },
    },
    {
      kind: "archive",
      name: "/opt/tkx/app",
      props: { archive: "/opt/tkx/pkg.tgz", dest: "/opt/tkx/app", strip: 1 },
      deps: ["file[/opt/tkx/pkg.tgz]"],
    },
  ];

  it("an archive unpacked from a declared file that the change replaces: one apply, and a kill at every internal step, converge", async () => {
    const base = new SimHost();
    await apply(await plan(fromFile(1), base), base);
    const first = await plan(fromFile(2), new SimHost(base.state));
    const whole = new SimHost(base.state);
    // One apply ends as declared (the new archive is unpacked, though its digest is known only once it lands).
    expect(isConverged((await apply(first, whole)).hosts[0]!)).toBe(true);
    const ops = ready(first).actions.flatMap((a) => a.ops);
    const ref = await reference(base.state, first);
    for (let i = 0; i < ops.length; i++) await killInside(fromFile(2), base.state, first, ref, i);
  });

  for (const [from, to] of [
    [undefined, 1],
    [1, 2],
  ] as const)
    it(`an agent from an archive (${from === undefined ? "fresh host" : `v${from} -> v${to}`}): a kill at every internal step of every op`, async () => {
      const base = new SimHost();
      base.mutate((d) => {
        for (const v of [1, 2]) d.available.urls[url(v)] = Buffer.from(pkg(v)).toString("base64");
      });
      if (from !== undefined) {
        const setup = await apply(await plan(declared(from), base), base);
        expect(isConverged(setup.hosts[0]!)).toBe(true);
      }
      const first = await plan(declared(to), new SimHost(base.state));
      const ops = ready(first).actions.flatMap((a) => a.ops);
      const ref = await reference(base.state, first);
      let inside = 0;
      for (let i = 0; i < ops.length; i++)
        inside += await killInside(declared(to), base.state, first, ref, i);
      // The kills did land inside ops: between members, before the manifest, between account and home.
      expect(inside).toBeGreaterThanOrEqual(4);
    });
});
