/**
 * A current-roles cluster as test data: the seed's hosts and facts, with an
 * inventory that speaks the current roles' variable names (containerd, runc,
 * cni, kubernetes-worker 1.34). Pure data and small builders, no I/O.
 */
import * as E from "fp-ts/lib/Either.js";
import type { HostContext } from "../context.js";
import type { VarLayer } from "../vars/defaults.js";
import { type HostVars, resolveHostVars } from "../vars/host-vars.js";
import { seedContext } from "./seed-cluster.js";

/** group_vars/all.yml of a current-roles inventory: only what the roles leave undefined or the cluster needs. */
export const CURRENT_GROUP_VARS: VarLayer = {
  origin: "group_vars/all.yml",
  vars: { k8s_interface: "wg0", k8s_config_cluster_name: "k8s", k8s_worker_release: "1.34.4" },
};

/** Resolves a current host's variables (both generations' checks) or fails the test with every message. */
export const hostVarsFor = (host: string, layers: readonly VarLayer[] = [CURRENT_GROUP_VARS]): HostVars => {
  const r = resolveHostVars(layers, host);
  if (E.isLeft(r)) throw new Error(`resolveHostVars failed: ${JSON.stringify(r.left)}`);
  return r.right;
};

/** The HostContext the CLI would build for a worker of the current roles. */
export const currentContext = (
  host: string,
  layers: readonly VarLayer[] = [CURRENT_GROUP_VARS],
  overrides: Partial<HostContext> = {},
): HostContext => seedContext(host, { vars: hostVarsFor(host, layers), ...overrides });
