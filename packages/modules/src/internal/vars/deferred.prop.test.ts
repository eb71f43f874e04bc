import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BindEnv, bindDeferred, HOME_MARKER, hostIpMarker, MARK } from "./deferred.js";

/** Runs per property: 200 in CI, more through TEND_PROP_RUNS. */
const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);

const ifaces = ["wg0", "eth0", "missing"];
const env: BindEnv = { ipOf: (i) => (i === "missing" ? undefined : `10.0.0.${i.length}`), home: "/home/me" };

/** Strings with and without markers (bound, unbindable, and a stray MARK). */
const text = fc.oneof(
  fc.string(),
  fc.constantFrom(HOME_MARKER, ...ifaces.map(hostIpMarker), MARK, `${MARK}ip:wg0`),
  fc
    .array(fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom(HOME_MARKER, ...ifaces.map(hostIpMarker))), {
      maxLength: 4,
    })
    .map((parts) => parts.join("")),
);
const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("__proto__", "0", "k"));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    text,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(key, tie("value"), { maxKeys: 4 }),
  ),
}));

/** Every string with its markers bound: what bindDeferred promises, written the plain way. */
const expected = (v: unknown): unknown => {
  if (typeof v === "string")
    return v.replace(new RegExp(`${MARK}(home|ip:[^${MARK}]*)${MARK}`, "g"), (m, what: string) =>
      what === "home" ? env.home : (env.ipOf(what.slice(3)) ?? m),
    );
  if (Array.isArray(v)) return v.map(expected);
  if (v !== null && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expected(x)]));
  return v;
};

/** Whether `v` holds a marker bindDeferred would replace. */
const bindable = (v: unknown): boolean => JSON.stringify(expected(v)) !== JSON.stringify(v);

describe("bindDeferred", () => {
  it("binds every home and known interface marker, at any depth, and keeps every other value and key", () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(bindDeferred(v, env)).toEqual(expected(v));
      }),
      { numRuns },
    );
  });

  it("binds a value again under another env: one bound first with no address known binds once one is", () => {
    fc.assert(
      fc.property(value, (v) => {
        const none: BindEnv = { ipOf: () => undefined, home: "/nowhere" };
        bindDeferred(v, none);
        bindDeferred(v, none);
        expect(bindDeferred(v, env)).toEqual(expected(v));
      }),
      { numRuns },
    );
  });

  it("returns a value with nothing to bind as it is, not a copy, and never changes its input", () => {
    fc.assert(
      fc.property(value, (v) => {
        const before = JSON.stringify(v);
        const bound = bindDeferred(v, env);
        if (!bindable(v)) expect(bound).toBe(v);
        expect(JSON.stringify(v)).toBe(before);
      }),
      { numRuns },
    );
  });
});
