/**
 * batchByBytes, which sizes `tend_files` and `tend_units` calls and splits
 * calls into scripts: it keeps every item in order, keeps each run within its
 * byte budget unless one item alone passes it, and starts a new run only when
 * the next item would not fit (so no script or call is split needlessly).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { batchByBytes } from "./batch.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);

/**
 * Items are their own byte counts; zero-byte items and items past the limit
 * included. The small scale makes runs that fill the limit exactly common.
 */
const scaled = (max: number) =>
  fc.record({
    items: fc.array(fc.nat({ max }), { maxLength: 60 }),
    limit: fc.integer({ min: 1, max: max + max / 3 }),
    start: fc.nat({ max: max / 3 }),
  });
const cases = fc.oneof(scaled(6), scaled(300));

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

describe("batchByBytes", () => {
  it("returns every item once, in order, in non-empty runs", () => {
    fc.assert(
      fc.property(cases, ({ items, limit, start }) => {
        const runs = batchByBytes(items, (x) => x, limit, start);
        expect(runs.flat()).toEqual(items);
        for (const r of runs) expect(r.length).toBeGreaterThan(0);
      }),
      { numRuns },
    );
  });

  it("keeps each run of several items within the limit, counting the fixed start bytes", () => {
    fc.assert(
      fc.property(cases, ({ items, limit, start }) => {
        for (const r of batchByBytes(items, (x) => x, limit, start))
          if (r.length > 1) expect(start + sum(r)).toBeLessThanOrEqual(limit);
      }),
      { numRuns },
    );
  });

  it("starts a new run only when the next item would pass the limit", () => {
    fc.assert(
      fc.property(cases, ({ items, limit, start }) => {
        const runs = batchByBytes(items, (x) => x, limit, start);
        for (let k = 0; k + 1 < runs.length; k++) {
          const cur = runs[k] as number[];
          const next = (runs[k + 1] as number[])[0] as number;
          expect(start + sum(cur) + next).toBeGreaterThan(limit);
        }
      }),
      { numRuns },
    );
  });
});
