import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import type { AnyKind, Resource } from "../resource.js";
import { describePlanError } from "./errors.js";
import { buildGraph } from "./graph.js";

// A fixture kind: the graph only reads codecs and provides/requires tokens.
const pathKind: AnyKind = {
  kind: "thing",
  props: t.type({ path: t.string, mode: t.number }),
  provides: (p: { path: string }) => [`path:${p.path}`],
  requires: (p: { path: string }) => {
    const parent = p.path.replace(/\/[^/]+$/, "");
    return parent && parent !== p.path ? [`path:${parent}`] : [];
  },
  probes: () => [],
  diff: () => ({ action: "noop", fields: [] }),
  ops: () => [],
};
const kinds = new Map([["thing", pathKind]]);
const thing = (path: string, extra: Partial<Resource> = {}): Resource => ({
  kind: "thing",
  name: path,
  props: { path, mode: 0o644 },
  ...extra,
});

const errorsOf = (rs: Resource[]): string[] => {
  const g = buildGraph(rs, kinds);
  if (E.isRight(g)) throw new Error("expected errors");
  return g.left.map(describePlanError);
};

describe("resource graph", () => {
  it("orders a path after its declared parent (implicit edge) and breaks ties by id", () => {
    const g = buildGraph([thing("/a/b/c"), thing("/z"), thing("/a"), thing("/a/b")], kinds);
    expect(E.isRight(g) && g.right.nodes.map((n) => n.id)).toEqual([
      "thing[/a]",
      "thing[/a/b]",
      "thing[/a/b/c]",
      "thing[/z]",
    ]);
  });

  it("reports every cycle at once, naming its members", () => {
    const msgs = errorsOf([
      thing("/p", { deps: ["thing[/q]"] }),
      thing("/q", { deps: ["thing[/p]"] }),
      thing("/x", { deps: ["thing[/y]"], notify: ["thing[/y]"] }),
      thing("/y"),
    ]);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toContain("thing[/p] -> thing[/q] -> thing[/p]");
    expect(msgs[0]).toContain("thing[/x] -> thing[/y] -> thing[/x]");
  });

  it("names both declarations of an id declared twice with different props", () => {
    const msgs = errorsOf([
      thing("/a", { origin: "modules/one.ts" }),
      { ...thing("/a", { origin: "modules/two.ts" }), props: { path: "/a", mode: 0o600 } },
    ]);
    expect(msgs).toEqual([
      "thing[/a] is declared twice with different props: modules/one.ts and modules/two.ts",
    ]);
  });

  it("merges an id declared twice with the same props", () => {
    const g = buildGraph([thing("/a"), thing("/a")], kinds);
    expect(E.isRight(g) && g.right.nodes).toHaveLength(1);
  });

  it("names the resource and the path of a bad field", () => {
    const msgs = errorsOf([
      { kind: "thing", name: "/a", props: { path: "/a", mode: "rw" }, origin: "x.yml" },
    ]);
    expect(msgs[0]).toMatch(/^thing\[\/a\] \(declared in x\.yml\): invalid value at mode: .*"rw"/);
  });

  it("rejects unknown kinds and unknown dependencies by name", () => {
    const msgs = errorsOf([
      { kind: "nope", name: "n", props: {} },
      thing("/a", { deps: ["thing[/missing]"] }),
    ]);
    expect(msgs).toContain("nope[n]: unknown resource kind; known kinds: thing");
    expect(msgs).toContain("thing[/a]: depends on thing[/missing], which is not declared");
  });
});
