/**
 * @tend/modules: pure functions from a host's variables and facts to the
 * resources that set it up as the seed's roles do (flanneld, Docker,
 * Kubernetes worker). No I/O: the CLI reads inventories and fetches
 * checksums and artifacts; this package only declares.
 */
export type { Cluster, HostContext } from "./internal/context.js";
export {
  type Artifact,
  type ArtifactOptions,
  checksumUrl,
  parseChecksumFile,
} from "./internal/downloads.js";
export {
  describeModuleError,
  describeVarError,
  type ModuleError,
  SUPPORTED_EXPRESSIONS,
  type VarError,
  varErrorMessage,
} from "./internal/errors.js";
// Both role generations (seed and current): see docs/SPEC-current.md.
export {
  artifactsForHost as artifactsFor,
  checksumUrlsFor as requiredChecksumUrls,
} from "./internal/generations.js";
export { hostNameProblem, K8S_GROUPS, resourcesForHost } from "./internal/host.js";
// The packages a worker installs, per OS family (e.g. for an image that has them already).
export { WORKER_PACKAGES } from "./internal/modules/base.js";
// Module registration: a role (generation) and its modules, run by resourcesForHost.
export {
  type AnyRole,
  currentRole,
  type ModuleContext,
  modulesFor,
  roleOf,
  roles,
  runModules,
  seedRole,
  type WorkerModule,
  type WorkerRole,
} from "./internal/registry.js";
export { renderUnit, type UnitSection } from "./internal/render/unit.js";
export type { WorkerVars } from "./internal/vars/codec.js";
export type { CurrentVars } from "./internal/vars/current-codec.js";
export { currentRoleDefaults } from "./internal/vars/current-defaults.js";
export { roleDefaults, type VarLayer } from "./internal/vars/defaults.js";
export {
  type Generation,
  generationOf,
  type HostVars,
  isCurrent,
  resolveHostVars as resolveVars,
} from "./internal/vars/host-vars.js";
export { connectionVariables, knownVariables } from "./internal/vars/resolve.js";
export { type ControllerSource, controllerSources } from "./internal/vars/sources.js";
export { ansibleBool } from "./internal/vars/types.js";

import type { ModuleError, VarError } from "./internal/errors.js";
import { describeModuleError, describeVarError } from "./internal/errors.js";

const VAR_TAGS: ReadonlySet<string> = new Set([
  "BadValue",
  "UnknownVariable",
  "UnsupportedExpression",
  "UndefinedReference",
  "InterpolationCycle",
  "UnsupportedSetting",
  "MixedGenerations",
]);

/** One line for any error of this package. */
export const describe = (e: VarError | ModuleError): string =>
  VAR_TAGS.has(e._tag) ? describeVarError(e as VarError) : describeModuleError(e as ModuleError);
export { healthGatesFor } from "./internal/health.js";
