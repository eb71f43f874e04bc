/**
 * End to end, current stack: the real `tend` CLI sets up a worker of the
 * seed author's current roles (containerd, runc, CNI plugins, Kubernetes
 * 1.34) on a real systemd host from an inventory in those roles' variable
 * names. containerd, runc and the CNI plugins are Debian's real binaries in
 * upstream-shaped archives; kubelet and kube-proxy are stand-ins. Scenarios
 * run in order on the same host.
 */
import { createHash } from "node:crypto";
import type { Plan, ReadyHostPlan } from "@tend/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CurrentBed, K8S_RELEASES, startCurrentBed } from "./current-cluster.js";

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

let bed: CurrentBed;

beforeAll(async () => {
  bed = await startCurrentBed();
});
afterAll(async () => {
  await bed?.stop();
});

const planJson = async (): Promise<Plan> => {
  const r = await bed.tend(["plan", "-i", bed.inventory, "--json"]);
  if (r.code !== 0) throw new Error(`tend plan --json exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Plan;
};

const actions = (plan: Plan): string[] => {
  const h = plan.hosts.find((x) => x.host === "worker1");
  if (h?.status !== "ready") throw new Error(`worker1: plan is not ready: ${JSON.stringify(h)}`);
  return (h as ReadyHostPlan).actions.map((a) => `${a.action} ${a.id}`);
};

const sha256On = async (path: string): Promise<string> =>
  (await bed.out(`sha256sum '${path}'`)).split(" ")[0] as string;
const mainPid = (unit: string): Promise<string> => bed.out(`systemctl show -p MainPID --value ${unit}`);

describe("tend on a worker of the current roles (containerd, runc, CNI, Kubernetes 1.34)", () => {
  it("apply converges a fresh host from the current roles' variables, and the plan names their modules", async () => {
    const plan = await planJson();
    const host = plan.hosts.find((h) => h.host === "worker1") as ReadyHostPlan;
    const origins = new Set(host.resources.map((r) => r.origin ?? ""));
    expect([...origins].sort()).toEqual([
      "@tend/modules/base-current",
      "@tend/modules/cni",
      "@tend/modules/containerd",
      "@tend/modules/kubernetes-worker-current",
      "@tend/modules/runc",
    ]);
    const r = await bed.tend(["apply", "-i", bed.inventory, "--yes"]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/worker1: applied \d+ ops; converged/);
  });

  it("runs Debian's real containerd under systemd: ctr answers on /run/containerd/containerd.sock", async () => {
    expect(await bed.out("systemctl is-active containerd kubelet kube-proxy")).toBe("active\nactive\nactive");
    expect(await bed.out("systemctl is-enabled containerd kubelet kube-proxy")).toBe(
      "enabled\nenabled\nenabled",
    );
    const version = await bed.out("/usr/local/bin/ctr --address /run/containerd/containerd.sock version");
    expect(version).toMatch(
      new RegExp(`Server:\\s+Version:\\s+${bed.versions.containerd.replaceAll(".", "\\.")}`),
    );
    expect(await bed.out("/usr/local/sbin/runc --version")).toContain(`runc version ${bed.versions.runc}`);
    expect(await bed.out("cat /etc/containerd/config.toml")).toContain('BinaryName = "/usr/local/sbin/runc"');
  });

  it("installs the real CNI plugins with the served bytes, and nothing else of the archive", async () => {
    expect(await bed.out("CNI_COMMAND=VERSION /opt/cni/bin/bridge </dev/null")).toContain("cniVersion");
    expect(await bed.out("ls /opt/cni/bin | sort | tr '\\n' ' '")).toBe(
      "bandwidth bridge dhcp firewall host-device host-local ipvlan loopback macvlan portmap ptp sbr static tuning vlan vrf",
    );
    expect(await sha256On("/opt/cni/bin/bridge")).toBe(
      sha256((await import("node:fs")).readFileSync("/usr/lib/cni/bridge")),
    );
  });

  it("leaves /tmp at 1777, the configuration under /etc/kubernetes/worker, and no CA or API server key", async () => {
    const s = await bed.out(
      "stat -c '%n %a %U:%G' /tmp /etc/kubernetes/worker /etc/kubernetes/worker/pki /etc/kubernetes/worker/kubelet /etc/kubernetes/worker/kubelet/kubeconfig /etc/kubernetes/worker/kubelet/kubelet-config.yaml /etc/containerd/config.toml /etc/systemd/system/containerd.service",
    );
    expect(s.split("\n")).toEqual([
      "/tmp 1777 root:root",
      "/etc/kubernetes/worker 750 root:root",
      "/etc/kubernetes/worker/pki 750 root:root",
      "/etc/kubernetes/worker/kubelet 700 root:root",
      "/etc/kubernetes/worker/kubelet/kubeconfig 640 root:root",
      "/etc/kubernetes/worker/kubelet/kubelet-config.yaml 600 root:root",
      "/etc/containerd/config.toml 644 root:root",
      "/etc/systemd/system/containerd.service 644 root:root",
    ]);
    expect(await bed.out("ls /etc/kubernetes/worker/pki | tr '\\n' ' '")).toBe(
      "ca-k8s-apiserver.pem cert-k8s-proxy-key.pem cert-k8s-proxy.pem cert-worker1-key.pem cert-worker1.pem",
    );
    // systemd's own private dirs may be there; nothing of the artifacts may.
    expect(await bed.out("ls -A /tmp | grep -Ec 'containerd|runc|cni|kube|tend|tar|tgz' || true")).toBe("0");
  });

  it("a second plan is empty and downloads nothing but checksum files", async () => {
    const before = new Map(bed.server.hits);
    const r = await bed.tend(["plan", "-i", bed.inventory, "--detailed-exitcode"]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const fetched = [...bed.server.hits]
      .filter(([path, n]) => n > (before.get(path) ?? 0))
      .map(([path]) => path);
    expect(fetched.filter((p) => !/\.sha256(sum)?$/.test(p))).toEqual([]);
  });

  it("a changed containerd_config plans one file change and one containerd restart, and apply restarts it", async () => {
    const before = await mainPid("containerd");
    const { CONTAINERD_CONFIG_V2 } = await import("./current-cluster.js");
    bed.setHostVars({ containerd_config: `${CONTAINERD_CONFIG_V2}[debug]\n  level = "info"\n` });
    expect(actions(await planJson())).toEqual([
      "update file[/etc/containerd/config.toml]",
      "restart service[containerd]",
    ]);
    const r = await bed.tend(["apply", "-i", bed.inventory, "--yes"]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(await mainPid("containerd")).not.toBe(before);
    expect(await bed.out("/usr/local/bin/ctr --address /run/containerd/containerd.sock version")).toContain(
      "Server:",
    );
  });

  it("a new k8s_worker_release plans the three new binaries and the kubelet and kube-proxy restarts", async () => {
    const [kubelet, proxy] = [await mainPid("kubelet"), await mainPid("kube-proxy")];
    const { CONTAINERD_CONFIG_V2 } = await import("./current-cluster.js");
    const next = K8S_RELEASES[1];
    bed.setHostVars({
      containerd_config: `${CONTAINERD_CONFIG_V2}[debug]\n  level = "info"\n`,
      k8s_worker_release: next,
    });
    expect(actions(await planJson()).sort()).toEqual(
      [
        "update file[/usr/local/bin/kube-proxy]",
        "update file[/usr/local/bin/kubectl]",
        "update file[/usr/local/bin/kubelet]",
        "restart service[kube-proxy]",
        "restart service[kubelet]",
      ].sort(),
    );
    const r = await bed.tend(["apply", "-i", bed.inventory, "--yes"]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(await sha256On("/usr/local/bin/kubelet")).toBe(
      sha256(bed.artifact(`v${next}/bin/linux/amd64/kubelet`).bytes),
    );
    expect(await bed.out("/usr/local/bin/kubelet --version")).toContain(`kubelet v${next}`);
    expect(await mainPid("kubelet")).not.toBe(kubelet);
    expect(await mainPid("kube-proxy")).not.toBe(proxy);
    const again = await bed.tend(["plan", "-i", bed.inventory, "--detailed-exitcode"]);
    expect(again.code, `${again.stdout}\n${again.stderr}`).toBe(0);
  });

  it("a kubelet flag removed before the chosen release stops the plan, naming flag, release and replacement", async () => {
    bed.setHostVars({ k8s_worker_kubelet_settings_user: { "network-plugin": "cni" } });
    const r = await bed.tend(["plan", "-i", bed.inventory]);
    expect(r.code).toBe(1);
    expect(`${r.stdout}${r.stderr}`).toContain(
      "`network-plugin` was removed in 1.24: CNI is always used; drop it (k8s_worker_release is 1.34.4)",
    );
    bed.setHostVars(undefined);
  });
});
