/**
 * The engine's promises (DESIGN.md "What the engine promises"), checked over
 * arbitrary resource sets and arbitrary initial hosts on SimHost.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodePlan } from "../plan/codec.js";
import type { Plan, ReadyHostPlan } from "../plan/format.js";
import { renderPlan } from "../plan/render.js";
import { resourceId } from "../resource.js";
import { SimHost } from "../sim/simhost.js";
import { RELOAD_ID } from "./actions.js";
import { apply } from "./apply.js";
import { numRuns, type Scenario, scenarioArb } from "./engine.fixture.js";
import { plan } from "./plan.js";
import { isConverged, type PlannedRun, planOf } from "./report.fixture.js";

const ready = (p: Plan | PlannedRun): ReadyHostPlan => {
  const h = planOf(p).hosts[0]!;
  if (h.status !== "ready") throw new Error(`plan failed: ${h.errors.join("; ")}`);
  return h;
};

const converge = async (s: Scenario, host = new SimHost(s.initial)) => {
  const first = await plan(s.resources, host);
  const report = await apply(first, host);
  return { host, first, report };
};

describe("engine promises on SimHost", () => {
  it("converges: after apply, a second plan is empty", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const { host, report } = await converge(s);
        expect(report.hosts[0]!.status).not.toBe("failed");
        expect(isConverged(report.hosts[0]!)).toBe(true);
        expect(ready(await plan(s.resources, host)).actions).toEqual([]);
      }),
      { numRuns },
    );
  });

  it("is idempotent: applying on a converged host runs no mutating op", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const { host } = await converge(s);
        const before = host.opLog.length;
        const report = await apply(await plan(s.resources, host), host);
        expect(report.hosts[0]!.status).toBe("unchanged");
        expect(host.opLog.length).toBe(before);
      }),
      { numRuns },
    );
  });

  it("orders ops: every action after what it depends on, daemon-reload before service ops, restarts after causes", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const p = ready(await plan(s.resources, new SimHost(s.initial)));
        const pos = new Map<string, number>();
        p.actions.forEach((a, i) => {
          if (!pos.has(a.id)) pos.set(a.id, i);
        });
        p.actions.forEach((a, i) => {
          for (const dep of a.after) expect(pos.get(dep)!).toBeLessThan(i);
        });
        for (const r of s.resources) {
          const i = pos.get(resourceId(r));
          if (i === undefined) continue;
          for (const dep of r.deps ?? []) if (pos.has(dep)) expect(pos.get(dep)!).toBeLessThan(i);
          for (const svc of r.notify ?? []) {
            const restart = p.actions.findIndex((a) => a.id === svc && a.action === "restart");
            if (restart >= 0) expect(restart).toBeGreaterThan(i);
          }
        }
        const reload = pos.get(RELOAD_ID);
        const serviceActions = p.actions.flatMap((a, i) => (a.id.startsWith("service[") ? [i] : []));
        if (reload !== undefined) for (const i of serviceActions) expect(i).toBeGreaterThan(reload);
        expect(p.actions.filter((a) => a.id === RELOAD_ID).length).toBeLessThanOrEqual(1);
        const restarts = p.actions.filter((a) => a.action === "restart").map((a) => a.id);
        expect(new Set(restarts).size).toBe(restarts.length);
      }),
      { numRuns },
    );
  });

  it("is minimal: resources whose facts already match produce no action", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, fc.nat(), async (s, cut) => {
        const { host } = await converge(s);
        // Declare more on a converged host: only the new resources (and their consequences) act.
        const extra = [{ kind: "file", name: `/srv/extra-${cut % 7}`, props: { content: `x${cut}` } }];
        const p = ready(await plan([...s.resources, ...extra], host));
        expect(p.actions.map((a) => a.id)).toEqual([`file[/srv/extra-${cut % 7}]`]);
      }),
      { numRuns },
    );
  });

  it("is deterministic: the same inputs give byte-identical plan JSON", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const a = encodePlan((await plan(s.resources, new SimHost(s.initial))).plan);
        const b = encodePlan((await plan([...s.resources].reverse(), new SimHost(s.initial))).plan);
        expect(b).toBe(a);
      }),
      { numRuns },
    );
  });

  it("recovers: a failure or dropped connection at any op, then plan + apply again converges; no file half-written", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, fc.nat(40), fc.boolean(), async (s, k, drop) => {
        const host = new SimHost(s.initial, drop ? { dropAfterOp: k } : { failAtOp: k });
        const run = await plan(s.resources, host);
        ready(run);
        const report = await apply(run, host);
        const files = s.resources.filter((r) => r.kind === "file");
        for (const f of files) {
          const entry = host.state.files[f.name];
          if (entry?.type !== "file") continue;
          const now = Buffer.from(entry.content, "base64").toString("utf8");
          const old = s.initial.files[f.name];
          const oldText =
            old?.type === "file" ? Buffer.from(old.content, "base64").toString("utf8") : undefined;
          expect([oldText, (f.props as { content: string }).content]).toContain(now);
        }
        if (drop) host.reconnect();
        const again = await apply(await plan(s.resources, host), host);
        expect(isConverged(again.hosts[0]!), JSON.stringify({ report, again })).toBe(true);
      }),
      { numRuns },
    );
  });

  it("redacts: no sensitive value appears in plan JSON or rendered text", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const { plan: p } = await plan(s.resources, new SimHost(s.initial));
        const json = encodePlan(p);
        const text = renderPlan(p, { color: false });
        for (const secret of s.secrets) {
          expect(json).not.toContain(secret);
          expect(text).not.toContain(secret);
          expect(json).not.toContain(Buffer.from(secret).toString("base64"));
        }
      }),
      { numRuns },
    );
  });
});
