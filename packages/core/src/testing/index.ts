/**
 * @tend/core/testing: SimHost, the in-memory Linux host that is a Target,
 * and the helpers tests build hosts and compare states with. The
 * implementation lives in ../internal/sim (see its README).
 */
export * from "../internal/sim/index.js";
export { expectedOutcomes, type RolloutFault } from "./rollout-oracle.js";
