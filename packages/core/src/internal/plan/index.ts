export * from "./codec.js";
export * from "./format.js";
export type { HtmlOptions } from "./html.js";
export { escapeHtml, renderPlanHtml } from "./html.js";
export type { RenderOptions } from "./render.js";
export { renderApplyReport, renderPlan } from "./render.js";
export { renderGates, renderRolloutReport } from "./rollout-render.js";
