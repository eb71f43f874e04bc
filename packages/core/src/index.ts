/**
 * @tend/core: declared resources → graph → facts → diff → plan → apply.
 * This file is the package surface; implementation lives in ./internal.
 */
export * from "./internal/facts.js";
export * from "./internal/op.js";
export * from "./internal/probe.js";
export * from "./internal/resource.js";
export * from "./internal/target.js";
export * from "./internal/transport.js";
