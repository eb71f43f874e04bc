import fc from "fast-check";
import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import { numRuns } from "./engine/engine.fixture.js";
import * as names from "./names.js";

/** Every codec names.ts exports, and io-ts's primitives. */
const codecs: t.Mixed[] = [
  t.string,
  t.number,
  t.boolean,
  ...Object.values(names).filter((v): v is t.Mixed => v instanceof t.Type),
  names.oneOf("text", "json", "yaml", "binary"),
  names.oneOf("a", "b"),
];

describe("isPredicateCodec", () => {
  it("holds only of codecs whose validate succeeds exactly when is() does, with the input itself", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.string(),
          fc.constantFrom("text", "json", "a", "b", "binary"),
          fc.integer({ min: -1, max: 0o10000 }),
          fc.double(),
        ),
        (u) => {
          for (const c of codecs.filter(names.isPredicateCodec)) {
            const r = c.validate(u, []);
            expect(r._tag === "Right").toBe(c.is(u));
            if (r._tag === "Right") expect(Object.is(r.right, u)).toBe(true);
            expect(c.is(undefined)).toBe(false);
          }
        },
      ),
      { numRuns },
    );
  });

  it("holds of the grammar, mode and count codecs (so props decode takes the fast path)", () => {
    for (const c of [
      names.AbsPath,
      names.OwnerName,
      names.Mode,
      names.Count,
      t.string,
      names.oneOf("a", "b"),
    ])
      expect(names.isPredicateCodec(c)).toBe(true);
    expect(names.isPredicateCodec(t.union([t.string, t.number]))).toBe(false);
  });
});
