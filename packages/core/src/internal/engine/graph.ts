/**
 * The resource graph of one host: decoded props, explicit and implicit edges,
 * and a deterministic topological order (ties broken by id, so plans are
 * byte-stable). All problems are collected, never thrown.
 */
import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import { pathOf, shown } from "../names.js";
import type { AnyKind, Resource } from "../resource.js";
import { resourceId } from "../resource.js";
import { canonicalJson } from "./digest.js";
import type { PlanError } from "./errors.js";
import { checkResource, looksSensitive } from "./resource-check.js";

export interface Node {
  readonly id: string;
  readonly resource: Resource;
  readonly kind: AnyKind;
  readonly props: unknown;
  /** Ids this node runs after (explicit deps, implicit providers, notifiers). */
  readonly after: readonly string[];
}

export interface Graph {
  /** Nodes in apply order. */
  readonly nodes: readonly Node[];
  readonly byId: ReadonlyMap<string, Node>;
}

/** "expected …, got …"; a sensitive resource's values are never quoted. */
const describeValidation = (e: t.ValidationError, sensitive: boolean): string => {
  const last = e.context[e.context.length - 1];
  const expected = e.message ?? `expected ${last?.type.name ?? "a valid value"}`;
  if (sensitive) return `${expected} (value not shown: the resource is sensitive)`;
  return e.value === undefined ? `${expected}, but it is missing` : `${expected}, got ${shown(e.value)}`;
};

interface Decoded {
  readonly resource: Resource;
  readonly kind: AnyKind;
  readonly props: unknown;
}

/** One declared resource checked (shape, kind, name) and its props decoded, or its errors. */
const decodeOne = (
  raw: unknown,
  index: number,
  kinds: ReadonlyMap<string, AnyKind>,
): Decoded | { readonly errors: readonly PlanError[] } => {
  const checked = checkResource(raw, index);
  if ("error" in checked) return { errors: [checked.error] };
  const r = checked.resource;
  const id = resourceId(r);
  const kind = kinds.get(r.kind);
  if (!kind)
    return { errors: [{ _tag: "UnknownKind", id, origin: r.origin, known: [...kinds.keys()].sort() }] };
  const badName = kind.checkName?.(r.name);
  if (badName !== undefined)
    return { errors: [{ _tag: "InvalidName", id, origin: r.origin, message: badName }] };
  const decoded = kind.props.decode(r.props);
  if (E.isRight(decoded)) return { resource: r, kind, props: decoded.right };
  const sensitive = looksSensitive(r.props);
  return {
    errors: decoded.left.slice(0, 5).map((v) => ({
      _tag: "InvalidProps" as const,
      id,
      origin: r.origin,
      path: pathOf(v.context),
      message: describeValidation(v, sensitive),
    })),
  };
};

/** Decodes every resource's props and removes exact duplicates. */
const decodeResources = (
  resources: readonly Resource[],
  kinds: ReadonlyMap<string, AnyKind>,
  errors: PlanError[],
): Map<string, Decoded> => {
  const out = new Map<string, Decoded>();
  if (!Array.isArray(resources)) {
    errors.push({ _tag: "InvalidResource", id: "resources", message: "expected an array of resources" });
    return out;
  }
  for (const [index, raw] of resources.entries()) {
    let d: ReturnType<typeof decodeOne>;
    try {
      d = decodeOne(raw, index, kinds);
    } catch {
      // Only hostile input gets here (a getter or proxy that throws when read).
      d = { errors: [{ _tag: "InvalidResource", id: `resources[${index}]`, message: "cannot be read" }] };
    }
    if ("errors" in d) {
      errors.push(...d.errors);
      continue;
    }
    const { resource: r, props } = d;
    const id = resourceId(r);
    const prev = out.get(id);
    if (prev) {
      const same =
        canonicalJson(prev.props) === canonicalJson(props) &&
        canonicalJson(prev.resource.deps ?? []) === canonicalJson(r.deps ?? []) &&
        canonicalJson(prev.resource.notify ?? []) === canonicalJson(r.notify ?? []);
      if (!same)
        errors.push({
          _tag: "DuplicateResource",
          id,
          origins: [prev.resource.origin ?? "(unknown)", r.origin ?? "(unknown)"],
        });
      continue;
    }
    out.set(id, d);
  }
  return out;
};

/** Tarjan's strongly connected components: every cycle is reported at once. */
const findCycles = (ids: readonly string[], after: ReadonlyMap<string, readonly string[]>): string[][] => {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of after.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (after.get(v) ?? []).includes(v)) cycles.push(comp.sort());
    }
  };
  for (const id of ids) if (!idx.has(id)) visit(id);
  return cycles.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
};

/** Swaps two items in place (a destructuring swap allocates an array per swap). */
const swap = (a: string[], i: number, j: number): void => {
  const x = a[i]!;
  a[i] = a[j]!;
  a[j] = x;
};

/** A binary min-heap of ids: the ready set of Kahn's algorithm, smallest id first. */
class IdHeap {
  private readonly items: string[] = [];
  get size(): number {
    return this.items.length;
  }
  push(id: string): void {
    const a = this.items;
    a.push(id);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= a[i]!) break;
      swap(a, p, i);
      i = p;
    }
  }
  pop(): string {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]! < a[m]!) m = l;
        if (r < a.length && a[r]! < a[m]!) m = r;
        if (m === i) break;
        swap(a, m, i);
        i = m;
      }
    }
    return top;
  }
}

/** Kahn's algorithm, ties broken by the smallest id (deterministic order). */
export const topoOrder = (
  ids: readonly string[],
  after: ReadonlyMap<string, readonly string[]>,
): string[] => {
  const indeg = new Map<string, number>();
  const before = new Map<string, string[]>();
  for (const id of ids) {
    const deps = after.get(id) ?? [];
    indeg.set(id, deps.length);
    for (const dep of deps) {
      const list = before.get(dep);
      if (list) list.push(id);
      else before.set(dep, [id]);
    }
  }
  const ready = new IdHeap();
  for (const id of ids) if (indeg.get(id) === 0) ready.push(id);
  const order: string[] = [];
  while (ready.size > 0) {
    const id = ready.pop();
    order.push(id);
    for (const next of before.get(id) ?? []) {
      const d = indeg.get(next)! - 1;
      indeg.set(next, d);
      if (d === 0) ready.push(next);
    }
  }
  return order;
};

/** Builds the graph of one host's resources, or every error found. */
export const buildGraph = (
  resources: readonly Resource[],
  kinds: ReadonlyMap<string, AnyKind>,
): E.Either<readonly PlanError[], Graph> => {
  const errors: PlanError[] = [];
  const decoded = decodeResources(resources, kinds, errors);
  const providers = new Map<string, string>();
  for (const [id, d] of decoded)
    for (const token of d.kind.provides(d.props, d.resource.name))
      if (!providers.has(token)) providers.set(token, id);
  const after = new Map<string, string[]>();
  const add = (from: string, to: string): void => {
    if (from === to) return;
    const list = after.get(to) ?? after.set(to, []).get(to)!;
    if (!list.includes(from)) list.push(from);
  };
  for (const [id, d] of decoded) {
    after.set(id, after.get(id) ?? []);
    for (const dep of d.resource.deps ?? []) {
      if (decoded.has(dep)) add(dep, id);
      else errors.push({ _tag: "UnknownDependency", id, dependency: dep, origin: d.resource.origin });
    }
    for (const target of d.resource.notify ?? []) {
      if (decoded.has(target)) add(id, target);
      else errors.push({ _tag: "UnknownDependency", id, dependency: target, origin: d.resource.origin });
    }
    for (const token of d.kind.requires(d.props, d.resource.name)) {
      const provider = providers.get(token);
      if (provider) add(provider, id);
    }
  }
  const ids = [...decoded.keys()];
  // Kahn's order holds every node exactly when there is no cycle (edges join known ids only, never a
  // node to itself): only then are the cycles looked for, to name them all.
  const order = topoOrder(ids, after);
  if (order.length !== ids.length) errors.push({ _tag: "Cycle", cycles: findCycles(ids, after) });
  if (errors.length > 0) return E.left(errors);
  const byId = new Map<string, Node>();
  const nodes = order.map((id) => {
    const d = decoded.get(id)!;
    const node: Node = {
      id,
      resource: d.resource,
      kind: d.kind,
      props: d.props,
      after: [...after.get(id)!].sort(),
    };
    byId.set(id, node);
    return node;
  });
  return E.right({ nodes, byId });
};
