/**
 * Rollouts on SimHost: batches in order, a failure budget counted across
 * batches that a failed op, an unreachable host and a failed health gate
 * each spend, no host of a later batch touched once it is spent, every
 * selected host in the report exactly once, and gate retries with backoff
 * on an injected clock.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectedOutcomes as expected, type RolloutFault } from "../../testing/rollout-oracle.js";
import type { HealthGate } from "../health/gate.js";
import { runGates } from "../health/run.js";
import { combinePlans } from "../plan/codec.js";
import type { HostPlan } from "../plan/format.js";
import type { Resource } from "../resource.js";
import { SimHost } from "../sim/simhost.js";
import { numRuns } from "./engine.fixture.js";
import { plan } from "./plan.js";
import { batchSizeOf, budgetOf, parseShare, rollout, rolloutOrder, type Share } from "./rollout.js";

const RESOURCES: Resource[] = [
  {
    kind: "unit",
    name: "docker.service",
    props: { content: "[Service]\nExecStart=/usr/bin/dockerd\n\n[Install]\nWantedBy=multi-user.target\n" },
    notify: ["service[docker]"],
  },
  { kind: "service", name: "docker", props: { enabled: true, state: "running" } },
];

const gate = (over: Partial<HealthGate> = {}): HealthGate => ({
  name: "docker ping",
  origin: "docker",
  service: "docker.service",
  timeoutSeconds: 5,
  retries: 2,
  backoffMs: 1000,
  check: { kind: "unix-http", socket: "/run/docker.sock", path: "/_ping", status: 200 },
  ...over,
});

type Fault = RolloutFault;

/** Hosts h0..h(n-1) with their faults: a plan, the targets (none for an unreachable host), the SimHosts. */
const fleet = async (faults: readonly Fault[]) => {
  const sims = new Map<string, SimHost>();
  const hostPlans: HostPlan[] = [];
  for (const [i, fault] of faults.entries()) {
    const name = `h${i}`;
    const sim = new SimHost(undefined, {
      name,
      ...(fault === "op" ? { failAtOp: 0 } : {}),
      ...(fault === "gate" ? { unhealthy: ["docker.service"] } : {}),
    });
    if (fault === "unreachable") {
      // What the CLI's planning gives for a host it could not reach: a failed host plan and no target.
      hostPlans.push({ host: name, status: "error", errors: [`${name}: connection refused`] });
    } else {
      const p = await plan(RESOURCES, sim);
      hostPlans.push({ ...p.plan.hosts[0]!, host: name });
      sims.set(name, sim);
    }
  }
  // Round trips of planning: a host the rollout leaves untouched gets none beyond these.
  const planned = new Map([...sims].map(([h, s]) => [h, s.roundTrips]));
  const touched = (h: string): number => (sims.get(h)?.roundTrips ?? 0) - (planned.get(h) ?? 0);
  return { plan: combinePlans(hostPlans), sims, targets: new Map(sims), touched };
};

const noWait = async () => {};

const shareArb: fc.Arbitrary<Share> = fc.oneof(
  fc.integer({ min: 1, max: 5 }).map((count) => ({ count })),
  fc.integer({ min: 1, max: 100 }).map((percent) => ({ percent })),
);

describe("rollout on SimHost", () => {
  it("whatever the fault pattern: no host after a batch that spent the budget is touched, each host is applied at most once, the report names each host once", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<Fault>("none", "none", "op", "unreachable", "gate"), {
          minLength: 1,
          maxLength: 7,
        }),
        shareArb,
        fc.oneof(
          fc.integer({ min: 0, max: 3 }).map((count) => ({ count })),
          fc.integer({ min: 0, max: 100 }).map((percent) => ({ percent })),
        ),
        async (faults, batch, maxFail) => {
          const f = await fleet(faults);
          const order = faults.map((_, i) => `h${i}`);
          const gates = new Map(order.map((h) => [h, [gate()]]));
          const report = await rollout(f.plan, f.targets, {
            batch,
            maxFail,
            order,
            gates,
            sleep: noWait,
            recheckFacts: false,
          });
          const size = batchSizeOf(batch, faults.length);
          const budget = budgetOf(maxFail, faults.length);
          expect(report.hosts.map((h) => h.host)).toEqual(order);
          expect(report.hosts.map((h) => h.outcome)).toEqual(expected(faults, size, budget));
          expect(report.failed).toBe(
            faults.filter((x, i) => x !== "none" && report.hosts[i]!.outcome !== "untouched").length,
          );
          expect(report.stopped).toBe(report.hosts.some((h) => h.outcome === "untouched"));
          for (const h of report.hosts) {
            const sim = f.sims.get(h.host);
            if (h.outcome === "untouched") expect(f.touched(h.host), h.host).toBe(0);
            if (h.outcome === "failed") expect(h.reason, h.host).toContain(h.host);
            // At most one op batch per host: the unit write, a reload, enable and start at most once each.
            if (sim)
              expect(sim.opLog.filter((o) => o.op === "writeFile").length, h.host).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: Math.max(1, Math.floor(numRuns / 4)) },
    );
  });

  it.each<[Fault, string]>([
    ["op", "a failed op"],
    ["unreachable", "an unreachable host (ansible/ansible#18782 lets it slip)"],
    ["gate", "a failed health gate"],
  ])("%s: %s spends the budget: with --max-fail 0 the next batch is untouched", async (fault) => {
    const f = await fleet([fault, "none", "none"]);
    const report = await rollout(f.plan, f.targets, {
      batch: { count: 1 },
      maxFail: { count: 0 },
      order: ["h0", "h1", "h2"],
      gates: new Map([
        ["h0", [gate()]],
        ["h1", [gate()]],
      ]),
      sleep: noWait,
      recheckFacts: false,
    });
    expect(report.hosts.map((h) => [h.host, h.outcome])).toEqual([
      ["h0", "failed"],
      ["h1", "untouched"],
      ["h2", "untouched"],
    ]);
    expect(report.stopped).toBe(true);
    expect(f.touched("h1")).toBe(0);
  });

  it("failures are counted across batches: one per batch with --max-fail 1 stops after the second", async () => {
    const f = await fleet(["op", "none", "unreachable", "none", "none", "none"]);
    const report = await rollout(f.plan, f.targets, {
      batch: { count: 2 },
      maxFail: { count: 1 },
      order: ["h0", "h1", "h2", "h3", "h4", "h5"],
      sleep: noWait,
      recheckFacts: false,
    });
    expect(report.hosts.map((h) => h.outcome)).toEqual([
      "failed",
      "done",
      "failed",
      "done",
      "untouched",
      "untouched",
    ]);
    expect(report.failed).toBe(2);
  });
});

describe("batch and budget values", () => {
  it("a percentage batch rounds up (at least 1 host), a percentage budget rounds down", () => {
    expect(batchSizeOf({ percent: 25 }, 10)).toBe(3);
    expect(batchSizeOf({ percent: 1 }, 10)).toBe(1);
    expect(budgetOf({ percent: 25 }, 10)).toBe(2);
    expect(budgetOf({ percent: 10 }, 5)).toBe(0);
    expect(budgetOf({ percent: 100 }, 7)).toBe(7);
  });

  it.each(["0", "-1", "0%", "101%", "x", "2 hosts", "1e3", "", "%", "3%%"])(
    "refuses batch %j with a message naming the option",
    (bad) => {
      const r = parseShare("--batch", bad, 1);
      expect(r._tag).toBe("Left");
      if (r._tag === "Left") expect(r.left).toContain(`--batch: ${JSON.stringify(bad)}`);
    },
  );

  it("takes counts and percentages; a budget may be 0", () => {
    expect(parseShare("--batch", "2", 1)).toEqual({ _tag: "Right", right: { count: 2 } });
    expect(parseShare("--batch", "12.5%", 1)).toEqual({ _tag: "Right", right: { percent: 12.5 } });
    expect(parseShare("--max-fail", "0", 0)).toEqual({ _tag: "Right", right: { count: 0 } });
    expect(parseShare("--max-fail", "0%", 0)).toEqual({ _tag: "Right", right: { percent: 0 } });
  });
});

describe("rollout order", () => {
  it("etcd, then controllers, then workers, then the rest; by name within each", () => {
    const groups: Record<string, string[]> = {
      w2: ["k8s_worker"],
      w1: ["k8s_worker"],
      c1: ["k8s_controller"],
      e1: ["k8s_etcd", "k8s_controller"],
      x: [],
    };
    expect(rolloutOrder(Object.keys(groups), (h) => groups[h] ?? [])).toEqual(["e1", "c1", "w1", "w2", "x"]);
    expect(rolloutOrder(Object.keys(groups), (h) => groups[h] ?? [], ["k8s_worker"])).toEqual([
      "w1",
      "w2",
      "c1",
      "e1",
      "x",
    ]);
  });
});

describe("health gates", () => {
  it("a gate that fails twice then passes is retried with doubling backoff in one probe round trip per try", async () => {
    const f = await fleet(["none"]);
    const host = f.sims.get("h0")!;
    await rollout(f.plan, f.targets, {
      batch: { count: 1 },
      maxFail: { count: 0 },
      order: ["h0"],
      recheckFacts: false,
      sleep: noWait,
    });
    // docker stopped: the gate fails; it is started (by someone) after the second wait.
    host.mutate((d) => {
      d.services["docker.service"] = { ...d.services["docker.service"]!, active: "inactive" };
    });
    const waits: number[] = [];
    const before = host.roundTrips;
    const results = await runGates(host, [gate({ retries: 4, backoffMs: 500 })], async (ms) => {
      waits.push(ms);
      if (waits.length === 2)
        host.mutate((d) => {
          d.services["docker.service"] = { ...d.services["docker.service"]!, active: "active" };
        });
    });
    expect(results).toEqual([{ name: "docker ping", origin: "docker", passed: true, tries: 3 }]);
    expect(waits).toEqual([500, 1000]);
    expect(host.roundTrips - before).toBe(3);
  });

  it("a gate that never passes fails after 1 + retries tries, with the reason of the last", async () => {
    const host = new SimHost(undefined, { name: "h", unhealthy: ["/run/docker.sock"] });
    const waits: number[] = [];
    const [r] = await runGates(host, [gate({ service: "", retries: 3, backoffMs: 100 })], async (ms) => {
      waits.push(ms);
    });
    expect(r).toMatchObject({ passed: false, tries: 4 });
    expect(r!.reason).toContain("unhealthy");
    expect(waits).toEqual([100, 200, 400]);
  });

  it("gates of a host share each round trip; a passed gate is not asked again", async () => {
    const host = new SimHost(undefined, { name: "h" });
    const file = gate({
      name: "subnet",
      service: "",
      check: { kind: "file", path: "/etc/hostname" },
      retries: 0,
    });
    const missing = gate({
      name: "missing",
      service: "",
      check: { kind: "file", path: "/nope" },
      retries: 2,
      backoffMs: 10,
    });
    const results = await runGates(host, [file, missing], noWait);
    expect(results.map((r) => [r.name, r.passed, r.tries])).toEqual([
      ["subnet", true, 1],
      ["missing", false, 3],
    ]);
    expect(host.roundTrips).toBe(3);
  });
});

describe("rollback in a rollout", () => {
  it("a host refused before op 0 (another apply holds its lock) fails without a rollback: nothing of this apply ran", async () => {
    const f = await fleet(["none"]);
    const release = f.sims.get("h0")!.holdLock({ controller: "ci-7", pid: 1 });
    const calls: string[] = [];
    const report = await rollout(f.plan, f.targets, {
      batch: { count: 1 },
      maxFail: { count: 0 },
      order: ["h0"],
      recheckFacts: false,
      rollback: async (host) => {
        calls.push(host);
        return { restored: true, detail: "", notRestorable: [] };
      },
    });
    release();
    expect(report.hosts[0]).toMatchObject({ outcome: "failed" });
    expect(report.hosts[0]!.reason).toContain("another apply holds the lock");
    expect(calls).toEqual([]);
  });

  it("a host whose op failed or whose gate failed is rolled back; a done host is released", async () => {
    const f = await fleet(["op", "gate", "none"]);
    const rolled: string[] = [];
    const released: string[] = [];
    const report = await rollout(f.plan, f.targets, {
      batch: { count: 3 },
      maxFail: { count: 2 },
      order: ["h0", "h1", "h2"],
      gates: new Map([["h1", [gate()]]]),
      sleep: noWait,
      recheckFacts: false,
      rollback: async (host) => {
        rolled.push(host);
        return { restored: true, detail: "rolled back", notRestorable: [] };
      },
      release: async (host) => {
        released.push(host);
      },
    });
    expect(report.hosts.map((h) => [h.host, h.outcome, h.rollback?.restored])).toEqual([
      ["h0", "failed", true],
      ["h1", "failed", true],
      ["h2", "done", undefined],
    ]);
    expect(rolled.sort()).toEqual(["h0", "h1"]);
    expect(released).toEqual(["h2"]);
  });
});
