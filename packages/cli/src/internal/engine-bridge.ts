/**
 * The one file that knows the real modules and transports: it fills the
 * CLI's Deps from @tend/modules, @tend/transport-{ssh,local,docker} and
 * ShellTarget. Everything else in the CLI talks to the Deps interface, so
 * tests swap this file's work for a SimHost and a small module set.
 */
import { homedir, hostname, userInfo } from "node:os";
import { join } from "node:path";
import { ipv4Of, ShellTarget, type Target, type Transport } from "@tend/core";
import {
  artifactsFor,
  controllerSources,
  describeModuleError,
  generationOf,
  type HostVars,
  healthGatesFor,
  hostNameProblem,
  K8S_GROUPS,
  requiredChecksumUrls,
  resolveVars,
  resourcesForHost,
  type VarError,
  varErrorMessage,
  type WorkerVars,
} from "@tend/modules";
import { type Either, isLeft, left, mapLeft, right } from "fp-ts/lib/Either.js";
import { defaultCacheDir } from "./artifacts.js";
import { describeTransportFailure } from "./become-messages.js";
import type { Connection } from "./connect.js";
import type { Deps, Modules } from "./facade.js";
import { httpGet } from "./http-get.js";
import { groupsOfHost, hostsOfGroup, type Inventory } from "./inventory/index.js";

const expandHome = (path: string): string =>
  path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;

/**
 * The hosts of the groups factHosts looks at, once per inventory: planning
 * asks factHosts once per host, and each lookup walks the whole inventory.
 */
const clusterGroups = new WeakMap<
  Inventory,
  { readonly etcd: readonly string[]; readonly controller?: string; readonly workers: ReadonlySet<string> }
>();
const clusterGroupsOf = (inventory: Inventory) => {
  let g = clusterGroups.get(inventory);
  if (!g) {
    const controller = hostsOfGroup(inventory, "k8s_controller")[0];
    g = {
      etcd: hostsOfGroup(inventory, "k8s_etcd"),
      ...(controller !== undefined ? { controller } : {}),
      workers: new Set(hostsOfGroup(inventory, "k8s_worker")),
    };
    clusterGroups.set(inventory, g);
  }
  return g;
};

/** The worker modules behind the Modules interface. */
export const workerModules: Modules = {
  groups: K8S_GROUPS,
  resolveVars: (layers, host) =>
    mapLeft((errors: readonly VarError[]) =>
      errors.map((e) => ({ variable: e.variable, origin: e.origin, message: varErrorMessage(e) })),
    )(resolveVars(layers, host)),
  preflight: (host, groups, vars) => {
    const inK8s = groups.some((g) => K8S_GROUPS.includes(g));
    const bad = inK8s ? hostNameProblem(host) : undefined;
    return {
      problems: bad
        ? [
            {
              message: `host name ${JSON.stringify(host)} cannot be used in file names (cert-<host>.pem): ${bad}`,
            },
          ]
        : [],
      // A name that cannot be a file name names no controller file either.
      files: bad ? [] : controllerSources(host, groups, vars as HostVars, homedir(), K8S_GROUPS),
    };
  },
  // Only workers run kubelet, kube-proxy and the CNI plugins: other hosts fetch nothing for them.
  checksumUrls: (vars, groups) =>
    groups.includes("k8s_worker") ? requiredChecksumUrls(vars as WorkerVars) : [],
  controllerArtifacts: (vars, checksums, groups) => {
    const v = vars as WorkerVars;
    return v.tend_download_mode === "controller"
      ? artifactsFor(v, { checksums, worker: groups.includes("k8s_worker") })
      : [];
  },
  // flanneld's etcd endpoints are the addresses of every k8s_etcd host; a current-generation
  // worker's API endpoint defaults to the first k8s_controller's address (unless it is set).
  factHosts: (inventory, hosts, layersOf) => {
    const { etcd, controller, workers } = clusterGroupsOf(inventory);
    const needsController = hosts.some((h) => {
      if (!workers.has(h)) return false;
      const layers = layersOf(h);
      const generation = generationOf(layers, h);
      return (
        generation._tag === "Right" &&
        generation.right === "current" &&
        !layers.some((l) => Object.hasOwn(l.vars, "k8s_worker_api_endpoint_host"))
      );
    });
    return controller !== undefined && needsController && !etcd.includes(controller)
      ? [...etcd, controller]
      : etcd;
  },
  resources: (host, cluster) => {
    const self = cluster.hosts.get(host);
    if (self?.facts === undefined || self.vars === undefined) return left([`${host}: no facts or variables`]);
    const r = resourcesForHost({
      inventoryHostname: host,
      groups: groupsOfHost(cluster.inventory, host)
        .map((g) => g.name)
        .filter((g) => g !== "all"),
      vars: self.vars as WorkerVars,
      facts: self.facts,
      cluster: {
        hostsOf: (group) => hostsOfGroup(cluster.inventory, group),
        factsOf: (h) => cluster.hosts.get(h)?.facts,
      },
      checksums: cluster.checksums,
      controllerHome: homedir(),
      cacheDir: cluster.cacheDir,
    });
    return isLeft(r) ? left(r.left.map(describeModuleError)) : right(r.right);
  },
  healthGates: (host, cluster, resources) => {
    const self = cluster.hosts.get(host);
    const iface = (self?.vars as { readonly k8s_interface?: string } | undefined)?.k8s_interface;
    const ip = self?.facts && iface ? ipv4Of(self.facts, iface) : undefined;
    return healthGatesFor(self?.vars, ip, resources, homedir());
  },
};

const transportFor = async (
  c: Connection,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Either<string, Transport>> => {
  // Each transport is loaded only when a host uses it: ssh2 and docker-modem
  // cost ~0.1 s of start-up each, paid on every run otherwise.
  switch (c.type) {
    case "local": {
      const { connectLocal } = await import("@tend/transport-local");
      // Connecting checks the become once, so a refused sudo or su shows here, with its advice.
      const t = await connectLocal({
        host: c.host,
        ...(c.becomeUser !== undefined ? { becomeUser: c.becomeUser } : {}),
        ...(c.becomeMethod !== undefined ? { becomeMethod: c.becomeMethod } : {}),
        ...(c.becomePassword !== undefined ? { becomePassword: c.becomePassword.reveal() } : {}),
      });
      return isLeft(t) ? left(describeTransportFailure(t.left, c)) : right(t.right);
    }
    case "docker": {
      const { dockerTransport } = await import("@tend/transport-docker");
      return right(dockerTransport({ container: c.container, host: c.host }));
    }
    case "ssh": {
      const { sshTransport } = await import("@tend/transport-ssh");
      const t = await sshTransport({
        host: c.host,
        address: c.address,
        port: c.port,
        username: c.username,
        become: c.become,
        hostKeyPolicy: c.hostKeyPolicy,
        ...(c.privateKeyPath !== undefined ? { privateKeyPath: expandHome(c.privateKeyPath) } : {}),
        ...(c.knownHostsPath !== undefined ? { knownHostsPath: expandHome(c.knownHostsPath) } : {}),
        ...(c.becomeUser !== undefined ? { becomeUser: c.becomeUser } : {}),
        ...(c.becomeMethod !== undefined ? { becomeMethod: c.becomeMethod } : {}),
        // The one place the password leaves its Secret: into the transport, which writes it to stdin only.
        ...(c.becomePassword !== undefined ? { becomePassword: c.becomePassword.reveal() } : {}),
        ...(c.proxyCommand !== undefined ? { proxyCommand: c.proxyCommand } : {}),
        ...(env.SSH_AUTH_SOCK ? { agent: env.SSH_AUTH_SOCK } : {}),
      });
      return isLeft(t) ? left(describeTransportFailure(t.left, c)) : right(t.right);
    }
  }
};

/** The real dependencies: worker modules, real transports under ShellTarget, httpGet (not fetch: see http-get.ts). */
export const defaultDeps = async (env: Readonly<Record<string, string | undefined>>): Promise<Deps> => ({
  modules: workerModules,
  openTarget: async (c): Promise<Either<string, Target>> => {
    const t = await transportFor(c, env);
    // An SSH login without become reads only what its user may: a refused path says how to fix it.
    const advice = c.type === "ssh" && !c.become ? { permissionVariable: "ansible_become" } : {};
    return isLeft(t) ? t : right(new ShellTarget(t.right, advice));
  },
  fetch: httpGet,
  cacheDir: defaultCacheDir(env),
  user: env.USER ?? env.LOGNAME ?? userInfo().username,
  localHost: hostname(),
});
