import type { Resource } from "../resource.js";
import type { Target } from "../target.js";
import { type PlanOptions, planHost } from "./plan-host.js";
import { type PlannedRun, plannedRun } from "./planned.js";

/**
 * Plans one target: `plan(resources, target, options) → PlannedRun`, the plan
 * as data (`run.plan`, what `--json` and plan files hold) with what apply
 * needs in memory (`run.hosts`).
 */
export const plan = async (
  resources: readonly Resource[],
  target: Target,
  options: PlanOptions = {},
): Promise<PlannedRun> => plannedRun([await planHost(resources, target, options)]);
