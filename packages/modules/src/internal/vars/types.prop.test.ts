/** Properties of the variable leaf types over arbitrary input: no value they accept can move a write. */
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { DecodedVars } from "./codec.js";
import { HOME_MARKER } from "./deferred.js";
import { AbsPath, FileName, KernelModule, Version } from "./types.js";

/** Runs per property: 200 in CI, more through TEND_PROP_RUNS. */
const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);

// Strings built from path-ish pieces find the edge cases faster than uniform text.
const piece = fc.constantFrom("/", "..", ".", "a", "\0", "\n", "//", "~", HOME_MARKER, "é", " ");
const pathish = fc.oneof(
  fc.array(piece, { maxLength: 12 }).map((xs) => xs.join("")),
  fc.string({ unit: "binary", maxLength: 40 }),
);
const junk = fc.anything({ withBigInt: true, withNullPrototype: true, withSparseArray: true });

describe("variable types over arbitrary input", () => {
  it("an accepted absolute path is normalised: rooted, no .. or . segment, no NUL or line break", () => {
    fc.assert(
      fc.property(pathish, (s) => {
        const r = AbsPath.decode(s);
        if (E.isLeft(r)) return;
        const rest = r.right.startsWith(HOME_MARKER) ? r.right.slice(HOME_MARKER.length) || "/" : r.right;
        expect(rest.startsWith("/")).toBe(true);
        expect(rest.split("/").filter((seg) => seg === ".." || seg === ".")).toEqual([]);
        expect(rest).not.toMatch(/[\0\n\r]|\/\//);
      }),
      { numRuns },
    );
  });

  it("an accepted file name, version or kernel module name never holds / or NUL and is never . or ..", () => {
    fc.assert(
      fc.property(pathish, (s) => {
        for (const type of [FileName, Version, KernelModule]) {
          const r = type.decode(s);
          if (E.isLeft(r)) continue;
          expect(r.right).not.toMatch(/[/\0]/);
          expect([".", ".."]).not.toContain(r.right);
        }
      }),
      { numRuns },
    );
  });

  it("decoding arbitrary junk as any variable never throws", () => {
    const names = Object.keys(DecodedVars.props);
    fc.assert(
      fc.property(fc.constantFrom(...names), junk, (name, value) => {
        const type = DecodedVars.props[name as keyof typeof DecodedVars.props];
        expect(() => type.decode(value)).not.toThrow();
      }),
      { numRuns },
    );
  });
});
