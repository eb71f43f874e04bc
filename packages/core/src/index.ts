/**
 * @tend/core: declared resources → graph → facts → diff → plan → apply.
 * This file is the package surface; implementation lives in ./internal.
 */

export * from "./internal/become/index.js";
export * from "./internal/engine/index.js";
export * from "./internal/facts.js";
export * from "./internal/health/index.js";
export * from "./internal/kinds/index.js";
export * from "./internal/op.js";
export * from "./internal/plan/index.js";
export * from "./internal/probe.js";
export * from "./internal/resource.js";
export * from "./internal/shell/index.js";
export * from "./internal/target.js";
export * from "./internal/transport.js";
