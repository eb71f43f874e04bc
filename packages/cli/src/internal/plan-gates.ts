/**
 * Health gates in a plan, so a saved plan can be rolled out as reviewed:
 * `tend plan --out PLAN` writes each ready host's gates into it, and `tend
 * apply PLAN --batch` waits for those gates, in the order the inventory
 * gives (its groups, or tend_rollout_order).
 */
import type { HealthGate, Plan } from "@tend/core";
import type { Inventory, VarLayer } from "./inventory/index.js";
import { rolloutOrderOf, rolloutVarsOf } from "./rollout-vars.js";

/** The plan with each ready host's gates (none for a host without any). */
export const withGates = (plan: Plan, gates: ReadonlyMap<string, readonly HealthGate[]>): Plan => ({
  ...plan,
  hosts: plan.hosts.map((hp) =>
    hp.status === "ready" ? { ...hp, gates: [...(gates.get(hp.host) ?? [])] } : hp,
  ),
});

/** What a rollout of a saved plan takes from it and from the inventory, or why it cannot. */
export type SavedRollout =
  | {
      readonly gates: ReadonlyMap<string, readonly HealthGate[]>;
      readonly groups: ReadonlyMap<string, readonly string[]>;
      readonly rolloutOrder?: readonly string[];
    }
  | { readonly errors: readonly string[] };

/**
 * The gates the plan in `file` holds for its ready hosts, and the rollout
 * order of its hosts as rolloutOrderOf derives it for a live rollout. A
 * plan saved without gates (by a tend that did not keep them) is refused:
 * rolling it out would wait for nothing.
 */
export const savedRollout = (
  file: string,
  plan: Plan,
  inventory: Inventory,
  layersOf: (host: string) => readonly VarLayer[],
): SavedRollout => {
  const ready = plan.hosts.filter((h) => h.status === "ready");
  const without = ready.filter((h) => h.gates === undefined).map((h) => h.host);
  if (without.length > 0)
    return {
      errors: [
        `${file}: saved without health gates (for ${without.join(", ")}), so a rollout could not wait for them; make a new plan with tend plan -i INVENTORY --out ${file}`,
      ],
    };
  // The order as a live rollout derives it, from every host of the plan (an unreachable one too) that
  // the inventory still lists: a host it no longer has (only a failed one may) sets no order of its own.
  const listed = new Set(inventory.hosts);
  const order = rolloutOrderOf(
    plan.hosts.map((h) => h.host).filter((h) => listed.has(h)),
    inventory,
    layersOf,
  );
  const errors = order.problems.map((p) => `${p.origin}: ${p.variable}: ${p.message}`);
  // tend_health_checks is checked as a live rollout checks it, though the gates come from the plan.
  for (const h of ready)
    errors.push(
      ...rolloutVarsOf(layersOf(h.host), inventory).problems.map(
        (p) => `${p.origin}: ${p.variable}: ${p.message}`,
      ),
    );
  if (errors.length > 0) return { errors: [...new Set(errors)] };
  return {
    gates: new Map(ready.map((h) => [h.host, h.gates ?? []])),
    groups: order.groups,
    ...(order.rolloutOrder ? { rolloutOrder: order.rolloutOrder } : {}),
  };
};
