/**
 * From per-resource diffs to the host's ordered actions: notifications become
 * de-duplicated restarts after their causes, changed unit files one
 * daemon-reload before any service op, and due restarts are recorded on the
 * host (pending-restarts) so a failed apply does not lose them.
 */
import type { Op } from "../op.js";
import { toFieldDiff } from "../plan/field-diff.js";
import type { Action } from "../plan/format.js";
import type { ProbeResult } from "../probe.js";
import type { Diff, KindContext } from "../resource.js";
import { type Graph, type Node, topoOrder } from "./graph.js";

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

/** Builds the ordered actions of one host from its graph and diffs. */
export const buildActions = (
  graph: Graph,
  outcomes: ReadonlyMap<string, NodeOutcome>,
  pendingUnits: ReadonlySet<string>,
): Action[] => {
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
  for (const node of graph.nodes) {
    const o = outcomes.get(node.id)!;
    const unit = unitOf(o);
    const causes = notifiedBy.get(node.id) ?? [];
    const pending = unit !== undefined && pendingUnits.has(unit);
    if (causes.length === 0 && !pending) continue;
    const reasons = [
      ...causes.map((c) => `notified by ${c}`),
      ...(pending ? ["restart left pending by an earlier apply"] : []),
    ];
    const r = restartOf(o, reasons);
    const clear: Op[] = pending && unit ? [{ op: "pending", action: "remove", units: [unit] }] : [];
    if ("ops" in r) {
      restarts.set(node.id, {
        id: node.id,
        action: "restart",
        reasons,
        fields: [],
        notes: [],
        unknown: [],
        ops: [...r.ops, ...(unit ? [{ op: "pending", action: "remove", units: [unit] } as Op] : [])],
        // Its causes; its own service action (same id) directly precedes it when there is one.
        after: [...causes].sort(),
      });
      // Record the restart as due right after each cause ran.
      if (unit)
        for (const c of causes) {
          const a = own.get(c)!;
          own.set(c, { ...a, ops: [...a.ops, { op: "pending", action: "add", units: [unit] }] });
        }
    } else {
      const a = own.get(node.id);
      if (a) own.set(node.id, { ...a, reasons: [...a.reasons, r.subsumed], ops: [...a.ops, ...clear] });
      else if (clear.length > 0)
        own.set(node.id, { ...baseAction(o), action: "update", reasons: [r.subsumed], ops: clear });
    }
  }
  return orderActions(graph, outcomes, own, restarts);
};

/** Topological order over acted-on nodes plus the virtual daemon-reload. */
const orderActions = (
  graph: Graph,
  outcomes: ReadonlyMap<string, NodeOutcome>,
  own: ReadonlyMap<string, Action>,
  restarts: ReadonlyMap<string, Action>,
): Action[] => {
  const changedUnits = graph.nodes.filter((n) => n.kind.reloadsSystemd && own.has(n.id)).map((n) => n.id);
  const after = new Map<string, string[]>(graph.nodes.map((n) => [n.id, [...n.after]]));
  const ids = graph.nodes.map((n) => n.id);
  if (changedUnits.length > 0) {
    ids.push(RELOAD_ID);
    after.set(RELOAD_ID, changedUnits);
    for (const n of graph.nodes)
      if (unitOf(outcomes.get(n.id)!) !== undefined && (own.has(n.id) || restarts.has(n.id)))
        after.get(n.id)!.push(RELOAD_ID);
  }
  let order = topoOrder(ids, after);
  if (order.length < ids.length) {
    // A unit file depends on a service: keep resource order, reload before the first service action.
    order = graph.nodes.map((n) => n.id);
    const first = order.findIndex((id) => restarts.has(id) || (own.has(id) && unitOf(outcomes.get(id)!)));
    order.splice(first < 0 ? order.length : first, 0, RELOAD_ID);
  }
  const acted = new Set([...own.keys(), ...(changedUnits.length > 0 ? [RELOAD_ID] : [])]);
  const actions: Action[] = [];
  for (const id of order) {
    if (id === RELOAD_ID && changedUnits.length > 0) {
      actions.push({
        id: RELOAD_ID,
        action: "reload",
        reasons: changedUnits.map((u) => `${u} changed`),
        fields: [],
        notes: [],
        unknown: [],
        ops: [{ op: "systemctl", verb: "daemon-reload" }],
        after: changedUnits,
      });
      continue;
    }
    const a = own.get(id);
    if (a) actions.push({ ...a, after: (after.get(id) ?? []).filter((d) => acted.has(d)).sort() });
    const r = restarts.get(id);
    if (r) actions.push(r);
  }
  return actions;
};
