/**
 * Arbitrary bytes and arbitrary YAML-ish text never throw out of the input
 * readers, and every answer is either the exact text or a problem that names
 * the file and holds no JavaScript value name.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describeProblem } from "../decode.js";
import { decodeUtf8 } from "./input-file.js";
import { parseYaml } from "./yaml-file.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);
const JS_NAMES = /undefined|\[object Object\]|NaN/;
const fatal = (b: Uint8Array): boolean => {
  try {
    new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(b);
    return true;
  } catch {
    return false;
  }
};

describe("decodeUtf8", () => {
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.string({ unit: "binary", maxLength: 32 }).map((s) => new Uint8Array(Buffer.from(s, "utf8"))),
    fc
      .tuple(fc.string({ unit: "binary", maxLength: 16 }), fc.uint8Array({ minLength: 1, maxLength: 3 }))
      .map(([s, junk]) => new Uint8Array([...Buffer.from(s, "utf8"), ...junk])),
  );

  it("returns exactly the text of valid UTF-8, or the offset of the first byte that is not", () => {
    fc.assert(
      fc.property(bytes, (b) => {
        const r = decodeUtf8("f.yml", b);
        const bom = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;
        if (r._tag === "Right") {
          expect(Buffer.from(r.right, "utf8").equals(Buffer.from(bom ? b.subarray(3) : b))).toBe(true);
          return;
        }
        const message = r.left.map(describeProblem).join("\n");
        expect(message).toMatch(/^f\.yml/);
        expect(message).not.toMatch(JS_NAMES);
        const m = /byte offset (\d+)/.exec(message);
        if (m) {
          const offset = Number(m[1]);
          // Everything before the offset is UTF-8; the character starting there is not.
          expect(fatal(b.subarray(bom ? 3 : 0, offset))).toBe(true);
          expect(fatal(b.subarray(bom ? 3 : 0, Math.min(b.length, offset + 4)))).toBe(false);
        } else {
          expect(message).toMatch(/UTF-(16|32)/);
        }
      }),
      { numRuns },
    );
  });
});

describe("parseYaml", () => {
  const yamlish = fc
    .array(
      fc.constantFrom(
        "a",
        "b",
        ":",
        " ",
        "\n",
        "  ",
        "- ",
        "&x ",
        "*x",
        "<<: ",
        "[",
        "]",
        "{",
        "}",
        ",",
        "'",
        '"',
        "#",
        "? ",
        "!!str ",
        "---\n",
        "\t",
        "\u00e9",
      ),
      {
        maxLength: 40,
      },
    )
    .map((parts) => parts.join(""));

  it("never throws, and every problem names the file without JavaScript value names", () => {
    fc.assert(
      fc.property(fc.oneof(yamlish, fc.string()), (text) => {
        const r = parseYaml("v.yml", text);
        if (r._tag === "Left") {
          expect(r.left.length).toBeGreaterThan(0);
          for (const p of r.left) {
            expect(p.file).toBe("v.yml");
            expect(describeProblem(p)).not.toMatch(JS_NAMES);
          }
        }
      }),
      { numRuns },
    );
  });
});

describe("parseYaml on many duplicate keys", () => {
  it("names the first 20 by line and counts the rest", () => {
    const text = Array.from({ length: 1000 }, (_, i) => `k${i % 10}: ${i}`).join("\n");
    const r = parseYaml("v.yml", text);
    const messages = r._tag === "Left" ? r.left.map(describeProblem) : [];
    expect(messages).toHaveLength(21);
    expect(messages[0]).toBe('v.yml:11: duplicate key "k0": first at line 1, again at line 11; keep one');
    expect(messages[20]).toBe("v.yml:30: 970 more duplicate keys after these");
  });
});
