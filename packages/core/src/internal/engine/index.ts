export type { ApplyEvent, ApplyOptions, ApplyReport, ApplyStatus, HostApplyReport } from "./apply.js";
export { apply, mapBounded } from "./apply.js";
export type { ReadSource, SourceContent } from "./content.js";
export { readSourceBytes } from "./content.js";
export type { PlanError } from "./errors.js";
export { describePlanError, describeTargetError } from "./errors.js";
export type { EdgeKind, GraphEdge, GraphNode, ResourceGraph } from "./graph-edges.js";
export { resourceGraph } from "./graph-edges.js";
export { plan } from "./plan.js";
export type { PlanOptions } from "./plan-host.js";
export { blobBytesOf, planHost } from "./plan-host.js";
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
