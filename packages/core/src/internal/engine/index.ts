export { apply, mapBounded } from "./apply.js";
export type { ApplyEvent, ApplyOptions, ApplyReport, ApplyStatus, HostApplyReport } from "./apply.js";
export type { ReadSource } from "./content.js";
export { describePlanError, describeTargetError } from "./errors.js";
export type { PlanError } from "./errors.js";
export { blobBytesOf, planHost } from "./plan-host.js";
export type { PlanOptions } from "./plan-host.js";
export { plan } from "./plan.js";
