/**
 * The e2e cluster: the seed's topology on real systemd hosts.
 *
 * - three test hosts (test/hosts): `etcd1` in k8s_etcd, `worker1` and
 *   `worker2` in k8s_worker; the controller is this machine (it runs tend);
 * - TLS material made with openssl under a temp `k8s_ca_conf_directory` /
 *   `k8s_config_directory` (tls.ts);
 * - Debian's etcd on etcd1, TLS on 127.0.0.1:2379 with the v2 API, run as a
 *   transient unit (`systemd-run`), as an earlier role would have left it;
 * - stand-in artifacts (test/artifacts) on a loopback HTTP server; the hosts
 *   have no network, so the inventory sets `tend_download_mode: controller`;
 * - an Ansible YAML inventory: hosts.yml, group_vars/all.yml = the seed's
 *   example variables unchanged, group_vars/k8s.yml = what this test bed
 *   needs (docker connection, directories, urls, checksums, no ip_vs), and
 *   host_vars/<host>.yml written by tests for their scenario.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "@tend/cli";
import {
  type Artifact,
  type ArtifactServer,
  generateArtifacts,
  serveArtifacts,
  sha256,
  sha512,
} from "../artifacts/artifacts.js";
import { type CommandOutput, execOnHost, startHosts, stopHosts, type TestHost } from "../hosts/hosts.js";
import { makeTls } from "./tls.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));

/** Flannel versions served: the seed's, and one to upgrade to. */
export const FLANNEL_VERSIONS = ["v0.10.0", "v0.11.0"] as const;

/** Where etcd1 keeps the etcd server's own copy of its certificates. */
export const ETCD_CERT_DIR = "/etc/e2e-etcd";

/** What one `tend` run printed and returned. */
export interface TendRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Cluster {
  /** Scratch directory of this cluster (certs, configs, inventory, controller cache). */
  readonly work: string;
  /** Inventory name → test host: etcd1, worker1 … workerN. */
  readonly hosts: ReadonlyMap<string, TestHost>;
  readonly certs: string;
  readonly configs: string;
  /** hosts.yml of the inventory. */
  readonly inventory: string;
  /** The variables of group_vars/k8s.yml. */
  readonly testVars: Readonly<Record<string, unknown>>;
  readonly server: ArtifactServer;
  readonly artifacts: readonly Artifact[];
  /** The artifact whose upstream path ends with `suffix`. */
  artifact(suffix: string): Artifact;
  /** Writes host_vars/<host>.yml (undefined removes it). */
  setHostVars(host: string, vars: Record<string, unknown> | undefined): void;
  /** Runs tend in this process with the controller cache of this cluster. */
  tend(args: readonly string[]): Promise<TendRun>;
  /** Runs a shell script on an inventory host as root, outside of tend. */
  sh(host: string, script: string): Promise<CommandOutput>;
  /** Like sh, and returns trimmed stdout; throws when the script fails. */
  out(host: string, script: string): Promise<string>;
  stop(): Promise<void>;
}

/** Runs `main()` of @tend/cli with captured output, no colour and the given cache. */
export const runTend = async (
  args: readonly string[],
  env: Record<string, string | undefined>,
): Promise<TendRun> => {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdinIsTTY: false,
    env,
    cwd: process.cwd(),
    prompt: async () => undefined,
  });
  return { code, stdout, stderr };
};

const putFile = async (host: TestHost, path: string, bytes: Uint8Array, mode: string): Promise<void> => {
  const r = await execOnHost(
    host,
    ["sh", "-c", `mkdir -p "$(dirname "$1")" && cat > "$1" && chmod ${mode} "$1"`, "put", path],
    {
      stdin: bytes,
    },
  );
  if (r.code !== 0) throw new Error(`${host.name}: cannot write ${path}: ${r.stderr.toString()}`);
};

const etcdctl3 = `ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=${ETCD_CERT_DIR}/ca-etcd.pem --cert=${ETCD_CERT_DIR}/cert-etcd.pem --key=${ETCD_CERT_DIR}/cert-etcd-key.pem`;

/** Starts Debian's etcd on the host with TLS on 127.0.0.1:2379 and the v2 API, and waits until it is healthy. */
const startEtcd = async (host: TestHost, name: string, certs: string): Promise<void> => {
  for (const f of ["ca-etcd.pem", "cert-etcd.pem", "cert-etcd-key.pem"])
    await putFile(host, `${ETCD_CERT_DIR}/${f}`, readFileSync(join(certs, f)), "0600");
  const argv = [
    "systemd-run",
    "--unit=e2e-etcd",
    "--property=Restart=on-failure",
    "/usr/bin/etcd",
    `--name=${name}`,
    "--data-dir=/var/lib/e2e-etcd",
    "--enable-v2=true",
    "--listen-client-urls=https://127.0.0.1:2379",
    "--advertise-client-urls=https://127.0.0.1:2379",
    "--listen-peer-urls=http://127.0.0.1:2380",
    "--initial-advertise-peer-urls=http://127.0.0.1:2380",
    `--initial-cluster=${name}=http://127.0.0.1:2380`,
    `--cert-file=${ETCD_CERT_DIR}/cert-etcd.pem`,
    `--key-file=${ETCD_CERT_DIR}/cert-etcd-key.pem`,
    `--trusted-ca-file=${ETCD_CERT_DIR}/ca-etcd.pem`,
    "--client-cert-auth=true",
  ];
  // Debian's packaged etcd.service (plain http on localhost:2379) would hold the port.
  await execOnHost(host, ["sh", "-c", "systemctl disable --now etcd.service >/dev/null 2>&1; true"]);
  const started = await execOnHost(host, argv);
  if (started.code !== 0) throw new Error(`${host.name}: systemd-run etcd: ${started.stderr.toString()}`);
  let last = "";
  for (let i = 0; i < 120; i++) {
    const r = await execOnHost(host, ["sh", "-c", `${etcdctl3} endpoint health`]);
    if (r.code === 0) return;
    last = r.stderr.toString().trim();
    await new Promise((res) => setTimeout(res, 250));
  }
  const log = await execOnHost(host, ["journalctl", "-u", "e2e-etcd", "--no-pager", "-n", "20"]);
  throw new Error(`${host.name}: etcd not healthy: ${last}\n${log.stdout.toString()}`);
};

/** The variables this test bed adds to the seed's (group_vars/k8s.yml). */
const testVarsFor = (base: string, certs: string, configs: string, artifacts: readonly Artifact[]) => {
  const find = (suffix: string) => {
    const a = artifacts.find((x) => x.path.endsWith(suffix));
    if (!a) throw new Error(`no artifact ${suffix}`);
    return a.bytes;
  };
  return {
    ansible_connection: "docker",
    k8s_ca_conf_directory: certs,
    k8s_config_directory: configs,
    // Debian's etcd-client package puts etcdctl in /usr/bin.
    etcd_bin_dir: "/usr/bin",
    // The hosts have no network: the controller fetches and uploads.
    tend_download_mode: "controller",
    // This kernel has no loadable modules and no ip_vs (DESIGN.md "Test hosts").
    tend_kernel_modules: ["nf_conntrack", "br_netfilter"],
    flannel_download_url: `${base}/coreos/flannel/releases/download/{{flannel_version}}/flanneld-amd64`,
    flannel_checksum: sha256(find(`${FLANNEL_VERSIONS[0]}/flanneld-amd64`)),
    docker_download_url: `${base}/linux/static/stable/x86_64/docker-{{docker_version}}.tgz`,
    docker_checksum: sha256(find("docker-18.09.6.tgz")),
    k8s_cni_plugin_url: `${base}/containernetworking/plugins/releases/download/v{{k8s_cni_plugin_version}}/cni-plugins-amd64-v{{k8s_cni_plugin_version}}.tgz`,
    k8s_cni_plugin_checksum: sha512(find("cni-plugins-amd64-v0.7.5.tgz")),
    k8s_release_url_base: `${base}/kubernetes-release/release`,
  };
};

// JSON is YAML; the seed's all.yml is copied as text.
const yaml = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** Begins container and host names; default "e2e". */
  readonly prefix?: string;
  /** How many k8s_worker hosts (worker1..workerN); default 2. */
  readonly workers?: number;
}

/** Starts the cluster; on failure everything started is removed again. */
export const startCluster = async (options: ClusterOptions = {}): Promise<Cluster> => {
  const prefix = options.prefix ?? "e2e";
  const workerNames = Array.from({ length: options.workers ?? 2 }, (_, i) => `worker${i + 1}`);
  const work = mkdtempSync(join(tmpdir(), `tend-${prefix}-`));
  const started: TestHost[] = [];
  let server: ArtifactServer | undefined;
  try {
    const [boot, artifacts] = await Promise.all([
      startHosts(1 + workerNames.length, { prefix }),
      Promise.resolve().then(() => generateArtifacts({ flannel: [...FLANNEL_VERSIONS] })),
    ]);
    started.push(...boot);
    const etcdHost = boot[0] as TestHost;
    const hosts = new Map([
      ["etcd1", etcdHost],
      ...workerNames.map((w, i) => [w, boot[i + 1] as TestHost] as const),
    ]);
    const { certs, configs } = makeTls(work, workerNames, etcdHost.ip);
    server = await serveArtifacts(artifacts);
    await startEtcd(etcdHost, "etcd1", certs);

    const invDir = join(work, "inventory");
    for (const d of ["group_vars", "host_vars"]) mkdirSync(join(invDir, d), { recursive: true });
    const inventory = join(invDir, "hosts.yml");
    const group = (names: string[]) => ({
      hosts: Object.fromEntries(names.map((n) => [n, { ansible_host: hosts.get(n)?.container }])),
    });
    writeFileSync(
      inventory,
      yaml({
        all: {
          children: {
            k8s: { children: { k8s_etcd: group(["etcd1"]), k8s_worker: group(workerNames) } },
          },
        },
      }),
    );
    writeFileSync(
      join(invDir, "group_vars", "all.yml"),
      readFileSync(join(repo, "examples/seed-worker/group_vars/all.yml")),
    );
    const testVars = testVarsFor(server.baseUrl, certs, configs, artifacts);
    writeFileSync(join(invDir, "group_vars", "k8s.yml"), yaml(testVars));

    const env = { ...process.env, XDG_CACHE_HOME: join(work, "cache"), NO_COLOR: "1" };
    const host = (name: string): TestHost => {
      const h = hosts.get(name);
      if (!h) throw new Error(`no host ${name} in the e2e cluster`);
      return h;
    };
    const srv = server;
    const cluster: Cluster = {
      work,
      hosts,
      certs,
      configs,
      inventory,
      testVars,
      server: srv,
      artifacts,
      artifact: (suffix) => {
        const a = artifacts.find((x) => x.path.endsWith(suffix));
        if (!a) throw new Error(`no artifact ending with ${suffix}`);
        return a;
      },
      setHostVars: (name, vars) => {
        const file = join(invDir, "host_vars", `${name}.yml`);
        if (vars === undefined) rmSync(file, { force: true });
        else writeFileSync(file, yaml(vars));
      },
      tend: (args) => runTend(args, env),
      sh: (name, script) => execOnHost(host(name), ["sh", "-c", script]),
      out: async (name, script) => {
        const r = await execOnHost(host(name), ["sh", "-c", script]);
        if (r.code !== 0)
          throw new Error(`${name}: ${script}: exit ${r.code}: ${r.stderr.toString().trim()}`);
        return r.stdout.toString().trim();
      },
      stop: async () => {
        await srv.close();
        await stopHosts(started);
        rmSync(work, { recursive: true, force: true });
      },
    };
    return cluster;
  } catch (e) {
    await server?.close();
    await stopHosts(started);
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
};

/** `ETCDCTL_API=2 etcdctl get KEY` on the etcd host with the cluster's etcd certificates. */
export const etcdGetV2 = (cluster: Cluster, key: string): Promise<string> =>
  cluster.out(
    "etcd1",
    `ETCDCTL_API=2 etcdctl --endpoints=https://127.0.0.1:2379 --ca-file=${ETCD_CERT_DIR}/ca-etcd.pem --cert-file=${ETCD_CERT_DIR}/cert-etcd.pem --key-file=${ETCD_CERT_DIR}/cert-etcd-key.pem get ${key}`,
  );
