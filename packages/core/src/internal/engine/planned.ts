/**
 * The planned run: a plan (pure JSON data, `tend-plan/2`) together with what
 * apply needs of each host that the plan's JSON does not hold: the bytes of
 * its blobs (a sensitive file's content never goes in a plan file) and the
 * host facts the resources were built from. An explicit value, so a caller
 * can clone, store or re-decode the plan without losing anything silently: a
 * bare `Plan` (decoded from a file) applies with its blobs read again from
 * their sources or inline base64.
 */
import type { HostFacts } from "../facts.js";
import { combinePlans } from "../plan/codec.js";
import type { HostPlan, Plan } from "../plan/format.js";

/** What apply needs of one planned host beyond its plan: blob bytes by sha256, and its facts. */
export interface PlannedHost {
  readonly blobs: ReadonlyMap<string, Uint8Array>;
  readonly facts: HostFacts;
}

/** One host's plan, and its in-memory companion when the plan is ready. */
export interface HostPlanned {
  readonly plan: HostPlan;
  /** Absent for a host whose plan failed (it has nothing to apply). */
  readonly planned?: PlannedHost;
}

/** `plan()`'s result: the plan as data, and by host what apply needs in memory. */
export interface PlannedRun {
  readonly plan: Plan;
  readonly hosts: ReadonlyMap<string, PlannedHost>;
}

/** Combines per-host results, hosts in the given order. */
export const plannedRun = (results: readonly HostPlanned[]): PlannedRun => ({
  plan: combinePlans(results.map((r) => r.plan)),
  hosts: new Map(results.flatMap((r) => (r.planned ? [[r.plan.host, r.planned] as const] : []))),
});

/** A plan without in-memory companions (decoded from a file): apply reads blobs from sources or inline. */
export const bareRun = (plan: Plan): PlannedRun => ({ plan, hosts: new Map() });

/** True for a planned run, false for a bare plan. */
export const isPlannedRun = (x: PlannedRun | Plan): x is PlannedRun =>
  "plan" in x && "hosts" in x && x.hosts instanceof Map;
