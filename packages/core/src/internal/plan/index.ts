export * from "./codec.js";
export { durationSuffix, formatDuration, type Timed } from "./duration.js";
export * from "./format.js";
export type { HtmlOptions } from "./html.js";
export { escapeHtml, renderPlanHtml } from "./html.js";
export type { RenderOptions, TimedApplyReport } from "./render.js";
export { renderApplyReport, renderPlan, renderPlanTotals } from "./render.js";
export { renderGates, renderRolloutReport, type TimedRolloutReport } from "./rollout-render.js";
