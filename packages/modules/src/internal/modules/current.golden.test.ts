/**
 * Golden tests of the current generation: the current roles' defaults on
 * worker1 produce docs/SPEC-current.md's end state, item by item (paths,
 * modes, owners, unit texts, configs), and the plan says which generation
 * each resource belongs to.
 */
import type { Resource } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { describeModuleError } from "../errors.js";
import { resourcesForHost } from "../host.js";
import { CURRENT_GROUP_VARS, currentContext } from "../testing/current-cluster.js";
import { seedContext } from "../testing/seed-cluster.js";
import { CONTAINERD_CONFIG_V3 } from "../vars/current-defaults.js";

const resources = (layers = [CURRENT_GROUP_VARS], host = "worker1"): Resource[] => {
  const r = resourcesForHost(currentContext(host, layers));
  if (E.isLeft(r)) throw new Error(r.left.map(describeModuleError).join("\n"));
  return r.right;
};
const byId = (rs: readonly Resource[], id: string): Resource => {
  const r = rs.find((x) => `${x.kind}[${x.name}]` === id);
  if (!r) throw new Error(`no ${id} among ${rs.map((x) => `${x.kind}[${x.name}]`).join(" ")}`);
  return r;
};
const props = (rs: readonly Resource[], id: string) => byId(rs, id).props as Record<string, unknown>;

const CONTAINERD_SERVICE = `[Unit]
Description=containerd container runtime
Documentation=https://containerd.io
After=network.target local-fs.target dbus.service

[Service]
Delegate=yes
ExecStart=/usr/local/bin/containerd
KillMode=process
LimitCORE=infinity
LimitNOFILE=1048576
LimitNPROC=infinity
OOMScoreAdjust=-999
Restart=always
RestartSec=5
Type=notify

[Install]
WantedBy=multi-user.target
`;

const KUBELET_SERVICE = `[Unit]
Description=Kubernetes Kubelet
Documentation=https://github.com/GoogleCloudPlatform/kubernetes
After=network-online.target
After=containerd.service
Requires=network-online.target
Requires=containerd.service
Wants=network-online.target

[Service]
ExecStart=/usr/local/bin/kubelet \\
  --config=/etc/kubernetes/worker/kubelet/kubelet-config.yaml \\
  --kubeconfig=/etc/kubernetes/worker/kubelet/kubeconfig \\
  --node-ip=10.8.0.121
Restart=always
RestartSec=10
WatchdogSec=30s

[Install]
WantedBy=multi-user.target
`;

const KUBE_PROXY_SERVICE = `[Unit]
Description=Kubernetes Kube Proxy
Documentation=https://github.com/GoogleCloudPlatform/kubernetes
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/local/bin/kube-proxy \\
  --config=/etc/kubernetes/worker/kube-proxy/kubeproxy-config.yaml
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
`;

const KUBELET_KUBECONFIG = `apiVersion: v1
clusters:
  - cluster:
      certificate-authority: /etc/kubernetes/worker/pki/ca-k8s-apiserver.pem
      server: https://10.8.0.111:6443
    name: k8s
contexts:
  - context:
      cluster: k8s
      user: system:node:worker1
    name: default
current-context: default
kind: Config
preferences: {}
users:
  - name: system:node:worker1
    user:
      client-certificate: /etc/kubernetes/worker/pki/cert-worker1.pem
      client-key: /etc/kubernetes/worker/pki/cert-worker1-key.pem
`;

describe("the current roles' defaults on worker1", () => {
  it("write containerd.service, kubelet.service and kube-proxy.service byte for byte as SPEC-current lists", () => {
    const rs = resources();
    expect(props(rs, "unit[containerd.service]")).toEqual({ content: CONTAINERD_SERVICE, mode: 0o644 });
    expect(props(rs, "unit[kubelet.service]")).toEqual({ content: KUBELET_SERVICE, mode: 0o644 });
    expect(props(rs, "unit[kube-proxy.service]")).toEqual({ content: KUBE_PROXY_SERVICE, mode: 0o644 });
  });

  it("write config.toml verbatim from containerd_config (version 3, the role's default) 0644, restarting containerd", () => {
    const r = byId(resources(), "file[/etc/containerd/config.toml]");
    expect(r.props).toEqual({
      content: CONTAINERD_CONFIG_V3,
      mode: 0o644,
      owner: "root",
      group: "root",
      format: "text",
    });
    expect(r.notify).toEqual(["service[containerd]"]);
    expect(CONTAINERD_CONFIG_V3).toMatch(/^version = 3\n/);
    expect(CONTAINERD_CONFIG_V3).toContain("BinaryName = '/usr/local/sbin/runc'");
  });

  it("install containerd's four binaries from the verified archive's bin/ and runc into /usr/local/sbin", () => {
    const rs = resources();
    const a = props(rs, "archive[/usr/local/bin]");
    expect(a.url).toBe(
      "https://github.com/containerd/containerd/releases/download/v2.1.4/containerd-2.1.4-linux-amd64.tar.gz",
    );
    expect(a.members).toEqual(["ctr", "containerd", "containerd-stress", "containerd-shim-runc-v2"]);
    expect(a.strip).toBe(1);
    expect(a.mode).toBe(0o755);
    expect((a.checksum as { algo: string }).algo).toBe("sha256");
    const runc = props(rs, "download[/usr/local/sbin/runc]");
    expect(runc.url).toBe("https://github.com/opencontainers/runc/releases/download/v1.4.0/runc.amd64");
    expect(runc.mode).toBe(0o755);
  });

  it("install the 18 CNI plugins of 1.8.0, and no kubelet restart for them (cni_restart_kubelet: false)", () => {
    const r = byId(resources(), "archive[/opt/cni/bin]");
    expect((r.props as { members: string[] }).members).toHaveLength(18);
    expect((r.props as { url: string }).url).toBe(
      "https://github.com/containernetworking/plugins/releases/download/v1.8.0/cni-plugins-linux-amd64-v1.8.0.tgz",
    );
    expect(r.notify).toBeUndefined();
    const restart = byId(
      resources([{ origin: "x", vars: { ...CURRENT_GROUP_VARS.vars, cni_restart_kubelet: true } }]),
      "archive[/opt/cni/bin]",
    );
    expect(restart.notify).toEqual(["service[kubelet]"]);
  });

  it("put the configuration under /etc/kubernetes/worker with the role's modes", () => {
    const rs = resources();
    const mode = (id: string) => props(rs, id).mode;
    expect(mode("directory[/etc/kubernetes/worker]")).toBe(0o750);
    expect(mode("directory[/etc/kubernetes/worker/pki]")).toBe(0o750);
    expect(mode("directory[/etc/kubernetes/worker/kubelet]")).toBe(0o700);
    expect(mode("directory[/etc/kubernetes/worker/kube-proxy]")).toBe(0o700);
    expect(mode("file[/etc/kubernetes/worker/kubelet/kubelet-config.yaml]")).toBe(0o600);
    expect(mode("file[/etc/kubernetes/worker/kubelet/kubeconfig]")).toBe(0o640);
  });

  it("copy no private key a worker does not need, and mark the keys it needs sensitive", () => {
    const files = resources()
      .filter((r) => r.kind === "file" && r.name.startsWith("/etc/kubernetes/worker/pki/"))
      .map((r) => [
        r.name.slice("/etc/kubernetes/worker/pki/".length),
        (r.props as { sensitive: boolean }).sensitive,
      ]);
    expect(Object.fromEntries(files)).toEqual({
      "ca-k8s-apiserver.pem": false,
      "cert-k8s-proxy.pem": false,
      "cert-k8s-proxy-key.pem": true,
      "cert-worker1.pem": false,
      "cert-worker1-key.pem": true,
    });
  });

  it("write kubeconfigs naming the certificate files, with the cluster name and the first controller's address", () => {
    expect(props(resources(), "file[/etc/kubernetes/worker/kubelet/kubeconfig]").content).toBe(
      KUBELET_KUBECONFIG,
    );
  });

  it("write the KubeletConfiguration with containerRuntimeEndpoint and the per-node certificate", () => {
    const doc = parse(
      props(resources(), "file[/etc/kubernetes/worker/kubelet/kubelet-config.yaml]").content as string,
    );
    expect(doc).toMatchObject({
      kind: "KubeletConfiguration",
      address: "10.8.0.121",
      containerRuntimeEndpoint: "unix:///run/containerd/containerd.sock",
      cgroupDriver: "systemd",
      registerNode: true,
      tlsCertFile: "/etc/kubernetes/worker/pki/cert-worker1.pem",
      authentication: { x509: { clientCAFile: "/etc/kubernetes/worker/pki/ca-k8s-apiserver.pem" } },
    });
  });

  it("start kubelet after containerd, and containerd after runc and the overlay module", () => {
    const rs = resources();
    expect(byId(rs, "service[kubelet]").deps).toContain("service[containerd]");
    expect(byId(rs, "service[containerd]").deps).toEqual(
      expect.arrayContaining(["download[/usr/local/sbin/runc]", "kmod[overlay]"]),
    );
  });

  it("say in every resource's origin which generation declared it, and declare no seed module", () => {
    const origins = new Set(resources().map((r) => r.origin));
    expect([...origins].sort()).toEqual([
      "@tend/modules/base-current",
      "@tend/modules/cni",
      "@tend/modules/containerd",
      "@tend/modules/kubernetes-worker-current",
      "@tend/modules/runc",
    ]);
  });

  it("give non-workers nothing, while the seed's inventory still gives every k8s host flanneld and Docker", () => {
    const etcd = resourcesForHost(currentContext("etcd1"));
    expect(etcd).toEqual(E.right([]));
    const seed = resourcesForHost(seedContext("etcd1"));
    expect(E.isRight(seed) && seed.right.some((r) => r.origin === "@tend/modules/flannel")).toBe(true);
  });

  it("name what is missing: the cluster name, the controller's facts, a checksum", () => {
    const noName = resourcesForHost(
      currentContext("worker1", [
        { origin: "all.yml", vars: { k8s_interface: "wg0", containerd_version: "2.1.4" } },
      ]),
    );
    expect(E.isLeft(noName) && noName.left.map(describeModuleError)).toEqual([
      "host worker1: k8s_config_cluster_name is not set; the kubeconfigs name their cluster with it (no role defines it)",
    ]);
    const ctx = currentContext("worker1");
    const noFacts = resourcesForHost({
      ...ctx,
      cluster: {
        hostsOf: ctx.cluster.hostsOf,
        factsOf: (h) => (h === "controller1" ? undefined : ctx.cluster.factsOf(h)),
      },
    });
    expect(E.isLeft(noFacts) && describeModuleError(noFacts.left[0] as never)).toContain(
      "host controller1: no facts gathered, but worker1 needs them (k8s_worker_api_endpoint_host",
    );
    const noSums = resourcesForHost({ ...ctx, checksums: new Map() });
    expect(
      E.isLeft(noSums) && noSums.left.map((e) => (e._tag === "MissingChecksum" ? e.artifact : e._tag)),
    ).toEqual(["runc", "CNI plugins archive", "containerd archive", "kube-proxy", "kubelet", "kubectl"]);
  });

  it("runc_checksum: sha256:<hex> is the digest itself, and no checksum file is fetched for runc", () => {
    const pinned = "ab".repeat(32);
    const layers = [
      { origin: "all.yml", vars: { ...CURRENT_GROUP_VARS.vars, runc_checksum: `sha256:${pinned}` } },
    ];
    const ctx = currentContext("worker1", layers);
    expect([...ctx.checksums.keys()].some((u) => u.includes("runc"))).toBe(false);
    const r = resourcesForHost(ctx);
    expect(E.isRight(r) && props(r.right, "download[/usr/local/sbin/runc]").checksum).toEqual({
      algo: "sha256",
      hex: pinned,
    });
  });

  it("refuse a host name that would escape the PKI directory, as for the seed", () => {
    const ctx = currentContext("worker1");
    const r = resourcesForHost({ ...ctx, inventoryHostname: "../../etc/x", groups: ["k8s_worker"] });
    expect(E.isLeft(r) && r.left.map((e) => e._tag)).toEqual(["InvalidHostName"]);
  });
});
