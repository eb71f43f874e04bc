/**
 * Crash safety (DESIGN.md: a restart or daemon-reload that became due is
 * never lost): an apply stopped at any op, in any way (the op fails, the
 * connection drops after it, the host-side script is killed before or after
 * it takes effect), then applied again without faults, leaves every running
 * service on its current unit, binary and config, systemd's loaded units
 * equal to the files, a report that says converged only when that holds, and
 * an empty plan after.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Plan } from "../plan/format.js";
import type { Resource } from "../resource.js";
import { SimHost } from "../sim/simhost.js";
import type { SimState } from "../sim/state.js";
import { RELOAD_ID } from "./actions.js";
import { apply } from "./apply.js";
import {
  type Fault,
  faultOptions,
  faultsAt,
  leftIntents,
  owed,
  ready,
  unloadedUnits,
} from "./crash.fixture.js";
import { numRuns, scenarioArb } from "./engine.fixture.js";
import { plan } from "./plan.js";
import { isConverged, type PlannedRun } from "./report.fixture.js";

/** Each run replays an apply once per op index; on a busy machine 200 runs take well over vitest's default. */
const TIMEOUT = 600_000;

/**
 * Applies `first` (planned for `initial`) with `fault`, then plans and
 * applies again without faults, and checks (a)–(c); (d) is the convergence
 * re-plan of the second apply, planned again when `thirdPlan` is set.
 */
const crashAndRecover = async (
  resources: readonly Resource[],
  initial: SimState,
  first: Plan | PlannedRun,
  fault: Fault,
  thirdPlan = true,
) => {
  const host = new SimHost(initial, faultOptions(fault));
  const report = await apply(first, host, { recheckFacts: false });
  const afterFirst = owed(host, resources);
  // (c) for the interrupted apply: converged only when nothing is owed.
  if (isConverged(report.hosts[0]!)) expect(afterFirst, JSON.stringify(report)).toEqual([]);
  host.reconnect();
  const second = await apply(await plan(resources, host), host, { recheckFacts: false });
  const why = JSON.stringify({ fault, first: report.hosts[0], second: second.hosts[0], afterFirst });
  // (a) and (b) after the second apply, and (c): it says converged (its re-plan was empty), and that is true.
  expect(owed(host, resources), why).toEqual([]);
  expect(isConverged(second.hosts[0]!), why).toBe(true);
  expect(leftIntents(host.state), why).toEqual([]);
  // (d) a third plan is empty.
  if (thirdPlan) expect(ready(await plan(resources, host)).actions, why).toEqual([]);
};

/**
 * The plan error names a closed chain through the reload: a unit file waits,
 * transitively, for a service op that waits for the reload.
 */
const expectReloadCycle = (text: string): void => {
  expect(text).toMatch(
    /^no order runs the daemon-reload after every unit file and before every service op: /,
  );
  const cycle = text.slice(text.lastIndexOf(": ") + 2).split(" -> ");
  expect(cycle[0]).toBe(cycle[cycle.length - 1]);
  const at = cycle.indexOf(RELOAD_ID);
  expect(cycle[at + 1]).toMatch(/^unit\[/);
  expect(cycle[at - 1]).toMatch(/^service\[/);
};

describe("crash safety on SimHost", () => {
  it(
    "loses no restart and no daemon-reload whatever op an apply stops at and however it stops",
    async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb, fc.constantFrom(0, 1, 2, 3), async (s, k) => {
          const first = await plan(s.resources, new SimHost(s.initial));
          const ops = ready(first).actions.flatMap((a) => a.ops);
          // Every op index; the way the apply stops is drawn per run (all four over the runs).
          for (let i = 0; i < ops.length; i++)
            await crashAndRecover(s.resources, s.initial, first, faultsAt(i)[k]!, false);
        }),
        { numRuns },
      );
    },
    TIMEOUT,
  );

  it("loses no restart when the next plan no longer declares the service (or its unit) an interrupted apply left it for", async () => {
    await fc.assert(
      fc.asyncProperty(
        scenarioArb,
        fc.constantFrom(0, 1, 2, 3),
        fc.nat(),
        fc.boolean(),
        async (s, k, at, dropUnits) => {
          const first = await plan(s.resources, new SimHost(s.initial));
          const ops = ready(first).actions.flatMap((a) => a.ops);
          if (ops.length === 0) return;
          const fault = faultsAt(at % ops.length)[k]!;
          const host = new SimHost(s.initial, faultOptions(fault));
          await apply(first, host, { recheckFacts: false });
          host.reconnect();
          // Owed now: every restart in the record; each must have run after this point.
          const owedRestarts = leftIntents(host.state).filter((l) => l.startsWith("restart "));
          const cut = host.state.history?.clock ?? 0;
          // The next plan drops every service (and maybe their unit files) the first one declared.
          const next = s.resources
            .filter((r) => r.kind !== "service" && !(dropUnits && r.kind === "unit"))
            .map(({ notify: _n, ...r }) => r);
          const second = await apply(await plan(next, host), host, { recheckFacts: false });
          const why = JSON.stringify({ fault, owedRestarts, second: second.hosts[0] });
          expect(isConverged(second.hosts[0]!), why).toBe(true);
          expect(leftIntents(host.state), why).toEqual([]);
          expect(unloadedUnits(host.state), why).toEqual([]);
          for (const line of owedRestarts) {
            const svc = host.state.services[line.slice("restart ".length)];
            // Restarted, or not running (it starts on its current files), or gone.
            if (svc?.active === "active") expect(svc.startedAt ?? 0, why).toBeGreaterThan(cut);
          }
          expect(ready(await plan(next, host)).actions, why).toEqual([]);
        },
      ),
      { numRuns },
    );
  });

  it("puts the one daemon-reload after every unit file op and before every systemctl op of a unit, in every plan", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const p = ready(await plan(s.resources, new SimHost(s.initial)));
        const ops = p.actions.flatMap((a) => a.ops);
        const reloads = ops.flatMap((o, i) =>
          o.op === "systemctl" && o.verb === "daemon-reload" ? [i] : [],
        );
        const unitWrites = ops.flatMap((o, i) =>
          "path" in o && o.path.startsWith("/etc/systemd/system/") ? [i] : [],
        );
        const serviceOps = ops.flatMap((o, i) => (o.op === "systemctl" && o.unit !== undefined ? [i] : []));
        expect(reloads.length).toBe(unitWrites.length > 0 ? 1 : reloads.length);
        expect(reloads.length).toBeLessThanOrEqual(1);
        const reload = reloads[0];
        if (reload === undefined) return;
        for (const i of unitWrites) expect(i).toBeLessThan(reload);
        for (const i of serviceOps) expect(i).toBeGreaterThan(reload);
        // Its record is written before the first unit op and cleared after the reload only.
        const recorded = ops.findIndex((o) => o.op === "intent" && o.action === "add" && o.reload);
        const cleared = ops.findIndex((o) => o.op === "intent" && o.action === "remove" && o.reload);
        if (unitWrites.length > 0) {
          expect(recorded).toBeGreaterThanOrEqual(0);
          expect(recorded).toBeLessThan(unitWrites[0]!);
        }
        expect(cleared).toBe(reload + 1);
        expect(p.actions.filter((a) => a.id === RELOAD_ID)).toHaveLength(1);
      }),
      { numRuns },
    );
  });

  it("whatever deps are declared, a plan either keeps that order or fails naming a cycle through the daemon-reload", async () => {
    await fc.assert(
      fc.asyncProperty(
        scenarioArb,
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { maxLength: 4 }),
        async (s, edges) => {
          // Extra deps from units and files onto anything declared, often onto a service.
          const resources = s.resources.map((r) => ({ ...r, deps: [...(r.deps ?? [])] }));
          const ids = resources.map((r) => `${r.kind}[${r.name}]`);
          const services = ids.filter((id) => id.startsWith("service["));
          const froms = resources.filter((r) => r.kind === "unit" || r.kind === "file");
          for (const [a, b, toService] of edges) {
            const from = froms[a % Math.max(1, froms.length)];
            const pool = toService && services.length > 0 ? services : ids;
            const to = pool[b % pool.length];
            if (from && to && to !== `${from.kind}[${from.name}]`) from.deps.push(to);
          }
          const h = (await plan(resources, new SimHost(s.initial))).plan.hosts[0]!;
          if (h.status === "error") {
            const text = h.errors.join("\n");
            // A cycle of the declared graph itself, or one only the reload's place closes.
            if (text.startsWith("dependency cycle")) return;
            // (How often random deps reach this varies by seed: the next test pins the case.)
            expectReloadCycle(text);
            return;
          }
          const ops = h.actions.flatMap((a) => a.ops);
          const reload = ops.findIndex((o) => o.op === "systemctl" && o.verb === "daemon-reload");
          ops.forEach((o, i) => {
            if ("path" in o && o.path.startsWith("/etc/systemd/system/")) expect(i).toBeLessThan(reload);
            if (o.op === "systemctl" && o.unit !== undefined) expect(i).toBeGreaterThan(reload);
          });
        },
      ),
      { numRuns },
    );
  });

  it("a unit file that waits for a service op fails the plan, naming the cycle through the daemon-reload", async () => {
    const resources: Resource[] = [
      {
        kind: "unit",
        name: "a.service",
        props: { content: "[Service]\nExecStart=/bin/true\n" },
        deps: ["service[b]"],
      },
      { kind: "unit", name: "b.service", props: { content: "[Service]\nExecStart=/bin/true\n" } },
      { kind: "service", name: "b", props: { enabled: true, state: "running" } },
    ];
    const h = (await plan(resources, new SimHost())).plan.hosts[0]!;
    expect(h.status).toBe("error");
    expectReloadCycle(h.status === "error" ? h.errors.join("\n") : "");
  });

  it("records every restart before the first op of each action that makes it due, and clears it only after the restart", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const p = ready(await plan(s.resources, new SimHost(s.initial)));
        const ops = p.actions.flatMap((a) => a.ops);
        for (const a of p.actions.filter((x) => x.action === "restart")) {
          const unit = a.ops.find((o) => o.op === "systemctl")?.unit;
          if (unit === undefined) continue;
          const restartAt = ops.findIndex(
            (o) => o.op === "systemctl" && o.verb === "restart" && o.unit === unit,
          );
          const clearAt = ops.findIndex(
            (o) => o.op === "intent" && o.action === "remove" && o.restart.includes(unit),
          );
          expect(clearAt).toBeGreaterThan(restartAt);
          for (const cause of a.after) {
            const causeAction = p.actions.find((x) => x.id === cause && x.action !== "restart")!;
            expect(causeAction.ops[0]).toMatchObject({ op: "intent", action: "add", at: cause });
            expect((causeAction.ops[0] as { restart: string[] }).restart).toContain(unit);
          }
        }
      }),
      { numRuns },
    );
  });
});

describe("crash safety of an mtu change, at every op and in every way", () => {
  const units = (mtu: number): Resource[] => [
    {
      kind: "unit",
      name: "docker.service",
      props: {
        content: `[Service]\nExecStart=/usr/bin/dockerd --mtu=${mtu}\n\n[Install]\nWantedBy=multi-user.target\n`,
      },
      notify: ["service[docker]"],
    },
    {
      kind: "file",
      name: "/etc/kubernetes/kubelet.yaml",
      props: { content: `mtu: ${mtu}\n` },
      notify: ["service[kubelet]"],
    },
    {
      kind: "unit",
      name: "kubelet.service",
      props: {
        content: `[Unit]\nAfter=docker.service\n\n[Service]\nExecStart=/usr/bin/kubelet --config=/etc/kubernetes/kubelet.yaml\n\n[Install]\nWantedBy=multi-user.target\n`,
      },
      notify: ["service[kubelet]"],
    },
    { kind: "service", name: "docker", props: { enabled: true, state: "running" } },
    {
      kind: "service",
      name: "kubelet",
      props: { enabled: true, state: "running" },
      deps: ["service[docker]"],
    },
  ];

  it("recovers from every fault at every op index", async () => {
    const base = new SimHost();
    const setup = await apply(await plan(units(1500), base), base);
    expect(isConverged(setup.hosts[0]!)).toBe(true);
    const change = units(1450);
    const first = await plan(change, new SimHost(base.state));
    const ops = ready(first).actions.flatMap((a) => a.ops);
    expect(ops.length).toBeGreaterThan(5);
    // Each run a fresh host in the state after the set-up apply; faults count from this apply's first op.
    for (let i = 0; i < ops.length; i++)
      for (const fault of faultsAt(i)) await crashAndRecover(change, base.state, first, fault);
  });
});
