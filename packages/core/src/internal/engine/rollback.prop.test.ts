/**
 * Rollback on SimHost: a host whose apply failed at any op (or applied but
 * failed its gate) is put back byte-equal to its state before the apply,
 * units loaded and services running their previous unit, and the rollback
 * says it is verified; a rollback killed at any op, before or after the op
 * took effect (before its own intent too: the apply recorded one before its
 * first change), is finished by the next plan and apply; what cannot be
 * undone is named.
 */
import { describe, expect, it } from "vitest";
import { STATE_DIR } from "../probe.js";
import { SimHost } from "../sim/simhost.js";
import type { SimState } from "../sim/state.js";
import { apply } from "./apply.js";
import { owed, ready } from "./crash.fixture.js";
import { plan } from "./plan.js";
import { shape, declared as workerLike } from "./rollback.fixture.js";
import { notRestorable, rollbackDirOf, rollbackHost, rollbackOps, withKeep } from "./rollback.js";

/** The file the change adds notifies nothing here. */
const declared = (mtu: number, extra: boolean) => workerLike(mtu, extra, false);

const DIR = rollbackDirOf("t1");

/** The host as a rollback must leave it (tend's records aside but for the rollback dirs). */
const hostShape = (s: SimState) => shape(s, `${STATE_DIR}/rollback`);

const setUp = async () => {
  const base = new SimHost();
  await apply(await plan(declared(1500, false), base), base);
  return base.state;
};

describe("rollback on SimHost", () => {
  it("whatever op the apply fails at, the host ends byte-equal to before, services on their previous units, verified", async () => {
    const before = await setUp();
    const change = await plan(declared(1450, true), new SimHost(before));
    const kept = withKeep(change, () => DIR);
    const n = ready(kept.plan).actions.flatMap((a) => a.ops).length;
    expect(n).toBeGreaterThan(8);
    // i = n: every op succeeded (a failed health gate).
    for (let i = 1; i <= n; i++) {
      const host = new SimHost(before, i < n ? { failAtOp: i } : {});
      const applied = await apply(kept, host, { recheckFacts: false });
      const r = await rollbackHost(ready(kept.plan), host, DIR, {}, applied.hosts[0]);
      expect(hostShape(host.state), `fail at ${i}: ${r.detail}`).toEqual(hostShape(before));
      expect(r, `fail at ${i}`).toMatchObject({ restored: true });
      expect(
        owed(host, declared(1500, false)),
        `fail at ${i}: ${JSON.stringify(owed(host, declared(1500, false)))}`,
      ).toEqual([]);
      // The change is pending again.
      expect(ready(await plan(declared(1450, true), host)).actions.length).toBeGreaterThan(0);
    }
  });

  it("a rollback killed at any op, before or after it took effect, even before its own intent, is finished by the next plan and apply", async () => {
    const before = await setUp();
    const change = await plan(declared(1450, true), new SimHost(before));
    const kept = withKeep(change, () => DIR);
    const applied = new SimHost(before);
    await apply(kept, applied, { recheckFacts: false });
    const failedState = applied.state;
    const ops = rollbackOps(ready(change), DIR);
    const steps = ops.length;
    // The stops and disables come first; then the intent is recorded.
    const intentAt = ops.findIndex((o) => o.op === "intent");
    const clearedAt = ops.length - 1 - [...ops].reverse().findIndex((o) => o.op === "intent");
    const tookEffect = (at: number, k: number, phase: "before" | "after"): boolean =>
      k > at || (k === at && phase === "after");
    let finishedByPlan = 0;
    for (let k = 0; k < steps; k++)
      for (const phase of ["before", "after"] as const) {
        const host = new SimHost(failedState, { killAtOp: { op: k, phase } });
        const r = await rollbackHost(ready(change), host, DIR);
        expect(r.restored, `kill at ${k} ${phase}`).toBe(false);
        if (tookEffect(clearedAt, k, phase)) {
          // Killed after the intent was cleared (removing the kept copies): the rollback is done.
          expect(r.restored, `kill at ${k} ${phase}`).toBe(false);
          expect(hostShape(host.state), `kill at ${k} ${phase}`).toEqual(hostShape(before));
          continue;
        }
        // Killed before the rollback's own intent: the apply's (recorded before its first change) is there.
        const nextPlan = await plan(declared(1500, false), host);
        // The intent was on the host: the next plan finishes the rollback, and only that.
        expect(
          ready(nextPlan).actions.map((a) => a.id),
          `kill at ${k} ${phase}`,
        ).toEqual([`rollback[${DIR}]`]);
        finishedByPlan++;
        await apply(nextPlan, host, { recheckFacts: false });
        // Then the previous declared state: nothing left to do, the host as before.
        const again = await plan(declared(1500, false), host);
        if (ready(again).actions.length > 0) await apply(again, host, { recheckFacts: false });
        expect(hostShape(host.state), `kill at ${k} ${phase}`).toEqual(hostShape(before));
      }
    expect(intentAt).toBeGreaterThan(0);
    // Every kill before the intent is cleared: at each op before it (both phases), and at it before it took effect.
    expect(finishedByPlan).toBe(clearedAt * 2 + 1);
  });

  it("names what it cannot undo: packages, accounts", async () => {
    const host = new SimHost();
    const p = await plan(
      [
        { kind: "package", name: "nginx", props: { manager: "apt" } },
        { kind: "group", name: "docker", props: {} },
      ],
      host,
    );
    const lost = notRestorable(ready(p));
    expect(lost).toContain("package[nginx]: packages installed stay installed");
    expect(lost).toContain("group[docker]: the group created stays");
  });
});
