export * from "./codec.js";
export * from "./format.js";
export type { RenderOptions } from "./render.js";
export { renderApplyReport, renderPlan } from "./render.js";
