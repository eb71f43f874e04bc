/**
 * The renderer decides the presentation from before/after: diffs computed
 * at render time, object keys in sorted order whatever order the values
 * were built in, secrets never shown.
 */
import { isRight } from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { decodePlan, encodePlan } from "./codec.js";
import { type FieldDiff, PLAN_FORMAT, type Plan } from "./format.js";
import { renderPlan } from "./render.js";

const planOf = (...fields: FieldDiff[]): Plan => ({
  format: PLAN_FORMAT,
  hosts: [
    {
      host: "h",
      status: "ready",
      factsDigest: "0".repeat(64),
      probes: [],
      actions: [
        {
          id: "file[/etc/x]",
          action: "update",
          reasons: [],
          fields,
          notes: [],
          unknown: [],
          ops: [],
          after: [],
        },
      ],
      resources: [],
      blobs: {},
      summary: { create: 0, update: 1, delete: 0, restart: 0, reload: 0 },
    },
  ],
});
const text = (...fields: FieldDiff[]): string => renderPlan(planOf(...fields), { color: false });
/** The field's lines of the rendering, without the plan's frame. */
const body = (...fields: FieldDiff[]): string[] =>
  text(...fields)
    .split("\n")
    .filter((l) => l.startsWith("      "));

describe("key order is the renderer's: sorted, whatever order the plan's values were built in", () => {
  const inserted = { zeta: 1, alpha: { y: [1, { q: 1, p: 2 }], x: 2 }, mid: null };
  const sorted = { alpha: { x: 2, y: [1, { p: 2, q: 1 }] }, mid: null, zeta: 1 };
  const after = { zeta: 2, alpha: { y: [1, { q: 1, p: 3 }], x: 2 }, mid: "set" };

  it("an object-valued field renders the same built in either order", () => {
    expect(text({ field: "labels", before: inserted, after })).toBe(
      text({ field: "labels", before: sorted, after }),
    );
    expect(body({ field: "labels", before: inserted, after })).toEqual([
      "      ~ labels:",
      "            alpha:",
      "                y:",
      "                    [1]:",
      "                      - p: 2",
      "                      + p: 3",
      "          - mid: null",
      '          + mid: "set"',
      "          - zeta: 1",
      "          + zeta: 2",
    ]);
  });

  it("a field that is a scalar on one side, or changes type, stays on one line", () => {
    expect(body({ field: "labels", before: [1], after: { a: 1 } })).toEqual([
      '      ~ labels: [1] → {"a":1}',
    ]);
    expect(body({ field: "port", before: 1, after: 2 })).toEqual(["      ~ port: 1 → 2"]);
  });

  it("JSON contents are diffed by value, keys sorted, only what changed shown", () => {
    const field = (before: object): FieldDiff => ({
      field: "content",
      before: JSON.stringify(before, null, 2),
      after: JSON.stringify(after),
      format: "json",
    });
    expect(text(field(inserted))).toBe(text(field(sorted)));
    expect(body(field(inserted))).toEqual([
      "      ~ content:",
      "            alpha:",
      "                y:",
      "                    [1]:",
      "                      - p: 2",
      "                      + p: 3",
      "          - mid: null",
      '          + mid: "set"',
      "          - zeta: 1",
      "          + zeta: 2",
    ]);
  });

  it("a saved plan renders like the plan it was saved from (encode sorts the keys)", () => {
    const p = planOf(
      { field: "labels", before: inserted, after },
      { field: "content", before: "{}", after: JSON.stringify(after), format: "json" },
    );
    const decoded = decodePlan(encodePlan(p));
    expect(isRight(decoded) && renderPlan(decoded.right, { color: true })).toBe(
      renderPlan(p, { color: true }),
    );
  });
});

describe("contents are diffed at render time", () => {
  it("YAML structurally: added and removed keys, list entries", () => {
    expect(
      body({
        field: "content",
        before: "b: 1\nlist: [a, b]\nold: x\n",
        after: "list: [a, c]\nb: 1\nnew: y\n",
        format: "yaml",
      }),
    ).toEqual([
      "      ~ content:",
      "            list:",
      '              - "b"',
      '              + "c"',
      '          + new: "y"',
      '          - old: "x"',
    ]);
  });

  it("keys and strings that look like json-diff's markers are shown as the user's data", () => {
    const before = {
      __old: 1,
      __new: 2,
      a__added: 1,
      toString: 1,
      ["__proto__"]: 1,
      list: ["__next", "toString", "__$!SCALAR1", 1],
    };
    const after = {
      __old: 3,
      __new: 2,
      toString: 2,
      list: ["__next", "constructor", "__$!SCALAR1", "1"],
      a: 1,
    };
    expect(
      body({
        field: "content",
        before: JSON.stringify(before),
        after: JSON.stringify(after),
        format: "json",
      }),
    ).toEqual([
      "      ~ content:",
      "          - __old: 1",
      "          + __old: 3",
      "          - __proto__: 1",
      "          + a: 1",
      "          - a__added: 1",
      "            list:",
      '              - "toString"',
      '              + "constructor"',
      "              - 1",
      '              + "1"',
      "          - toString: 1",
      "          + toString: 2",
    ]);
  });

  it("a long array of objects shows only the object that changed, at its index", () => {
    const before = Array.from({ length: 3000 }, (_, i) => ({ name: `u${i}`, uid: i }));
    const after = before.map((u, i) => (i === 7 ? { ...u, uid: -1 } : u));
    expect(
      body({
        field: "content",
        before: JSON.stringify(before),
        after: JSON.stringify(after),
        format: "json",
      }),
    ).toEqual(["      ~ content:", "            [7]:", "              - uid: 7", "              + uid: -1"]);
  });

  it("when too many objects changed to pair them, each changed one shows as - and + lines", () => {
    const before = Array.from({ length: 300 }, (_, i) => ({ uid: i }));
    const after = before.map((u) => ({ uid: u.uid + 1000 }));
    const lines = body({
      field: "content",
      before: JSON.stringify(before),
      after: JSON.stringify(after),
      format: "json",
    });
    expect(lines).toHaveLength(601);
    expect(lines).toContain('          - {"uid":0}');
    expect(lines).toContain('          + {"uid":1299}');
  });

  it("text as a unified diff", () => {
    expect(body({ field: "content", before: "a\nb\nc\n", after: "a\nB\nc\n", format: "text" })).toEqual([
      "      ~ content:",
      "          @@ -1,3 +1,3 @@",
      "           a",
      "          -b",
      "          +B",
      "           c",
    ]);
  });

  it("JSON that does not parse falls back to a unified diff", () => {
    expect(body({ field: "content", before: "{", after: "{}", format: "json" })).toContain("          -{");
  });

  it("JSON whose layout changed but not its value shows the text change", () => {
    expect(body({ field: "content", before: '{"a":1}', after: '{\n  "a": 1\n}', format: "json" })).toContain(
      '          -{"a":1}',
    );
  });

  it("binary contents show their digests, not a diff", () => {
    expect(body({ field: "content", before: "sha256:aa", after: "sha256:bb", format: "binary" })).toEqual([
      '      ~ content: "sha256:aa" → "sha256:bb"',
    ]);
  });
});

describe("secrets", () => {
  it("a secret field shows only that it changed", () => {
    expect(body({ field: "content", sensitive: true, before: "(sensitive)", after: "(sensitive)" })).toEqual([
      "      ~ content: (sensitive value changed)",
    ]);
  });

  it("a hand-edited secret field that carries a value still hides it", () => {
    const f = {
      field: "content",
      sensitive: true,
      before: "hunter2",
      after: "hunter3",
    } as unknown as FieldDiff;
    expect(text(f)).not.toMatch(/hunter/);
  });
});
