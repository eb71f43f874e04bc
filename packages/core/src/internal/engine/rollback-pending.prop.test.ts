/**
 * A rollout with --rollback-on-fail on a host that still owes an earlier
 * rollback (its apply was killed or cut off, so `rollback <dir1>` is in the
 * intent record). The next plan finishes that rollback instead of anything
 * else; this run keeps what it replaces under a second dir, and it may fail,
 * be killed, lose its link, or be rolled back itself (and that rollback
 * killed). The promise: whatever happens, the runs that follow bring the
 * host back to its state before the first apply (the files only the change
 * added are gone, which only a finished rollback of the first apply
 * removes), with nothing owed, no intent and no kept copy left.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SimHost } from "../sim/simhost.js";
import type { SimState } from "../sim/state.js";
import { apply } from "./apply.js";
import { leftIntents, ready } from "./crash.fixture.js";
import { numRuns } from "./engine.fixture.js";
import { plan } from "./plan.js";
import { type ApplyFault, afterNextRuns, applyFault, declared, settled } from "./rollback.fixture.js";
import { releaseKept, rollbackDirOf, rollbackWith, withKeep } from "./rollback.js";

const DIR1 = rollbackDirOf("t1");
const DIR2 = rollbackDirOf("t2");
const TIMEOUT = 600_000;

const STOPS: readonly ApplyFault[] = [
  { kind: "fail" },
  { kind: "drop" },
  { kind: "kill", phase: "before" },
  { kind: "kill", phase: "after" },
  { kind: "kill", step: 0 },
  { kind: "kill", step: 1 },
];

const setUp = async (): Promise<SimState> => {
  const base = new SimHost();
  await apply(await plan(declared(1500, false), base), base);
  return base.state;
};

/** The first apply of the change (keeping under DIR1), cut off at op `at`: the rollback is left owed. */
const cutOff = async (before: SimState, at: number): Promise<SimState | undefined> => {
  const change = withKeep(await plan(declared(1450, true), new SimHost(before)), () => DIR1);
  const host = new SimHost(before, { killAtOp: { op: at, phase: "after" } });
  await apply(change, host, { recheckFacts: false });
  return leftIntents(host.state).includes(`rollback ${DIR1}`) ? host.state : undefined;
};

/**
 * The second run: plans the change again with --rollback-on-fail (keeping
 * under DIR2), stopped by `stop` at op `at` (or not at all), then rolled back
 * (killed at `kill`) when its apply failed and the link is up, or released
 * when it succeeded, as the rollout does.
 */
const secondRun = async (
  owing: SimState,
  stop: ApplyFault | undefined,
  at: number,
  kill: number | undefined,
): Promise<SimHost> => {
  const change = withKeep(await plan(declared(1450, true), new SimHost(owing)), () => DIR2);
  const host = new SimHost(owing, stop === undefined ? {} : applyFault(stop, at));
  const report = (await apply(change, host, { recheckFacts: false })).hosts[0]!;
  const after = new SimHost(host.state, kill === undefined ? {} : { killAtOp: { op: kill, phase: "after" } });
  const name = ready(change.plan).host;
  if (report.status === "applied") await releaseKept(() => DIR2)(name, after);
  else if (stop?.kind !== "drop") await rollbackWith(change.plan, () => DIR2)(name, after, report);
  return after;
};

describe("--rollback-on-fail while an earlier rollback is still owed (SimHost)", () => {
  it(
    "the owed rollback is never lost: whatever stops the second run or its own rollback, the next runs restore the host as it was before the first apply, owing and keeping nothing",
    async () => {
      const before = await setUp();
      const firstOps = ready(
        withKeep(await plan(declared(1450, true), new SimHost(before)), () => DIR1),
      ).actions.flatMap((a) => a.ops).length;
      await fc.assert(
        fc.asyncProperty(
          fc.nat(firstOps - 1),
          fc.option(fc.constantFrom(...STOPS), { nil: undefined }),
          fc.nat(30),
          fc.option(fc.nat(12), { nil: undefined }),
          async (first, stop, at, kill) => {
            const owing = await cutOff(before, first);
            fc.pre(owing !== undefined);
            const host = await secondRun(owing!, stop, at, kill);
            const why = JSON.stringify({ first, stop, at, kill, intents: leftIntents(host.state) });
            expect(await afterNextRuns(host, [DIR1, DIR2], 4), why).toEqual(settled(before));
          },
        ),
        { numRuns: numRuns * 2 },
      );
    },
    TIMEOUT,
  );

  it("the second run's plan finishes the owed rollback and nothing else, and keeps nothing of its own", async () => {
    const before = await setUp();
    const owing = await cutOff(before, 3);
    expect(owing, "the first apply, cut off after op 3, leaves its rollback owed").toBeDefined();
    const second = withKeep(await plan(declared(1450, true), new SimHost(owing!)), () => DIR2);
    const hp = ready(second.plan);
    expect(hp.actions.map((a) => a.id)).toEqual([`rollback[${DIR1}]`]);
    expect(hp.actions.flatMap((a) => a.ops).filter((o) => o.op === "keep")).toEqual([]);
    const host = new SimHost(owing!, { failAtOp: 2 });
    const report = (await apply(second, host, { recheckFacts: false })).hosts[0]!;
    const r = await rollbackWith(second.plan, () => DIR2)(hp.host, host, report);
    expect(r.restored).toBe(false);
    expect(r.detail).toMatch(/finishing an earlier rollback/);
    expect(leftIntents(host.state)).toContain(`rollback ${DIR1}`);
  });
});
