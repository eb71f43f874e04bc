/**
 * stableJson's fast path (JSON.stringify alone for scalars and lists of
 * scalars) must give exactly the text of sorting every object's keys, for
 * any value: a plan renders the same whichever path a value takes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stableJson } from "./content-diff.js";

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** The definition: every object's keys sorted, through a replacer. */
const reference = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => byCodeUnit(a, b)))
      : x,
  ) ?? "null";

describe("stableJson", () => {
  it("is the sorted-keys JSON of any value, scalars and lists of scalars included", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything({ withNullPrototype: true, withObjectString: true }),
          fc.array(
            fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined)),
          ),
          fc.oneof(
            fc.string(),
            fc.double(),
            fc.integer(),
            fc.constant(undefined),
            fc.constant(() => 1),
          ),
        ),
        (v) => {
          expect(stableJson(v)).toBe(reference(v));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("sorts the keys of objects inside lists", () => {
    expect(stableJson([1, { b: 1, a: [{ d: 1, c: 2 }] }])).toBe('[1,{"a":[{"c":2,"d":1}],"b":1}]');
  });
});
