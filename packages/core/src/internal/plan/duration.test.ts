/**
 * Durations for people: one short form per range, rounded once at the unit
 * shown, and a renderer that shows a duration exactly where the data has one.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDuration } from "./duration.js";
import type { Plan } from "./format.js";
import { renderApplyReport, renderPlan } from "./render.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);
const FORM = /^(\d{1,3}ms|\d{1,2}\.\ds|\d{1,2}m\d\ds|\d+h\d\dm)$/;

describe("formatDuration", () => {
  it.each([
    [0, "0ms"],
    [12.4, "12ms"],
    [999.4, "999ms"],
    [999.6, "1.0s"],
    [4240, "4.2s"],
    [59_949, "59.9s"],
    [59_960, "1m00s"],
    [125_000, "2m05s"],
    [3_599_600, "1h00m"],
    [3_720_000, "1h02m"],
  ])("%d ms reads %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("any duration reads in one of the four forms, and a later one never reads shorter", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        (a, b) => {
          expect(formatDuration(a)).toMatch(FORM);
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const value = (s: string): number => {
            const m = /^(\d+)(?:\.(\d))?(ms|s|m|h)(?:(\d\d)[sm])?$/.exec(s);
            if (!m) throw new Error(s);
            const n = Number(`${m[1]}.${m[2] ?? 0}`);
            const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[3] as "ms"];
            const rest = m[4] === undefined ? 0 : Number(m[4]) * (m[3] === "m" ? 1000 : 60_000);
            return n * unit + rest;
          };
          expect(value(formatDuration(hi))).toBeGreaterThanOrEqual(value(formatDuration(lo)));
        },
      ),
      { numRuns },
    );
  });

  it("a value that is no duration reads ?, not NaN", () => {
    for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY]) expect(formatDuration(bad)).toBe("?");
  });
});

const plan = (durations: boolean): Plan => ({
  format: "tend-plan/2",
  ...(durations ? { durationMs: 1500 } : {}),
  hosts: [
    {
      host: "w1",
      status: "ready",
      factsDigest: "d",
      probes: [],
      actions: [],
      resources: [],
      blobs: {},
      summary: { create: 0, update: 0, delete: 0, restart: 0, reload: 0 },
      ...(durations ? { durationMs: 420 } : {}),
    },
    { host: "w2", status: "error", errors: ["w2: cannot connect"], ...(durations ? { durationMs: 7 } : {}) },
  ],
});

describe("the renderers show durations where the data has them", () => {
  it("a plan with durations: each host's, and the plan's on the totals line", () => {
    const text = renderPlan(plan(true), { color: false });
    expect(text).toContain("✓ w1: no changes (420ms)\n");
    expect(text).toContain("✗ w2: cannot plan (7ms)\n");
    expect(text).toContain("could not be planned. Planning 2 hosts took 1.5s.\n");
  });

  it("a plan without durations (a library caller that measured none) shows none", () => {
    const text = renderPlan(plan(false), { color: false });
    expect(text).not.toMatch(/\(\d+(ms|\.\ds)\)|took/);
  });

  it("an apply report: each host that ran, with its duration", () => {
    const text = renderApplyReport(
      {
        durationMs: 2000,
        hosts: [
          { host: "w1", status: "applied", opsRun: 3, verdict: { converged: true }, durationMs: 1234 },
          { host: "w2", status: "unchanged" },
        ],
      },
      { color: false },
    );
    expect(text).toBe("✓ w1: applied 3 ops; converged (1.2s)\n✓ w2: no changes; converged\n");
  });
});
