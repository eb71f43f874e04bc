/**
 * The controller-side files a host's resources will read (certificates,
 * kubeconfigs, CA certificates), known from its variables and groups alone,
 * so that the CLI can check that they exist and are readable before it
 * connects to anything. Pure: the CLI does the reading.
 */
import type { WorkerVars } from "./codec.js";
import type { CurrentVars } from "./current-codec.js";
import { bindDeferred } from "./deferred.js";
import { type HostVars, isCurrent } from "./host-vars.js";

/** A file on the controller, and the variable whose directory holds it. */
export interface ControllerSource {
  readonly path: string;
  /** The variable naming the directory (what a user fixes when the file is missing). */
  readonly variable: string;
  /** The variable listing the file, when it comes from a list. */
  readonly listedIn?: string;
}

/**
 * The variables `keys` of `vars` with their deferred values bound (no
 * address known, the controller's home): the same values as binding every
 * variable, for the few read here (a host has about a hundred, and a fleet
 * checks every host's files).
 */
const bound = <V extends object, K extends keyof V>(
  vars: V,
  home: string,
  keys: readonly K[],
): Pick<V, K> => {
  const out = {} as Pick<V, K>;
  for (const k of keys) out[k] = bindDeferred(vars[k], { ipOf: () => undefined, home });
  return out;
};

const under = (dir: string, name: string): string => `${dir.replace(/\/+$/, "")}/${name}`;

/**
 * The files `resourcesForHost` will name as `source` for this host: the
 * etcd certificates and Docker's CA certificates on every k8s host, and the
 * worker's certificates and kubeconfigs on k8s_worker hosts. Downloaded
 * artifacts are not here: they are fetched into the cache during the run.
 */
export const controllerSources = (
  host: string,
  groups: readonly string[],
  vars: HostVars,
  controllerHome: string,
  k8sGroups: readonly string[],
): ControllerSource[] => {
  if (!groups.some((g) => k8sGroups.includes(g))) return [];
  if (isCurrent(vars)) return currentSources(host, groups, vars, controllerHome);
  const v = bound(vars, controllerHome, [
    "k8s_ca_conf_directory",
    "etcd_certificates",
    "docker_ca_certificates_src_dir",
    "docker_ca_certificates",
    "k8s_worker_certificates",
    "k8s_config_directory",
  ]);
  const out: ControllerSource[] = [];
  const add = (dirVar: keyof WorkerVars, dir: string, names: readonly string[], listedIn?: string) => {
    for (const name of names)
      out.push({ path: under(dir, name), variable: dirVar, ...(listedIn ? { listedIn } : {}) });
  };
  add("k8s_ca_conf_directory", v.k8s_ca_conf_directory, v.etcd_certificates, "etcd_certificates");
  add(
    "docker_ca_certificates_src_dir",
    v.docker_ca_certificates_src_dir,
    v.docker_ca_certificates,
    "docker_ca_certificates",
  );
  if (groups.includes("k8s_worker")) {
    add(
      "k8s_ca_conf_directory",
      v.k8s_ca_conf_directory,
      v.k8s_worker_certificates,
      "k8s_worker_certificates",
    );
    add("k8s_ca_conf_directory", v.k8s_ca_conf_directory, [`cert-${host}.pem`, `cert-${host}-key.pem`]);
    add("k8s_config_directory", v.k8s_config_directory, [`${host}.kubeconfig`, "kube-proxy.kubeconfig"]);
  }
  const byPath = new Map<string, ControllerSource>();
  for (const s of out) if (!byPath.has(s.path)) byPath.set(s.path, s);
  return [...byPath.values()];
};

/**
 * The current generation's controller files (kubernetes-worker-current.ts):
 * the worker's certificates from `k8s_ca_conf_directory`; its kubeconfigs
 * are rendered, not copied, so they are no controller files.
 */
const currentSources = (
  host: string,
  groups: readonly string[],
  vars: CurrentVars,
  controllerHome: string,
): ControllerSource[] => {
  if (!groups.includes("k8s_worker")) return [];
  const v = bound(vars, controllerHome, ["k8s_worker_certificates", "k8s_ca_conf_directory"]);
  const names = [...new Set([...v.k8s_worker_certificates, `cert-${host}.pem`, `cert-${host}-key.pem`])];
  return names.map((name) => ({
    path: under(v.k8s_ca_conf_directory, name),
    variable: "k8s_ca_conf_directory",
    ...(v.k8s_worker_certificates.includes(name) ? { listedIn: "k8s_worker_certificates" } : {}),
  }));
};
