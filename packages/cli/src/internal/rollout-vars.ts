/**
 * The rollout variables the CLI reads from the inventory: `tend_rollout_order`
 * (a list of group names, batches go group by group in that order) and
 * `tend_health_checks` (checks added to the modules' own health gates).
 * Decoded in the validation phase, so a typo stops the run before any
 * connection; read again when the rollout is built.
 */
import { type HealthGate, UserHealthChecks, userCheckProblem, userGate } from "@tend/core";
import * as t from "io-ts";
import type { Inventory, VarLayer } from "./inventory/index.js";

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

/** The host's rollout order (undefined: the default) and its user checks, or their problems. */
export const rolloutVarsOf = (
  layers: readonly VarLayer[],
  inventory: Inventory,
): { order?: readonly string[]; gates: readonly HealthGate[]; problems: readonly RolloutVarProblem[] } => {
  const problems: RolloutVarProblem[] = [];
  let order: readonly string[] | undefined;
  const o = lastSet(layers, ORDER_VARIABLE);
  if (o) {
    const d = t.array(t.string).decode(o.value);
    if (d._tag === "Left" || d.right.length === 0)
      problems.push({
        variable: ORDER_VARIABLE,
        origin: o.origin,
        message: `expected a non-empty list of inventory group names (e.g. [k8s_etcd, k8s_controller, k8s_worker]), got ${kindOf(o.value)}`,
      });
    else {
      const unknown = d.right.filter((g) => !inventory.groups.has(g));
      const twice = d.right.filter((g, i) => d.right.indexOf(g) !== i);
      if (unknown.length > 0)
        problems.push({
          variable: ORDER_VARIABLE,
          origin: o.origin,
          message: `names no group of ${inventory.path}: ${unknown.map((g) => JSON.stringify(g)).join(", ")}`,
        });
      else if (twice.length > 0)
        problems.push({
          variable: ORDER_VARIABLE,
          origin: o.origin,
          message: `lists ${JSON.stringify(twice[0])} twice`,
        });
      else order = d.right;
    }
  }
  const gates: HealthGate[] = [];
  const c = lastSet(layers, CHECKS_VARIABLE);
  if (c) {
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
