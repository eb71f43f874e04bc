import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import type { AnyKind, Resource } from "../resource.js";
import { buildGraph } from "./graph.js";
import { graphEdges, resourceGraph } from "./graph-edges.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);

// A fixture kind: a thing requires its parent path, provides its own path.
const thingKind: AnyKind = {
  kind: "thing",
  props: t.type({ path: t.string }),
  provides: (p: { path: string }) => [`path:${p.path}`],
  requires: (p: { path: string }) => {
    const parent = p.path.replace(/\/[^/]+$/, "");
    return parent && parent !== p.path ? [`path:${parent}`] : [];
  },
  probes: () => [],
  diff: () => ({ action: "noop", fields: [] }),
  ops: () => [],
};
const id = (path: string): string => `thing[${path}]`;

/** Resource lists without cycles: deps point to earlier entries, notifications to later ones. */
const resourcesArb: fc.Arbitrary<Resource[]> = fc
  .uniqueArray(fc.constantFrom("/a", "/a/b", "/a/b/c", "/a/d", "/e", "/e/f", "/g"), { minLength: 1 })
  .chain((paths) =>
    fc
      .tuple(
        ...paths.map((_path, i) =>
          fc.record({
            deps: fc.subarray(paths.slice(0, i)),
            notify: fc.subarray(paths.slice(i + 1)),
          }),
        ),
      )
      .map((links) =>
        paths.map(
          (path, i): Resource => ({
            kind: "thing",
            name: path,
            props: { path },
            deps: links[i]!.deps.map(id),
            notify: links[i]!.notify.map(id),
          }),
        ),
      ),
  )
  // Implied edges can still close a cycle with a notification (a parent notifying its child
  // is fine, a child notifying its parent is not): keep the lists buildGraph accepts.
  .filter((rs) => E.isRight(buildGraph(rs, new Map([["thing", thingKind]]))));

describe("resource graph edges", () => {
  it("are exactly the ordering edges plan uses, each with its origin", () => {
    fc.assert(
      fc.property(resourcesArb, (rs) => {
        const g = buildGraph(rs, new Map([["thing", thingKind]]));
        if (E.isLeft(g)) return;
        const edges = graphEdges(rs, g.right);
        for (const node of g.right.nodes) {
          const into = [...new Set(edges.filter((e) => e.to === node.id).map((e) => e.from))].sort();
          expect(into).toEqual(node.after);
        }
        for (const r of rs) {
          for (const d of r.deps ?? [])
            expect(edges).toContainEqual({ from: d, to: id(r.name), kind: "explicit" });
          for (const n of r.notify ?? [])
            expect(edges).toContainEqual({ from: id(r.name), to: n, kind: "notify" });
        }
      }),
      { numRuns },
    );
  });

  it("are sorted and independent of declaration order", () => {
    fc.assert(
      fc.property(
        resourcesArb.chain((rs) =>
          fc.tuple(fc.constant(rs), fc.shuffledSubarray(rs, { minLength: rs.length })),
        ),
        ([rs, shuffled]) => {
          const a = resourceGraph(rs, [thingKind]);
          const b = resourceGraph(shuffled, [thingKind]);
          expect(E.isRight(a) && E.isRight(b)).toBe(true);
          if (E.isLeft(a) || E.isLeft(b)) return;
          expect(b.right).toEqual(a.right);
        },
      ),
      { numRuns },
    );
  });

  it("marks a parent found through provides/requires as implied", () => {
    const g = resourceGraph(
      [
        { kind: "thing", name: "/a/b", props: { path: "/a/b" } },
        { kind: "thing", name: "/a", props: { path: "/a" } },
      ],
      [thingKind],
    );
    expect(E.isRight(g) && g.right.edges).toEqual([
      { from: "thing[/a]", to: "thing[/a/b]", kind: "implied" },
    ]);
  });

  it("reports the problems plan reports (an unknown dependency) instead of a graph", () => {
    const g = resourceGraph(
      [{ kind: "thing", name: "/a", props: { path: "/a" }, deps: ["thing[/nope]"] }],
      [thingKind],
    );
    expect(E.isLeft(g) && g.left.map((e) => e._tag)).toEqual(["UnknownDependency"]);
  });
});
