/**
 * jsonProblem: declared props are plain JSON, and anything else is found and
 * named by where it is, at any depth, whatever JSON surrounds it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { numRuns } from "./engine.fixture.js";
import { jsonProblem } from "./resource-check.js";

class Thing {
  readonly x = 1;
}

/** Values that are not JSON, each with what its message says after the path. */
const junk: fc.Arbitrary<readonly [unknown, string]> = fc.constantFrom(
  [Number.NaN, "is NaN, which JSON cannot hold"],
  [Number.POSITIVE_INFINITY, "is Infinity, which JSON cannot hold"],
  [Number.NEGATIVE_INFINITY, "is -Infinity, which JSON cannot hold"],
  [10n, "is a bigint, not JSON"],
  [() => 1, "is a function, not JSON"],
  [Symbol("s"), "is a symbol, not JSON"],
  [new Thing(), "is an instance of Thing, not plain JSON"],
  [new Map(), "is an instance of Map, not plain JSON"],
  [{ [Symbol("k")]: 1 }, "has symbol keys, not JSON"],
);

/** A JSON document with `inner` put at a random place `steps` deep; the place's path comes back too. */
const around = (inner: unknown, steps: readonly (string | number)[]): { value: unknown; path: string } => {
  let value = inner;
  let path = "";
  for (const step of [...steps].reverse())
    value = typeof step === "number" ? [...Array(step).fill(0), value] : { [step]: value };
  for (const step of steps) path += typeof step === "number" ? `[${step}]` : `.${step}`;
  return { value, path: `props${path}` };
};
const step = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom("a", "b", "content", "mode"));

describe("jsonProblem", () => {
  it("accepts any JSON value, and undefined object values (not given)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(step, { maxLength: 6 }), (json, steps) => {
        expect(jsonProblem(json)).toBeUndefined();
        expect(jsonProblem(around({ gone: undefined, json }, steps).value)).toBeUndefined();
      }),
      { numRuns },
    );
  });

  it("finds a non-JSON value at any depth among JSON and names where it is", () => {
    fc.assert(
      fc.property(junk, fc.array(step, { maxLength: 6 }), fc.jsonValue(), ([bad, words], steps, json) => {
        const { value, path } = around([json, bad], steps);
        expect(jsonProblem(value)).toBe(`${path}[1] ${words}`);
      }),
      { numRuns },
    );
  });

  it("finds undefined in an array, a cycle and nesting deeper than 64", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 6 }), (steps) => {
        expect(jsonProblem(around([1, undefined], steps).value)).toBe(
          `${around(0, steps).path}[1] is undefined, not JSON`,
        );
        const loop: Record<string, unknown> = {};
        loop.self = loop;
        expect(jsonProblem(around(loop, steps).value)).toBe(
          `${around(0, steps).path}.self refers back to itself (a cycle)`,
        );
        const deep = around(0, Array(70).fill("d")).value;
        expect(jsonProblem(deep)).toMatch(/is nested more than 64 levels deep$/);
      }),
      { numRuns },
    );
  });
});
