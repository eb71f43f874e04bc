/**
 * Rollback under kills (DESIGN.md: the rollback is a write-ahead intent
 * too). With --rollback-on-fail, an apply stopped at any op (the op fails,
 * the host-side script is killed before, inside or after it, or the link
 * drops after it, so the controller cannot roll back now) is rolled back
 * now or by the next run; and a rollback killed at any of its own ops, or inside one,
 * leaves the host either rolled back or with the rollback intent recorded,
 * so the next plan and apply finish it: in the end the host is as it was
 * before the apply, services running their previous units, nothing owed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SimHost } from "../sim/simhost.js";
import type { SimState } from "../sim/state.js";
import { apply } from "./apply.js";
import { leftIntents, ready } from "./crash.fixture.js";
import { numRuns } from "./engine.fixture.js";
import { plan } from "./plan.js";
import {
  type ApplyFault,
  afterNextRuns,
  applyFault,
  declared,
  keptUnder,
  settled,
  shape,
} from "./rollback.fixture.js";
import { rollbackDirOf, rollbackHost, rollbackOps, withKeep } from "./rollback.js";

const DIR = rollbackDirOf("t1");
const TIMEOUT = 600_000;

/** What is left under the rollback dir. */
const kept = (s: SimState): string[] => keptUnder(s, DIR);

const rollbackDue = (s: SimState): boolean => leftIntents(s).some((l) => l.startsWith("rollback "));

type RollbackKill =
  | { readonly op: number; readonly phase: "before" | "after" }
  | { readonly op: number; readonly step: number };

/**
 * Applies the change with `fault` at apply op `at`, rolls the host back with
 * `kill` at rollback op `kill.op` (counted from the rollback's first op),
 * then finishes with plain applies of the previous declared state; checks the
 * promise after the rollback and at the end.
 */
const scenario = async (before: SimState, fault: ApplyFault, at: number, kill: RollbackKill | undefined) => {
  const change = withKeep(await plan(declared(1450, true), new SimHost(before)), () => DIR);
  const probe = new SimHost(before, applyFault(fault, at));
  const applied = await apply(change, probe, { recheckFacts: false });
  const report = applied.hosts[0]!;
  // The rollback runs on a host in the state the apply left, its ops counted from its first one.
  const host = new SimHost(probe.state, kill === undefined ? {} : { killAtOp: kill });
  // A dropped link leaves the controller no way to roll back now: the next run must.
  const r = fault.kind === "drop" ? undefined : await rollbackHost(ready(change.plan), host, DIR, {}, report);
  const why = JSON.stringify({ fault, at, kill, apply: report, rollback: r });
  // Rolled back, or the rollback intent is there for the next run; kept copies only under an intent.
  if (!rollbackDue(host.state)) {
    expect(shape(host.state), why).toEqual(shape(before));
    expect(kept(host.state), why).toEqual([]);
  }
  // The next runs (with the previous declared state) finish it.
  expect(await afterNextRuns(host, [DIR], 3), why).toEqual(settled(before));
  return { restored: r?.restored ?? false };
};

const setUp = async (): Promise<SimState> => {
  const base = new SimHost();
  await apply(await plan(declared(1500, false), base), base);
  return base.state;
};

describe("rollback under kills on SimHost", () => {
  it(
    "an apply stopped at any op in any way (the link dropped too), then its rollback killed at any op (before or after it took effect) or inside one: rolled back, or finished by the next apply",
    async () => {
      const before = await setUp();
      const change = withKeep(await plan(declared(1450, true), new SimHost(before)), () => DIR);
      const n = ready(change.plan).actions.flatMap((a) => a.ops).length;
      const faults: ApplyFault[] = [
        { kind: "drop" },
        { kind: "kill", step: 0 },
        { kind: "kill", step: 1 },
        { kind: "kill", step: 2 },
        { kind: "fail" },
        { kind: "kill", phase: "before" },
        { kind: "kill", phase: "after" },
      ];
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...faults),
          fc.nat(n - 1),
          fc.option(
            fc.oneof(
              fc.record({ op: fc.nat(20), phase: fc.constantFrom("before" as const, "after" as const) }),
              fc.record({ op: fc.nat(20), step: fc.nat(4) }),
            ),
            { nil: undefined },
          ),
          async (fault, at, kill) => {
            await scenario(before, fault, at, kill);
          },
        ),
        { numRuns },
      );
    },
    TIMEOUT,
  );

  it("every op boundary of the apply, each way it stops, rolls back (no kill in the rollback)", async () => {
    const before = await setUp();
    const change = withKeep(await plan(declared(1450, true), new SimHost(before)), () => DIR);
    const n = ready(change.plan).actions.flatMap((a) => a.ops).length;
    for (let at = 0; at < n; at++)
      for (const fault of [
        { kind: "fail" },
        { kind: "kill", phase: "before" },
        { kind: "kill", phase: "after" },
      ] as const)
        await scenario(before, fault, at, undefined);
  });

  it(
    "a rollback killed at every one of its ops, before or after it took effect, after an apply killed at every op",
    async () => {
      const before = await setUp();
      const change = withKeep(await plan(declared(1450, true), new SimHost(before)), () => DIR);
      const n = ready(change.plan).actions.flatMap((a) => a.ops).length;
      const m = rollbackOps(ready(change.plan), DIR).length;
      for (let at = 0; at < n; at++)
        for (let k = 0; k < m; k++)
          for (const phase of ["before", "after"] as const)
            await scenario(before, { kind: "kill", phase: "after" }, at, { op: k, phase });
    },
    TIMEOUT,
  );
});
