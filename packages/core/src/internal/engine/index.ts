export type { ApplyEvent, ApplyOptions, ApplyReport, ApplyStatus, HostApplyReport } from "./apply.js";
export { apply, mapBounded } from "./apply.js";
export type { ReadSource, SourceContent } from "./content.js";
export { readSourceBytes } from "./content.js";
export type { PlanError } from "./errors.js";
export { describePlanError, describeTargetError } from "./errors.js";
export { plan } from "./plan.js";
export type { PlanOptions } from "./plan-host.js";
export { blobBytesOf, planHost } from "./plan-host.js";
