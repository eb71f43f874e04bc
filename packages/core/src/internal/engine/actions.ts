/**
 * From per-resource diffs to the host's ordered actions: notifications become
 * de-duplicated restarts after their causes, changed unit files one
 * daemon-reload after every unit write and before any service op, and every
 * restart or reload is recorded on the host (write-ahead intents) before the
 * first op that makes it due, and cleared only after it ran, so an apply that
 * stops anywhere loses none. Intents left by such an apply become actions.
 */
import * as E from "fp-ts/lib/Either.js";
import type { Op } from "../op.js";
import { toFieldDiff } from "../plan/field-diff.js";
import type { Action } from "../plan/format.js";
import type { ProbeResult } from "../probe.js";
import type { Diff, KindContext } from "../resource.js";
import type { PlanError } from "./errors.js";
import { type Graph, type Node, topoOrder } from "./graph.js";
import { type Intents, leftOverReason } from "./intents.js";

export const RELOAD_ID = "systemd[daemon-reload]";

export interface NodeOutcome {
  readonly node: Node;
  readonly diff: Diff;
  readonly facts: readonly ProbeResult[];
  readonly ctx: KindContext;
  readonly sensitive: boolean;
}

const restartOf = (
  o: NodeOutcome,
  reasons: readonly string[],
): { ops: readonly Op[] } | { subsumed: string } => {
  if (!o.node.kind.onNotify) return { subsumed: `${o.node.id} cannot be restarted` };
  const r = o.node.kind.onNotify(o.node.props, o.diff, o.facts, o.ctx);
  return "restart" in r ? { ops: r.restart } : { subsumed: `${r.subsumed} (${reasons.join("; ")})` };
};

const unitOf = (o: NodeOutcome): string | undefined =>
  o.node.kind.unitName?.(o.node.props, o.node.resource.name);

const baseAction = (o: NodeOutcome): Action => ({
  id: o.node.id,
  action: o.diff.action === "noop" ? "update" : o.diff.action,
  reasons: [],
  fields: o.diff.fields.map((f) => toFieldDiff(f, o.sensitive)),
  notes: [...(o.diff.notes ?? [])],
  unknown: [...(o.diff.unknown ?? [])],
  ops: [...o.node.kind.ops(o.node.props, o.diff, o.facts, o.ctx)],
  after: [],
});

const clearRestart = (unit: string): Op => ({
  op: "intent",
  action: "remove",
  restart: [unit],
  reload: false,
});

const restartAction = (
  id: string,
  reasons: string[],
  ops: readonly Op[],
  causes: readonly string[],
): Action => ({
  id,
  action: "restart",
  reasons,
  fields: [],
  notes: [],
  unknown: [],
  ops: [...ops],
  // Its causes; its own service action (same id) directly precedes it when there is one.
  after: [...causes].sort(),
});

/** Builds the ordered actions of one host, or the cycle that keeps the daemon-reload from its place. */
export const buildActions = (
  graph: Graph,
  outcomes: ReadonlyMap<string, NodeOutcome>,
  intents: Intents,
): E.Either<PlanError, Action[]> => {
  const own = new Map<string, Action>();
  for (const node of graph.nodes) {
    const o = outcomes.get(node.id)!;
    if (o.diff.action !== "noop") own.set(node.id, baseAction(o));
  }
  // Which services are notified, and by whom (only causes that change).
  const notifiedBy = new Map<string, string[]>();
  for (const node of graph.nodes) {
    if (!own.has(node.id)) continue;
    for (const svc of node.resource.notify ?? [])
      (notifiedBy.get(svc) ?? notifiedBy.set(svc, []).get(svc)!).push(node.id);
  }
  const restarts = new Map<string, Action>();
  /** Cause id → units whose restart it makes due. */
  const dueBy = new Map<string, string[]>();
  for (const node of graph.nodes) {
    const o = outcomes.get(node.id)!;
    const unit = unitOf(o);
    const causes = notifiedBy.get(node.id) ?? [];
    const pending = unit !== undefined && intents.restarts.has(unit);
    if (causes.length === 0 && !pending) continue;
    const reasons = [
      ...causes.map((c) => `notified by ${c}`),
      ...(pending ? [leftOverReason("restart", intents.restarts.get(unit))] : []),
    ];
    const r = restartOf(o, reasons);
    if ("ops" in r) {
      restarts.set(
        node.id,
        restartAction(node.id, reasons, [...r.ops, ...(unit ? [clearRestart(unit)] : [])], causes),
      );
      if (unit) for (const c of causes) (dueBy.get(c) ?? dueBy.set(c, []).get(c)!).push(unit);
      continue;
    }
    // Subsumed (started or stopped by its own ops): a left-over intent is cleared after them.
    const clear = pending && unit ? [clearRestart(unit)] : [];
    const a = own.get(node.id);
    if (a) own.set(node.id, { ...a, reasons: [...a.reasons, r.subsumed], ops: [...a.ops, ...clear] });
    else if (clear.length > 0)
      own.set(node.id, { ...baseAction(o), action: "update", reasons: [r.subsumed], ops: clear });
  }
  // Write ahead: each action that makes a restart or the reload due records it before its first op.
  for (const node of graph.nodes) {
    const a = own.get(node.id);
    const units = [...new Set(dueBy.get(node.id) ?? [])].sort();
    const reload = a !== undefined && node.kind.reloadsSystemd === true;
    if (!a || (units.length === 0 && !reload)) continue;
    const record: Op = { op: "intent", action: "add", restart: units, reload, at: node.id };
    own.set(node.id, { ...a, ops: [record, ...a.ops] });
  }
  return orderActions(graph, outcomes, own, restarts, intents);
};

/** The actions of nodes in graph order (no reload due): each after the acted-on nodes it runs after. */
const inGraphOrder = (
  order: readonly string[],
  graph: Graph,
  own: ReadonlyMap<string, Action>,
  restarts: ReadonlyMap<string, Action>,
): Action[] => {
  const actions: Action[] = [];
  for (const id of order) {
    const a = own.get(id);
    if (a) actions.push({ ...a, after: graph.byId.get(id)!.after.filter((d) => own.has(d)) });
    const r = restarts.get(id);
    if (r) actions.push(r);
  }
  return actions;
};

const reloadAction = (changedUnits: readonly string[], intents: Intents): Action => ({
  id: RELOAD_ID,
  action: "reload",
  reasons: [
    ...changedUnits.map((u) => `${u} changed`),
    ...(intents.reload !== null ? [leftOverReason("daemon-reload", intents.reload)] : []),
  ],
  fields: [],
  notes: [],
  unknown: [],
  ops: [
    { op: "systemctl", verb: "daemon-reload" },
    { op: "intent", action: "remove", restart: [], reload: true },
  ],
  after: [...changedUnits],
});

/**
 * The shortest chain of "runs after" edges from the reload back to itself,
 * starting at the reload's first dependency: `a -> b` reads "a runs after b".
 */
const reloadCycle = (after: ReadonlyMap<string, readonly string[]>): string[] => {
  const parent = new Map<string, string>();
  const queue = [...(after.get(RELOAD_ID) ?? [])].sort();
  for (const q of queue) parent.set(q, RELOAD_ID);
  while (queue.length > 0) {
    const id = queue.shift()!;
    const next = [...(after.get(id) ?? [])].sort();
    if (next.includes(RELOAD_ID)) {
      const path = [id];
      while (parent.get(path[0]!) !== RELOAD_ID) path.unshift(parent.get(path[0]!)!);
      return [...path, RELOAD_ID];
    }
    for (const n of next)
      if (!parent.has(n)) {
        parent.set(n, id);
        queue.push(n);
      }
  }
  return [RELOAD_ID];
};

/**
 * Topological order over acted-on nodes plus the virtual daemon-reload, which
 * runs after every changed unit file and before every service action. A
 * declared graph that forbids that order is an error naming the cycle.
 */
const orderActions = (
  graph: Graph,
  outcomes: ReadonlyMap<string, NodeOutcome>,
  own: ReadonlyMap<string, Action>,
  restarts: ReadonlyMap<string, Action>,
  intents: Intents,
): E.Either<PlanError, Action[]> => {
  const changedUnits = graph.nodes.filter((n) => n.kind.reloadsSystemd && own.has(n.id)).map((n) => n.id);
  const reloadDue = changedUnits.length > 0 || intents.reload !== null;
  const ids = graph.nodes.map((n) => n.id);
  // Without the reload, the edges are the graph's own and so is the order (Kahn's, smallest id first).
  if (!reloadDue) return E.right(inGraphOrder(ids, graph, own, restarts));
  const after = new Map<string, string[]>(graph.nodes.map((n) => [n.id, [...n.after]]));
  ids.push(RELOAD_ID);
  after.set(RELOAD_ID, changedUnits);
  for (const n of graph.nodes)
    if (unitOf(outcomes.get(n.id)!) !== undefined && (own.has(n.id) || restarts.has(n.id)))
      after.get(n.id)!.push(RELOAD_ID);
  const order = topoOrder(ids, after);
  if (order.length < ids.length) return E.left({ _tag: "ReloadOrder", cycle: reloadCycle(after) });
  const acted = new Set([...own.keys(), RELOAD_ID]);
  const actions: Action[] = [];
  for (const id of order) {
    if (id === RELOAD_ID) {
      actions.push(reloadAction(changedUnits, intents));
      continue;
    }
    const a = own.get(id);
    if (a) actions.push({ ...a, after: (after.get(id) ?? []).filter((d) => acted.has(d)).sort() });
    const r = restarts.get(id);
    if (r) actions.push(r);
  }
  return E.right(actions);
};
