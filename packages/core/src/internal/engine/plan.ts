import { combinePlans } from "../plan/codec.js";
import type { Plan } from "../plan/format.js";
import type { Resource } from "../resource.js";
import type { Target } from "../target.js";
import { type PlanOptions, planHost } from "./plan-host.js";

/** Plans one target: `plan(resources, target, options) → Plan` as DESIGN.md promises. */
export const plan = async (
  resources: readonly Resource[],
  target: Target,
  options: PlanOptions = {},
): Promise<Plan> => combinePlans([await planHost(resources, target, options)]);
