export type {
  ApplyEvent,
  ApplyOptions,
  ApplyReport,
  ApplyStatus,
  HostApplyReport,
  PendingChange,
  Verdict,
} from "./apply.js";
export { apply, isConverged, mapBounded, pendingOf } from "./apply.js";
export type { ReadSource, SourceContent } from "./content.js";
export { readSourceBytes } from "./content.js";
export type { PlanError, TendError } from "./errors.js";
export { describeError, describePlanError, describeTargetError } from "./errors.js";
export type { EdgeKind, GraphEdge, GraphNode, ResourceGraph } from "./graph-edges.js";
export { resourceGraph } from "./graph-edges.js";
export { plan } from "./plan.js";
export type { PlanOptions } from "./plan-host.js";
export { planHost } from "./plan-host.js";
export type { HostPlanned, PlannedHost, PlannedRun } from "./planned.js";
export { bareRun, isPlannedRun, plannedRun } from "./planned.js";
export {
  leftOverRollback,
  notRestorable,
  releaseKept,
  rollbackDirOf,
  rollbackHost,
  rollbackOps,
  rollbackWith,
  withKeep,
} from "./rollback.js";
export type {
  RollbackResult,
  RolloutHostReport,
  RolloutOptions,
  RolloutOutcome,
  RolloutReport,
  Share,
} from "./rollout.js";
export {
  batchSizeOf,
  budgetOf,
  DEFAULT_ROLLOUT_ORDER,
  parseShare,
  rollout,
  rolloutOrder,
} from "./rollout.js";
