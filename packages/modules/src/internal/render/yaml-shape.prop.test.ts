import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { renderYaml } from "./config.js";
import { YAML_OPTIONS } from "./yaml-shape.js";

/** Runs per property: 200 in CI, more through TEND_PROP_RUNS. */
const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);

/** Strings YAML treats specially: quoting, tags, indicators, line breaks, the slot marker itself. */
const hostile = fc.constantFrom(
  "",
  " ",
  "null",
  "~",
  "true",
  "no",
  "123",
  "-0",
  "0x1f",
  "1e3",
  ".inf",
  "- a",
  "? a",
  "a: b",
  "a #b",
  "#a",
  "&a",
  "*a",
  "!tag",
  "|",
  ">",
  "'",
  '"',
  "%YAML",
  "---",
  "...",
  "a\nb",
  "a\n",
  "\n",
  "trailing ",
  " leading",
  "tab\there",
  "\u0085",
  "\u2028",
  "\u{1F600}",
  "\ud800",
  "\0",
  "tendSlot7q3x0z",
  "tendSlot7q3x1z",
  "10.9.0.1",
  "/etc/kubernetes/cert-worker0001.pem",
  "x".repeat(200),
);
/** Strings near the plain fast path's edge: names, paths, addresses, numbers, keywords. */
const plainish = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_./:+~-]{0,12}$/),
  fc.ipV4(),
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 999999 })).map(([ip, port]) => `${ip}:${port}`),
  fc.constantFrom("True", "FALSE", "Null", "NULL", "nan", ".nan", "_", "/", "a.", "e5", "0o17", "1.2.3.4.5"),
);
const text = fc.oneof(
  hostile,
  plainish,
  plainish,
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.string({ unit: "grapheme" }),
);
const key = fc.oneof(hostile, fc.string({ maxLength: 8 }), fc.constantFrom("__proto__", "0", "10", "k"));

/** JSON-like documents whose leaves include strings, numbers (also -0 and NaN), booleans and null. */
const { doc } = fc.letrec((tie) => ({
  leaf: fc.oneof(text, text, fc.double(), fc.integer(), fc.boolean(), fc.constant(null)),
  value: fc.oneof({ depthSize: "small" }, tie("leaf"), tie("doc"), fc.array(tie("value"), { maxLength: 4 })),
  doc: fc.dictionary(key, tie("value"), { maxKeys: 5 }),
}));

/** Replaces every string in `v` with the next of `texts` (cycling), keeping everything else. */
const restring = (v: unknown, texts: readonly string[], at = { i: 0 }): unknown => {
  if (typeof v === "string") return texts.length === 0 ? v : texts[at.i++ % texts.length];
  if (Array.isArray(v)) return v.map((x) => restring(x, texts, at));
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      Object.defineProperty(out, k, {
        value: restring(x, texts, at),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return out;
  }
  return v;
};

describe("renderYaml", () => {
  it("writes every document byte for byte as the yaml package does", () => {
    fc.assert(
      fc.property(doc, (d) => {
        expect(renderYaml(d)).toBe(stringify(d, YAML_OPTIONS));
      }),
      { numRuns },
    );
  });

  it("writes documents of one shape with other strings (a rendering reused) as the yaml package does", () => {
    fc.assert(
      fc.property(
        doc,
        fc.array(fc.array(text, { maxLength: 6 }), { minLength: 1, maxLength: 4 }),
        (d, variants) => {
          renderYaml(d);
          for (const texts of variants) {
            const v = restring(d, texts) as Record<string, unknown>;
            expect(renderYaml(v)).toBe(stringify(v, YAML_OPTIONS));
          }
        },
      ),
      { numRuns },
    );
  });

  it("writes a document that shares an object (an anchor and alias) or holds undefined as the yaml package does", () => {
    fc.assert(
      fc.property(doc, text, (d, s) => {
        const shared = { s };
        const withAlias = { ...d, a: shared, b: [shared] };
        expect(renderYaml(withAlias)).toBe(stringify(withAlias, YAML_OPTIONS));
        const withUndefined = { ...d, u: undefined, list: [s, undefined] };
        expect(renderYaml(withUndefined)).toBe(stringify(withUndefined, YAML_OPTIONS));
      }),
      { numRuns },
    );
  });
});
