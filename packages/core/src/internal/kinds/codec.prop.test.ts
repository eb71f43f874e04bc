/**
 * propsCodec decodes as io-ts's own composition (defaults over an
 * intersection of t.type and t.partial) does: same value, same key order,
 * same errors, whatever the input.
 */
import fc from "fast-check";
import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import { numRuns } from "../engine/engine.fixture.js";
import { ChecksumProp, propsCodec, withDefaults } from "./codec.js";

const required = {
  s: t.string,
  n: t.number,
  sum: ChecksumProp,
  nested: t.type({ a: t.string }),
  maybe: t.union([t.string, t.undefined]),
};
const optional = {
  o: t.string,
  oc: ChecksumProp,
  ob: t.boolean,
  od: withDefaults(t.type({ x: t.number }), { x: 1 }),
};
const defaults = { n: 5, s: "d" };
const codec = propsCodec("Test", required, optional, defaults);
/** What propsCodec did before its fast path: io-ts's composition alone. */
const reference = withDefaults(t.intersection([t.type(required), t.partial(optional)]), defaults);

const hex = fc.stringMatching(/^[0-9a-fA-F]{64}$/);
const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.string(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.record({ a: fc.string() }),
  fc.record({ x: fc.integer() }, { requiredKeys: [] }),
  fc.record({ algo: fc.constantFrom("sha256", "sha512", "md5"), hex }),
);
/** Mostly a valid value (so that most inputs decode), sometimes anything. */
const mostly = <A>(valid: fc.Arbitrary<A>) =>
  fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: anyValue, weight: 1 });
const checksum = fc.record({
  algo: fc.constantFrom("sha256", "sha512"),
  hex: fc.oneof(
    hex,
    hex.map((h) => h + h),
  ),
});
const input = fc.record(
  {
    s: mostly(fc.string()),
    n: mostly(fc.integer()),
    sum: mostly(checksum),
    nested: mostly(fc.record({ a: fc.string() })),
    maybe: mostly(fc.oneof(fc.string(), fc.constant(undefined))),
    o: mostly(fc.string()),
    oc: mostly(checksum),
    ob: mostly(fc.boolean()),
    od: mostly(fc.record({ x: fc.integer() }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
);

/** An error as data: its value, message and path (keys and type names; the codecs are other instances). */
const below = (e: t.ValidationError) => ({
  value: e.value,
  message: e.message,
  context: e.context.slice(1).map((c) => ({ key: c.key, type: c.type.name, actual: c.actual })),
});

describe("propsCodec", () => {
  it("decodes any input to what io-ts's composition gives: value, key order and errors", () => {
    fc.assert(
      fc.property(input, (u) => {
        const got = codec.decode(u);
        const want = reference.decode(u);
        expect(got._tag).toBe(want._tag);
        if (got._tag === "Right" && want._tag === "Right") {
          expect(got.right).toStrictEqual(want.right);
          expect(Object.keys(got.right as object)).toStrictEqual(Object.keys(want.right as object));
        } else if (got._tag === "Left" && want._tag === "Left")
          // The first context entry is each codec's own root (its name): the rest must match.
          expect(got.left.map(below)).toStrictEqual(want.left.map(below));
      }),
      { numRuns },
    );
  });
});
