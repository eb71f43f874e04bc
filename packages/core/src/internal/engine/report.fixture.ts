/**
 * Test helpers over planned runs and apply reports: the plan of a planned run
 * (or a bare plan), and a report's error line whatever its status.
 */
import type { Plan } from "../plan/format.js";
import { type HostApplyReport, isConverged, pendingOf } from "./apply.js";
import { isPlannedRun, type PlannedRun } from "./planned.js";

export type { PlannedRun };
export { isConverged, pendingOf };

/** The plan data of a planned run, or the plan itself. */
export const planOf = (p: Plan | PlannedRun): Plan => (isPlannedRun(p) ? p.plan : p);

/** The report's error line, or undefined for a status that has none. */
export const errorOf = (r: HostApplyReport): string | undefined => ("error" in r ? r.error : undefined);
