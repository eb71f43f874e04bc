/**
 * The real worker modules through main(), on SimHosts: the seed's inventory
 * shape, controller download mode with artifacts served by an injected
 * fetch, etcd endpoints from a host outside --limit.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodePlan, type Plan } from "@tend/core";
import { freshDebianHost, SimHost, tarArchive } from "@tend/core/testing";
import { describe, expect, it } from "vitest";
import { main } from "./index.js";
import type { Connection } from "./internal/connect.js";
import { workerModules } from "./internal/engine-bridge.js";
import { fileOn, recordingIo, simDeps, tempDir } from "./test-support.js";

const MIRROR = "http://mirror.test";
const sha = (algo: string, b: Uint8Array | string) => createHash(algo).update(b).digest("hex");
const bin = (name: string) => `#!/bin/sh\necho ${name}\n`;

/** The mirror's files (layout of @tend/modules' downloads.ts) and the checksum variables that pin them. */
const mirror = () => {
  const files: Record<string, Uint8Array> = {};
  const put = (path: string, data: Uint8Array | string) => {
    files[`${MIRROR}/${path}`] = typeof data === "string" ? new TextEncoder().encode(data) : data;
  };
  put("flannel/v0.10.0/flanneld-amd64", bin("flanneld"));
  const dockerBins = [
    "containerd",
    "containerd-shim",
    "ctr",
    "docker",
    "dockerd",
    "docker-init",
    "docker-proxy",
    "runc",
  ];
  const docker = tarArchive(
    dockerBins.map((b) => ({ path: `docker/${b}`, content: bin(b), mode: 0o755 })),
    { gzip: true },
  );
  put("docker/docker-18.09.6.tgz", docker);
  const cni = tarArchive(
    ["bridge", "flannel", "loopback", "portmap"].map((b) => ({
      path: `./${b}`,
      content: bin(b),
      mode: 0o755,
    })),
    { gzip: true },
  );
  put("cni-plugins/v0.7.5/cni-plugins-amd64-v0.7.5.tgz", cni);
  for (const b of ["kube-proxy", "kubelet", "kubectl"]) {
    put(`kubernetes/v1.17.4/bin/linux/amd64/${b}`, bin(b));
    put(`kubernetes/v1.17.4/bin/linux/amd64/${b}.sha256`, `${sha("sha256", bin(b))}  ${b}\n`);
  }
  const vars = {
    flannel_checksum: sha("sha256", bin("flanneld")),
    docker_checksum: sha("sha256", docker),
    k8s_cni_plugin_checksum: sha("sha512", cni),
  };
  return { files, vars };
};

/** Certificates and kubeconfigs on the "controller", where the seed keeps them. */
const controllerFiles = () => {
  const dir = tempDir("worker-");
  mkdirSync(join(dir, "certs"));
  mkdirSync(join(dir, "configs"));
  const certs = [
    "ca-etcd.pem",
    "ca-etcd-key.pem",
    "cert-etcd.pem",
    "cert-etcd-key.pem",
    "ca-k8s-apiserver.pem",
    "ca-k8s-apiserver-key.pem",
    "cert-k8s-apiserver.pem",
    "cert-k8s-apiserver-key.pem",
    "cert-worker1.pem",
    "cert-worker1-key.pem",
  ];
  for (const c of certs) writeFileSync(join(dir, "certs", c), `-----BEGIN ${c}-----\n`);
  for (const k of ["worker1.kubeconfig", "kube-proxy.kubeconfig"])
    writeFileSync(join(dir, "configs", k), `kind: Config # ${k}\n`);
  return dir;
};

const setup = () => {
  const dir = controllerFiles();
  const { files, vars } = mirror();
  const groupVars = {
    k8s_interface: "wg0",
    k8s_ca_conf_directory: join(dir, "certs"),
    k8s_config_directory: join(dir, "configs"),
    tend_download_mode: "controller",
    tend_download_mirror: MIRROR,
    ...vars,
  };
  mkdirSync(join(dir, "group_vars"));
  writeFileSync(join(dir, "group_vars", "all.json"), JSON.stringify(groupVars));
  const inv = join(dir, "hosts.ini");
  writeFileSync(inv, "[k8s_etcd]\netcd1\n[k8s_worker]\nworker1\n[k8s:children]\nk8s_etcd\nk8s_worker\n");
  // The worker's Debian packages that SimHost's stock repository lacks.
  const available = {
    packages: { iptables: "1.8.9-2", iptstate: "2.2.7-1", netbase: "6.4", "netstat-nat": "1.4.10-4" },
  };
  const host = (name: string, wg0: string) =>
    new SimHost(freshDebianHost({ host: { hostname: name }, wg0, available }), { name });
  const hosts = { etcd1: host("etcd1", "10.8.0.101"), worker1: host("worker1", "10.8.0.121") };
  const fetched: string[] = [];
  const deps = {
    ...simDeps(hosts, workerModules),
    fetch: async (url: string) => {
      fetched.push(url);
      const body = files[url];
      return body ? new Response(Buffer.from(body)) : new Response("not found", { status: 404 });
    },
  };
  return { inv, hosts, deps, fetched };
};

describe("the worker modules through the CLI, on SimHosts", () => {
  it("fetches the Kubernetes checksum files for workers only", async () => {
    const { inv, deps, fetched } = setup();
    await main(["plan", "-i", inv, "--limit", "etcd1"], recordingIo(), deps);
    expect(fetched.filter((u) => u.endsWith(".sha256"))).toEqual([]);
  });

  it("plans a fresh worker (exit 2), applies it converged, then plans nothing (exit 0)", async () => {
    const { inv, hosts, deps, fetched } = setup();
    const planIo = recordingIo();
    expect(
      await main(["plan", "-i", inv, "--limit", "worker1", "--json", "--detailed-exitcode"], planIo, deps),
    ).toBe(2);
    const plan = decodePlan(planIo.out());
    if (plan._tag === "Left") throw new Error(planIo.err());
    const worker = (plan.right as Plan).hosts[0];
    expect(worker?.host).toBe("worker1");
    const ids = worker?.status === "ready" ? worker.actions.map((a) => a.id) : [];
    expect(ids).toContain("service[kubelet]");
    // flanneld's etcd endpoints come from etcd1's facts, although etcd1 is outside --limit.
    expect(planIo.out()).toContain("https://10.8.0.101:2379");
    expect(fetched).toContain(`${MIRROR}/kubernetes/v1.17.4/bin/linux/amd64/kubelet.sha256`);
    expect(hosts.etcd1.opLog).toEqual([]);
    expect(hosts.worker1.opLog).toEqual([]);

    const applyIo = recordingIo();
    expect(await main(["apply", "-i", inv, "--limit", "worker1", "--yes"], applyIo, deps)).toBe(0);
    expect(applyIo.out()).toMatch(/worker1: applied \d+ ops; converged/);
    expect(fileOn(hosts.worker1, "/usr/local/bin/kubelet")).toBe(bin("kubelet"));
    expect(hosts.worker1.state.services["kubelet.service"]?.active).toBe("active");

    const againIo = recordingIo();
    expect(await main(["plan", "-i", inv, "--limit", "worker1", "--detailed-exitcode"], againIo, deps)).toBe(
      0,
    );
    expect(againIo.out()).toContain("no changes");
  });

  it("a variable error names the variable, its file, line and host, and no host is contacted", async () => {
    const { inv, deps } = setup();
    mkdirSync(join(inv, "..", "host_vars"));
    writeFileSync(join(inv, "..", "host_vars", "worker1.yml"), "# worker1\ndocker_uid: many\n");
    const io = recordingIo();
    let opened = 0;
    const counting = {
      ...deps,
      openTarget: (c: Connection) => {
        opened++;
        return deps.openTarget(c);
      },
    };
    expect(await main(["plan", "-i", inv], io, counting)).toBe(1);
    expect(io.err()).toMatch(/host_vars\/worker1\.yml:2: docker_uid: expected a user or group id/);
    expect(io.err()).toContain("host: worker1");
    expect(opened).toBe(0);
  });

  it("an unreachable host whose facts others need is named as the cause", async () => {
    const { inv, hosts, deps } = setup();
    const io = recordingIo();
    const noEtcd = { ...deps, openTarget: simDeps({ worker1: hosts.worker1 }).openTarget };
    expect(await main(["plan", "-i", inv, "--limit", "worker1"], io, noEtcd)).toBe(1);
    expect(io.err()).toContain("etcd1 (needed for its facts): etcd1: cannot connect");
    expect(io.out()).toContain("etcd1");
  });
});
