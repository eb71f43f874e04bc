/**
 * The manifest SimHost's extract writes reads back as written, whatever the
 * member names hold but a newline (which extract refuses): a CR, U+2028 or
 * U+2029 is a character of a name, as it is to sh and tar on a real host,
 * so a SimHost plan never misses a member a real host would list.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MANIFEST_LINE } from "../shell/probe-parse.js";
import { formatManifest, parseManifest } from "./manifest.js";

const nameChar = fc.oneof(
  fc.constantFrom("\r", "\u2028", "\u2029", "\u0085", "\t", " ", "\\", "a", "/", "é"),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }),
);
const memberPath = fc
  .array(nameChar, { minLength: 1, maxLength: 12 })
  .map((cs) => `/opt/${cs.join("")}`.replaceAll("\n", "_"));
const member = fc.record({ path: memberPath, sha256: fc.stringMatching(/^[0-9a-f]{64}$/) });

describe("archive manifests keep every member name but a newline", () => {
  it("parseManifest(formatManifest(m)) has m's members, sorted by path", () => {
    fc.assert(
      fc.property(fc.uniqueArray(member, { selector: (m) => m.path, maxLength: 8 }), (members) => {
        const text = formatManifest({ source: "abc", members });
        const back = parseManifest(text);
        expect(back.source).toBe("abc");
        const byPath = (a: { path: string }, b: { path: string }) =>
          a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
        expect(back.members).toEqual(
          [...members].sort(byPath).map((m) => ({ sha256: m.sha256, path: m.path })),
        );
        // The ShellTarget's decoder reads the same lines the same way.
        const lines = text.split("\n").slice(1, -1);
        expect(lines.map((l) => MANIFEST_LINE.exec(l)?.[2])).toEqual(back.members.map((m) => m.path));
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ["a carriage return", "\r"],
    ["U+2028", "\u2028"],
    ["U+2029", "\u2029"],
  ])("a member named with %s is read back", (_, c) => {
    const m = { path: `/opt/a${c}b`, sha256: "0".repeat(64) };
    expect(parseManifest(formatManifest({ source: "s", members: [m] })).members).toEqual([m]);
  });
});
