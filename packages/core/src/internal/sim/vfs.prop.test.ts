/**
 * SimHost's path resolution keeps its meaning under its fast paths: for any
 * path (empty, ".", ".." and dot-named components, doubled and trailing
 * slashes) and any tree of directories and links (relative, absolute,
 * looping), normalizePath and resolvePath answer as the plain algorithm
 * (posix.normalize, then component by component) does, errors included.
 */
import { posix } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SimFile } from "./state.js";
import { normalizePath, resolvePath } from "./vfs.js";

/** The plain algorithm, as vfs.ts had it before its fast paths. */
const plainNormalize = (path: string): string => {
  if (!path.startsWith("/")) throw new Error(`${path}: path must be absolute`);
  const n = posix.normalize(path);
  return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n;
};
const plainResolve = (
  files: Record<string, SimFile>,
  path: string,
  followFinal: boolean,
  hops = 0,
): string => {
  const parts = plainNormalize(path)
    .split("/")
    .filter((p) => p !== "");
  let cur = "/";
  for (const [i, part] of parts.entries()) {
    const next = cur === "/" ? `/${part}` : `${cur}/${part}`;
    const entry = files[next];
    if (entry?.type === "link" && (i < parts.length - 1 || followFinal)) {
      if (hops >= 40) throw new Error(`${path}: Too many levels of symbolic links`);
      const target = entry.target.startsWith("/") ? entry.target : posix.join(cur, entry.target);
      cur = plainResolve(files, target, true, hops + 1);
    } else cur = next;
  }
  return cur;
};

const outcome = (f: () => string): string => {
  try {
    return f();
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
};

const segment = fc.constantFrom("a", "b", "c", ".", "..", "", ".a", "..b", "a.", "...");
const pathOf = (absolute: boolean) =>
  fc
    .array(segment, { maxLength: 6 })
    .chain((segs) => fc.constantFrom(...(absolute ? ["/"] : ["/", ""])).map((lead) => lead + segs.join("/")));

const dir: SimFile = { type: "dir", mode: 0o755, owner: "root", group: "root" } as SimFile;
const tree = fc.dictionary(
  fc.array(fc.constantFrom("a", "b", "c"), { minLength: 1, maxLength: 3 }).map((xs) => `/${xs.join("/")}`),
  fc.oneof(
    fc.constant(dir),
    pathOf(false).map((target) => ({ type: "link", target: target === "" ? "." : target }) as SimFile),
  ),
);

describe("vfs paths", () => {
  it("normalizePath answers as posix.normalize without a trailing slash, a relative path refused", () => {
    fc.assert(
      fc.property(pathOf(false), (p) => {
        const fast = outcome(() => normalizePath(p));
        const plain = outcome(() => plainNormalize(p));
        expect(fast.startsWith("error") ? "error" : fast).toBe(plain.startsWith("error") ? "error" : plain);
      }),
      { numRuns: 2000 },
    );
  });

  it("resolvePath follows links as the component-by-component walk does", () => {
    fc.assert(
      fc.property(tree, pathOf(true), fc.boolean(), (files, p, follow) => {
        const fast = outcome(() => resolvePath(files, p, follow));
        const plain = outcome(() => plainResolve(files, p, follow));
        expect(fast.startsWith("error") ? "error" : fast).toBe(plain.startsWith("error") ? "error" : plain);
      }),
      { numRuns: 2000 },
    );
  });
});
