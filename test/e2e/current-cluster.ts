/**
 * The current-stack e2e bed: one systemd test host `worker1` in k8s_worker,
 * an inventory in the current roles' variable names, Debian's real
 * containerd, runc and CNI plugins repackaged as upstream archives
 * (test/artifacts/debian.ts) and stand-in kubelet/kube-proxy/kubectl on a
 * loopback HTTP server. The host has no network, so the controller
 * downloads (`tend_download_mode: controller`).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Artifact, type ArtifactServer, serveArtifacts } from "../artifacts/artifacts.js";
import { type CurrentVersions, currentArtifacts, debianVersions } from "../artifacts/debian.js";
import { type CommandOutput, execOnHost, startHosts, stopHosts, type TestHost } from "../hosts/hosts.js";
import { runTend, type TendRun } from "./cluster.js";
import { makeTls } from "./tls.js";

/** Kubernetes releases served: the current role's, and one to upgrade to. */
export const K8S_RELEASES = ["1.34.4", "1.35.0"] as const;

/** A version 2 containerd config with the role's settings, for Debian's containerd 1.6. */
export const CONTAINERD_CONFIG_V2 = `version = 2
[plugins."io.containerd.grpc.v1.cri".containerd]
  default_runtime_name = "runc"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      BinaryName = "/usr/local/sbin/runc"
      SystemdCgroup = true
[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "/opt/cni/bin"
  conf_dir = "/etc/cni/net.d"
`;

export interface CurrentBed {
  readonly work: string;
  readonly host: TestHost;
  readonly inventory: string;
  readonly certs: string;
  readonly versions: CurrentVersions;
  readonly server: ArtifactServer;
  readonly artifacts: readonly Artifact[];
  /** The artifact whose path ends with `suffix`. */
  artifact(suffix: string): Artifact;
  /** Writes host_vars/worker1.yml (undefined removes it). */
  setHostVars(vars: Record<string, unknown> | undefined): void;
  tend(args: readonly string[]): Promise<TendRun>;
  sh(script: string): Promise<CommandOutput>;
  /** Trimmed stdout of a script on worker1; throws when it fails. */
  out(script: string): Promise<string>;
  stop(): Promise<void>;
}

const yaml = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

/** group_vars/all.yml: the current roles' names, only what this bed must say. */
const groupVars = (base: string, certs: string, v: CurrentVersions) => ({
  ansible_connection: "docker",
  k8s_interface: "wg0",
  k8s_config_cluster_name: "k8s",
  k8s_ca_conf_directory: certs,
  // No k8s_controller host in this inventory.
  k8s_worker_api_endpoint_host: "127.0.0.1",
  k8s_worker_release: K8S_RELEASES[0],
  containerd_version: v.containerd,
  containerd_url: `${base}/containerd/containerd/releases/download/v{{ containerd_version }}/{{ containerd_archive_base }}`,
  containerd_config: CONTAINERD_CONFIG_V2,
  runc_version: v.runc,
  runc_url: `${base}/opencontainers/runc/releases/download/v{{ runc_version }}/{{ runc_archive }}`,
  runc_checksum: `sha256:${base}/opencontainers/runc/releases/download/v{{ runc_version }}/runc.sha256sum`,
  cni_version: v.cni,
  cni_url: `${base}/containernetworking/plugins/releases/download/v{{ cni_version }}/{{ cni_archive }}`,
  tend_download_mirror: base,
  tend_download_mode: "controller",
  // This kernel has no loadable modules and no ip_vs (DESIGN.md "Test hosts").
  tend_kernel_modules: ["nf_conntrack", "br_netfilter"],
});

/** Starts the bed; on failure everything started is removed again. */
export const startCurrentBed = async (prefix = "cur"): Promise<CurrentBed> => {
  const work = mkdtempSync(join(tmpdir(), `tend-${prefix}-`));
  const started: TestHost[] = [];
  let server: ArtifactServer | undefined;
  try {
    const versions = debianVersions();
    const [hosts, artifacts] = await Promise.all([
      startHosts(1, { prefix }),
      Promise.resolve().then(() => currentArtifacts(versions, K8S_RELEASES)),
    ]);
    started.push(...hosts);
    const host = hosts[0] as TestHost;
    const { certs } = makeTls(work, ["worker1"], "127.0.0.1");
    // The current role names kube-proxy's client certificate cert-k8s-proxy.
    copyFileSync(join(work, "csr", "cert-kube-proxy.pem"), join(certs, "cert-k8s-proxy.pem"));
    copyFileSync(join(work, "csr", "cert-kube-proxy-key.pem"), join(certs, "cert-k8s-proxy-key.pem"));
    server = await serveArtifacts(artifacts);
    const invDir = join(work, "inventory");
    for (const d of ["group_vars", "host_vars"]) mkdirSync(join(invDir, d), { recursive: true });
    const inventory = join(invDir, "hosts.yml");
    writeFileSync(
      inventory,
      yaml({ all: { children: { k8s_worker: { hosts: { worker1: { ansible_host: host.container } } } } } }),
    );
    writeFileSync(join(invDir, "group_vars", "all.yml"), yaml(groupVars(server.baseUrl, certs, versions)));
    const env = { ...process.env, XDG_CACHE_HOME: join(work, "cache"), NO_COLOR: "1" };
    const srv = server;
    return {
      work,
      host,
      inventory,
      certs,
      versions,
      server: srv,
      artifacts,
      artifact: (suffix) => {
        const a = artifacts.find((x) => x.path.endsWith(suffix));
        if (!a) throw new Error(`no artifact ending with ${suffix}`);
        return a;
      },
      setHostVars: (vars) => {
        const file = join(invDir, "host_vars", "worker1.yml");
        if (vars === undefined) rmSync(file, { force: true });
        else writeFileSync(file, yaml(vars));
      },
      tend: (args) => runTend(args, env),
      sh: (script) => execOnHost(host, ["sh", "-c", script]),
      out: async (script) => {
        const r = await execOnHost(host, ["sh", "-c", script]);
        if (r.code !== 0)
          throw new Error(`worker1: ${script}: exit ${r.code}: ${r.stderr.toString().trim()}`);
        return r.stdout.toString().trim();
      },
      stop: async () => {
        await srv.close();
        await stopHosts(started);
        rmSync(work, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await server?.close();
    await stopHosts(started);
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
};
