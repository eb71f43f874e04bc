/**
 * Health gates in a plan, so a saved plan can be rolled out as reviewed:
 * `tend plan --out PLAN` writes each ready host's gates into it, and `tend
 * apply PLAN --batch` waits for those gates, in the order the inventory
 * gives (its groups, or tend_rollout_order).
 */
import type { HealthGate, Plan } from "@tend/core";
import type { Inventory, VarLayer } from "./inventory/index.js";
import { groupsOfHost } from "./inventory/index.js";
import { rolloutVarsOf } from "./rollout-vars.js";

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
 * The gates the plan in `file` holds for its ready hosts, their inventory
 * groups and tend_rollout_order. A plan saved without gates (by a tend that
 * did not keep them) is refused: rolling it out would wait for nothing.
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
  const errors: string[] = [];
  let rolloutOrder: readonly string[] | undefined;
  for (const h of ready) {
    const own = rolloutVarsOf(layersOf(h.host), inventory);
    errors.push(...own.problems.map((p) => `${p.origin}: ${p.variable}: ${p.message}`));
    rolloutOrder ??= own.order;
  }
  if (errors.length > 0) return { errors: [...new Set(errors)] };
  return {
    gates: new Map(ready.map((h) => [h.host, h.gates ?? []])),
    groups: new Map(ready.map((h) => [h.host, groupsOfHost(inventory, h.host).map((g) => g.name)])),
    ...(rolloutOrder ? { rolloutOrder } : {}),
  };
};
