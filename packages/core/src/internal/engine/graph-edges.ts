/**
 * One host's resource graph as data for people (`tend graph`): the nodes in
 * apply order and every ordering edge with where it comes from: a declared
 * dependency (explicit), a provider found through the kinds'
 * provides/requires tokens (implied), or a notification. It builds the graph
 * with buildGraph and only classifies its edges, so what it shows is the
 * order plan and apply use.
 */
import * as E from "fp-ts/lib/Either.js";
import { builtinKinds } from "../kinds/index.js";
import type { AnyKind, Resource } from "../resource.js";
import { resourceId } from "../resource.js";
import type { PlanError } from "./errors.js";
import { buildGraph, type Graph } from "./graph.js";

/** Where an ordering edge comes from. */
export type EdgeKind = "explicit" | "implied" | "notify";

/** `from` runs before `to`; for a notification, `from` notifies the service `to`. */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
}

/** A node as shown: its id, kind and name. */
export interface GraphNode {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
}

/** A host's graph for display: nodes in apply order, edges sorted by from, to and kind. */
export interface ResourceGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const compareEdges = (a: GraphEdge, b: GraphEdge): number =>
  byCodeUnit(a.from, b.from) || byCodeUnit(a.to, b.to) || byCodeUnit(a.kind, b.kind);

/**
 * The providers of each token, chosen as buildGraph chooses them: the first
 * declaration in the resource list (not in apply order) wins.
 */
const providersOf = (resources: readonly Resource[], graph: Graph): Map<string, string> => {
  const providers = new Map<string, string>();
  const seen = new Set<string>();
  for (const r of resources) {
    const id = resourceId(r);
    const node = graph.byId.get(id);
    if (!node || seen.has(id)) continue;
    seen.add(id);
    for (const token of node.kind.provides(node.props, node.resource.name))
      if (!providers.has(token)) providers.set(token, id);
  }
  return providers;
};

/** Classifies the edges of a graph built from `resources` (one edge per pair and kind). */
export const graphEdges = (resources: readonly Resource[], graph: Graph): GraphEdge[] => {
  const providers = providersOf(resources, graph);
  const edges = new Map<string, GraphEdge>();
  const add = (from: string, to: string, kind: EdgeKind): void => {
    if (from !== to) edges.set(`${from}\0${to}\0${kind}`, { from, to, kind });
  };
  for (const node of graph.nodes) {
    for (const dep of node.resource.deps ?? []) add(dep, node.id, "explicit");
    for (const target of node.resource.notify ?? []) add(node.id, target, "notify");
    for (const token of node.kind.requires(node.props, node.resource.name)) {
      const provider = providers.get(token);
      if (provider !== undefined) add(provider, node.id, "implied");
    }
  }
  return [...edges.values()].sort(compareEdges);
};

/**
 * Builds one host's resource graph for display, or every problem that
 * stops it (the same problems plan reports). `kinds` defaults to the
 * built-in kinds.
 */
export const resourceGraph = (
  resources: readonly Resource[],
  kinds: readonly AnyKind[] = builtinKinds,
): E.Either<readonly PlanError[], ResourceGraph> => {
  const graph = buildGraph(resources, new Map(kinds.map((k) => [k.kind, k])));
  if (E.isLeft(graph)) return graph;
  return E.right({
    nodes: graph.right.nodes.map((n) => ({ id: n.id, kind: n.resource.kind, name: n.resource.name })),
    edges: graphEdges(resources, graph.right),
  });
};
