import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { numRuns } from "./engine/engine.fixture.js";
import { type Probe, probeKey } from "./probe.js";

/** Fields as probes have them, and what they might: nested objects, undefined, odd numbers and keys. */
const field = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.double(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.string(), { maxLength: 4 }),
  fc.array(fc.oneof(fc.string(), fc.integer(), fc.record({ a: fc.string(), type: fc.string() })), {
    maxLength: 3,
  }),
  fc.record({ path: fc.string(), z: fc.integer() }, { requiredKeys: [] }),
);
const probe = fc.dictionary(
  fc.oneof(
    fc.constantFrom("type", "path", "content", "name", "argv", "__proto__", "0", "10", "é", "Z"),
    fc.string(),
  ),
  field,
  { maxKeys: 6 },
);

describe("probeKey", () => {
  it("is the probe's JSON with its keys sorted, whatever its fields", () => {
    fc.assert(
      fc.property(probe, (p) => {
        expect(probeKey(p as unknown as Probe)).toBe(JSON.stringify(p, Object.keys(p).sort()));
      }),
      { numRuns },
    );
  });

  it("gives probes that differ only in key order one key", () => {
    fc.assert(
      fc.property(probe, (p) => {
        const reversed = Object.fromEntries(Object.entries(p).reverse());
        expect(probeKey(reversed as unknown as Probe)).toBe(probeKey(p as unknown as Probe));
      }),
      { numRuns },
    );
  });
});
