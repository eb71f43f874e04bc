export * from "./codec.js";
export * from "./format.js";
export { renderApplyReport, renderPlan } from "./render.js";
export type { RenderOptions } from "./render.js";
export { SENSITIVE } from "./field-diff.js";
