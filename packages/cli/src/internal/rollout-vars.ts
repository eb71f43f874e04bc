/**
 * The rollout variables the CLI reads from the inventory: `tend_rollout_order`
 * (a list of group names, batches go group by group in that order) and
 * `tend_health_checks` (checks added to the modules' own health gates).
 * Decoded in the validation phase, so a typo stops the run before any
 * connection; read again when the rollout is built.
 */
import {
  gateCountProblem,
  type HealthGate,
  MAX_USER_CHECKS,
  UserHealthChecks,
  userCheckProblem,
  userGate,
} from "@tend/core";
import * as t from "io-ts";
import { groupsOfHost, type Inventory, type VarLayer } from "./inventory/index.js";

export const ORDER_VARIABLE = "tend_rollout_order";
export const CHECKS_VARIABLE = "tend_health_checks";

/** A problem in a rollout variable: the variable, the layer that set it, what is wrong. */
export interface RolloutVarProblem {
  readonly variable: string;
  readonly origin: string;
  readonly message: string;
}

const lastSet = (
  layers: readonly VarLayer[],
  name: string,
): { value: unknown; origin: string } | undefined => {
  for (let i = layers.length - 1; i >= 0; i--)
    if (Object.hasOwn(layers[i]!.vars, name))
      return { value: layers[i]!.vars[name], origin: layers[i]!.origin };
  return undefined;
};

/** What kind of value `u` is, for messages (never the value: it may be sensitive). */
const kindOf = (u: unknown): string =>
  u === null ? "null" : Array.isArray(u) ? "a list" : typeof u === "object" ? "a mapping" : `a ${typeof u}`;

/** The tend_rollout_order of one host's layers (undefined: not set, the default), or its problem. */
const orderVarOf = (
  layers: readonly VarLayer[],
  inventory: Inventory,
): { order?: readonly string[]; problems: readonly RolloutVarProblem[] } => {
  const o = lastSet(layers, ORDER_VARIABLE);
  if (!o) return { problems: [] };
  const problem = (message: string) => ({
    problems: [{ variable: ORDER_VARIABLE, origin: o.origin, message }],
  });
  const d = t.array(t.string).decode(o.value);
  if (d._tag === "Left" || d.right.length === 0)
    return problem(
      `expected a non-empty list of inventory group names (e.g. [k8s_etcd, k8s_controller, k8s_worker]), got ${kindOf(o.value)}`,
    );
  const unknown = d.right.filter((g) => !inventory.groups.has(g));
  if (unknown.length > 0)
    return problem(
      `names no group of ${inventory.path}: ${unknown.map((g) => JSON.stringify(g)).join(", ")}`,
    );
  const twice = d.right.filter((g, i) => d.right.indexOf(g) !== i);
  if (twice.length > 0) return problem(`lists ${JSON.stringify(twice[0])} twice`);
  return { order: d.right, problems: [] };
};

/** What a rollout's host order is made of: each host's inventory groups, and tend_rollout_order when set. */
export interface RolloutOrderInputs {
  readonly groups: ReadonlyMap<string, readonly string[]>;
  readonly rolloutOrder?: readonly string[];
}

/**
 * The one derivation of a rollout's order, for a live rollout (planning)
 * and for a saved plan's (plan-gates), so the two cannot batch hosts
 * differently: the groups of every host (reached or not: an unreachable
 * host is batched by its groups on both paths) and the tend_rollout_order
 * they share. A bad order, or a host whose order differs from the first
 * host's (a rollout has one order), is a problem naming the variable.
 */
export const rolloutOrderOf = (
  hosts: readonly string[],
  inventory: Inventory,
  layersOf: (host: string) => readonly VarLayer[],
  groupsOf: (host: string) => readonly string[] = (h) => groupsOfHost(inventory, h).map((g) => g.name),
): RolloutOrderInputs & { readonly problems: readonly RolloutVarProblem[] } => {
  const problems: RolloutVarProblem[] = [];
  let first: { host: string; key: string; order?: readonly string[] } | undefined;
  for (const host of hosts) {
    const layers = layersOf(host);
    const own = orderVarOf(layers, inventory);
    problems.push(...own.problems);
    const key = JSON.stringify(own.order ?? null);
    first ??= { host, key, ...(own.order ? { order: own.order } : {}) };
    if (key !== first.key)
      problems.push({
        variable: ORDER_VARIABLE,
        origin: lastSet(layers, ORDER_VARIABLE)?.origin ?? inventory.path,
        message: `of ${host} differs from ${first.host}'s: a rollout has one order; set it once, in group_vars/all`,
      });
  }
  return {
    groups: new Map(hosts.map((h) => [h, groupsOf(h)])),
    ...(first?.order ? { rolloutOrder: first.order } : {}),
    problems,
  };
};

/** The host's rollout order (undefined: the default) and its user checks, or their problems. */
export const rolloutVarsOf = (
  layers: readonly VarLayer[],
  inventory: Inventory,
): { order?: readonly string[]; gates: readonly HealthGate[]; problems: readonly RolloutVarProblem[] } => {
  const own = orderVarOf(layers, inventory);
  const problems: RolloutVarProblem[] = [...own.problems];
  const order = own.order;
  const gates: HealthGate[] = [];
  const c = lastSet(layers, CHECKS_VARIABLE);
  // Counted before any check is decoded, by the function that bounds a plan file's gates.
  const tooMany = c && Array.isArray(c.value) ? gateCountProblem(c.value.length, MAX_USER_CHECKS) : undefined;
  if (c && tooMany) problems.push({ variable: CHECKS_VARIABLE, origin: c.origin, message: tooMany });
  else if (c) {
    const d = UserHealthChecks.decode(c.value);
    if (d._tag === "Left") {
      const index = Array.isArray(c.value)
        ? c.value.findIndex((x) => UserHealthChecks.decode([x])._tag === "Left")
        : -1;
      problems.push({
        variable: index >= 0 ? `${CHECKS_VARIABLE}[${index}]` : CHECKS_VARIABLE,
        origin: c.origin,
        message:
          index >= 0
            ? "expected a check with a name and one of: http (a URL, with status, default 200), tcp (a port, with host, default 127.0.0.1), command (a list of argv strings, not a shell string); optional timeout (s, ≤300), retries (≤100), backoff_ms"
            : `expected a list of checks, got ${kindOf(c.value)}`,
      });
    } else {
      const names = new Set<string>();
      d.right.forEach((check, i) => {
        const why =
          userCheckProblem(check) ??
          (names.has(check.name) ? `the name ${JSON.stringify(check.name)} is used twice` : undefined);
        names.add(check.name);
        if (why) problems.push({ variable: `${CHECKS_VARIABLE}[${i}]`, origin: c.origin, message: why });
        else gates.push(userGate(check));
      });
    }
  }
  return { ...(order ? { order } : {}), gates, problems };
};
