/**
 * End to end: the real `tend` CLI (main() of @tend/cli) sets up the seed's
 * Kubernetes worker on real systemd hosts (one etcd host, two workers) from an
 * Ansible inventory, and every later scenario starts from the state the
 * previous one left (the hosts are shared; tests run in order).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Plan, ReadyHostPlan } from "@tend/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killHost } from "../hosts/hosts.js";
import { type Cluster, etcdGetV2, FLANNEL_VERSIONS, startCluster } from "./cluster.js";
import { declaredResources, gatherFacts, unitContent } from "./expected.js";
import { installTendInHost, tendInHost } from "./local.js";

const WORKERS = ["worker1", "worker2"] as const;
const ALL = ["etcd1", ...WORKERS] as const;
const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster({ prefix: "e2e", workers: 2 });
});
afterAll(async () => {
  await cluster?.stop();
});

/** `mode owner:group type` of each path on the host (absent paths map to "absent"). */
const stats = async (host: string, paths: readonly string[]): Promise<Record<string, string>> => {
  const out = await cluster.out(
    host,
    `for p in ${paths.map((p) => `'${p}'`).join(" ")}; do if [ -e "$p" ]; then stat -c '%n %a %U:%G %F' "$p"; else echo "$p absent"; fi; done`,
  );
  return Object.fromEntries(
    out.split("\n").map((l) => {
      const [p, ...rest] = l.split(" ");
      return [p as string, rest.join(" ")];
    }),
  );
};

const sha256On = async (host: string, path: string): Promise<string> =>
  (await cluster.out(host, `sha256sum '${path}'`)).split(" ")[0] as string;

const mainPid = (host: string, unit: string): Promise<string> =>
  cluster.out(host, `systemctl show -p MainPID --value ${unit}`);

const planJson = async (args: readonly string[] = []): Promise<Plan> => {
  const r = await cluster.tend(["plan", "-i", cluster.inventory, "--json", ...args]);
  if (r.code !== 0) throw new Error(`tend plan --json exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Plan;
};

const hostPlan = (plan: Plan, host: string): ReadyHostPlan => {
  const h = plan.hosts.find((x) => x.host === host);
  if (h?.status !== "ready") throw new Error(`${host}: plan is not ready: ${JSON.stringify(h)}`);
  return h;
};

const actionsOf = (plan: Plan, host: string): string[] =>
  hostPlan(plan, host).actions.map((a) => `${a.action} ${a.id}`);

const expectEmptyPlan = async (args: readonly string[] = []): Promise<void> => {
  const r = await cluster.tend(["plan", "-i", cluster.inventory, "--detailed-exitcode", ...args]);
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
};

describe("tend on the seed's cluster (etcd1, worker1, worker2)", () => {
  it("plan of the fresh hosts changes nothing on them: no path is new or changed but in tend's run dir (/run/tend)", async () => {
    for (const h of ALL) await cluster.out(h, ": > /tmp/.tend-before-plan");
    // Past the marker's second: some file systems keep whole seconds.
    await new Promise((r) => setTimeout(r, 1100));
    const plan = await planJson();
    expect(actionsOf(plan, "worker1").length).toBeGreaterThan(0);
    for (const h of ALL) {
      const changed = await cluster.out(
        h,
        "find / -xdev \\( -path /proc -o -path /sys -o -path /dev \\) -prune -o -newer /tmp/.tend-before-plan -print; find /run -newer /tmp/.tend-before-plan -print",
      );
      // /run itself changes when /run/tend is made in it; journald's own file records whatever
      // the system logged meanwhile (it is not a path tend writes). etcd's bbolt file is
      // rewritten by etcd's own housekeeping at times of its choosing; anything a client makes
      // etcd do (a write, a quorum read) is a raft entry, which lands in its WAL first, and the
      // WAL (member/wal) stays under this check.
      const outside = changed
        .split("\n")
        .filter(
          (p) =>
            p !== "" &&
            p !== "/run" &&
            !`${p}/`.startsWith("/run/tend/") &&
            !p.startsWith("/var/log/journal/") &&
            p !== "/var/lib/e2e-etcd/member/snap/db",
        );
      expect(outside, h).toEqual([]);
    }
  });

  it("apply -i INV --yes converges a fresh etcd host and two workers and says so", async () => {
    const r = await cluster.tend(["apply", "-i", cluster.inventory, "--yes"]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    for (const h of ALL) expect(r.stdout).toMatch(new RegExp(`${h}: applied \\d+ ops; converged`));
  });

  it("leaves SPEC.md's directories, certificates and kubeconfigs with their modes, owners and bytes", async () => {
    for (const w of WORKERS) {
      const s = await stats(w, [
        "/var/lib/kubernetes",
        "/var/lib/kubelet",
        "/var/lib/kube-proxy",
        "/opt/cni",
        "/opt/cni/bin",
        "/opt/tmp",
        "/etc/cni/net.d",
        "/var/lib/kubernetes/ca-etcd.pem",
        "/var/lib/kubernetes/cert-etcd-key.pem",
        "/var/lib/kubernetes/ca-k8s-apiserver.pem",
        "/var/lib/kubernetes/cert-k8s-apiserver-key.pem",
        `/var/lib/kubernetes/cert-${w}.pem`,
        `/var/lib/kubernetes/cert-${w}-key.pem`,
        "/var/lib/kubelet/kubeconfig",
        "/var/lib/kube-proxy/kubeconfig",
        "/var/lib/kubelet/kubelet-config.yaml",
        "/var/lib/kube-proxy/kubeproxy-config.yaml",
        "/etc/cni/net.d/10-flannel.conflist",
      ]);
      const dir = (mode: string) => `${mode} root:root directory`;
      const file = (mode: string) => `${mode} root:root regular file`;
      expect(s).toEqual({
        "/var/lib/kubernetes": dir("700"),
        "/var/lib/kubelet": dir("700"),
        "/var/lib/kube-proxy": dir("700"),
        "/opt/cni": dir("700"),
        "/opt/cni/bin": dir("700"),
        "/opt/tmp": dir("750"),
        "/etc/cni/net.d": dir("755"),
        "/var/lib/kubernetes/ca-etcd.pem": file("640"),
        "/var/lib/kubernetes/cert-etcd-key.pem": file("640"),
        "/var/lib/kubernetes/ca-k8s-apiserver.pem": file("640"),
        "/var/lib/kubernetes/cert-k8s-apiserver-key.pem": file("640"),
        [`/var/lib/kubernetes/cert-${w}.pem`]: file("640"),
        [`/var/lib/kubernetes/cert-${w}-key.pem`]: file("640"),
        "/var/lib/kubelet/kubeconfig": file("600"),
        "/var/lib/kube-proxy/kubeconfig": file("600"),
        "/var/lib/kubelet/kubelet-config.yaml": file("600"),
        "/var/lib/kube-proxy/kubeproxy-config.yaml": file("600"),
        "/etc/cni/net.d/10-flannel.conflist": file("600"),
      });
      expect(await sha256On(w, `/var/lib/kubernetes/cert-${w}-key.pem`)).toBe(
        sha256(readFileSync(join(cluster.certs, `cert-${w}-key.pem`))),
      );
      expect(await sha256On(w, "/var/lib/kubelet/kubeconfig")).toBe(
        sha256(readFileSync(join(cluster.configs, `${w}.kubeconfig`))),
      );
      expect(await sha256On(w, "/var/lib/kube-proxy/kubeconfig")).toBe(
        sha256(readFileSync(join(cluster.configs, "kube-proxy.kubeconfig"))),
      );
      const kubelet = await cluster.out(w, "cat /var/lib/kubelet/kubelet-config.yaml");
      expect(kubelet).toContain(`address: ${cluster.hosts.get(w)?.ip}`);
      expect(kubelet).toContain(`tlsCertFile: /var/lib/kubernetes/cert-${w}.pem`);
    }
    // The etcd host runs flanneld too (it is in k8s), so it has the etcd certificates.
    expect(await stats("etcd1", ["/var/lib/kubernetes", "/var/lib/kubernetes/cert-etcd.pem"])).toEqual({
      "/var/lib/kubernetes": "700 root:root directory",
      "/var/lib/kubernetes/cert-etcd.pem": "640 root:root regular file",
    });
  });

  it("installs the binaries and CNI plugins with the served bytes and modes", async () => {
    const bins = [
      "kubelet",
      "kube-proxy",
      "kubectl",
      "dockerd",
      "containerd",
      "containerd-shim",
      "ctr",
      "docker",
      "docker-init",
      "docker-proxy",
      "runc",
    ];
    const cni = ["bridge", "flannel", "host-local", "loopback", "portmap"];
    for (const w of WORKERS) {
      const s = await stats(w, [
        ...bins.map((b) => `/usr/local/bin/${b}`),
        ...cni.map((p) => `/opt/cni/bin/${p}`),
        "/usr/local/sbin/flanneld",
      ]);
      for (const b of bins) expect(s[`/usr/local/bin/${b}`], b).toBe("755 root:root regular file");
      for (const p of cni) expect(s[`/opt/cni/bin/${p}`], p).toBe("755 root:root regular file");
      expect(s["/usr/local/sbin/flanneld"]).toBe("750 root:root regular file");
      for (const b of ["kubelet", "kube-proxy", "kubectl"])
        expect(await sha256On(w, `/usr/local/bin/${b}`), b).toBe(
          sha256(cluster.artifact(`amd64/${b}`).bytes),
        );
      expect(await sha256On(w, "/usr/local/sbin/flanneld")).toBe(
        sha256(cluster.artifact(`${FLANNEL_VERSIONS[0]}/flanneld-amd64`).bytes),
      );
      expect(await cluster.out(w, "dpkg-query -W -f '$''{Status}\\n' iptstate socat conntrack ipset")).toBe(
        Array(4).fill("install ok installed").join("\n"),
      );
      expect(await cluster.out(w, "id -u docker; id -g docker; getent passwd docker | cut -d: -f7")).toBe(
        "666\n666\n/usr/sbin/nologin",
      );
    }
  });

  it("writes unit files byte-equal to what @tend/modules renders, with SPEC's flags", async () => {
    const facts = await gatherFacts(cluster);
    for (const h of ALL) {
      const resources = await declaredResources(cluster, h, facts);
      const units =
        h === "etcd1"
          ? ["flanneld.service", "docker.service", "docker.socket"]
          : ["flanneld.service", "docker.service", "docker.socket", "kubelet.service", "kube-proxy.service"];
      for (const u of units) {
        const r = await cluster.sh(
          h,
          `cat /etc/systemd/system/${u}; stat -c '%a %U:%G' /etc/systemd/system/${u} >&2`,
        );
        expect(r.stdout.toString(), `${h} ${u}`).toBe(unitContent(resources, u));
        expect(r.stderr.toString().trim(), `${h} ${u}`).toBe("644 root:root");
      }
      const flannel = unitContent(resources, "flanneld.service");
      expect(flannel).toContain(`-etcd-endpoints=https://${cluster.hosts.get("etcd1")?.ip}:2379`);
      expect(flannel).toContain(`-public-ip=${cluster.hosts.get(h)?.ip}`);
      expect(unitContent(resources, "docker.service")).toContain("--mtu=1472");
    }
  });

  it("runs flanneld, docker, kubelet and kube-proxy, enabled and active, and sets the flannel network in etcd", async () => {
    for (const h of ALL) {
      const services =
        h === "etcd1" ? ["flanneld", "docker"] : ["flanneld", "docker", "kubelet", "kube-proxy"];
      const active = await cluster.sh(h, `systemctl is-active ${services.join(" ")}`);
      expect(active.stdout.toString().trim().split("\n"), h).toEqual(services.map(() => "active"));
      const enabled = await cluster.sh(h, `systemctl is-enabled ${services.join(" ")}`);
      expect(enabled.stdout.toString().trim().split("\n"), h).toEqual(services.map(() => "enabled"));
    }
    expect(JSON.parse(await etcdGetV2(cluster, "/kubernetes-cluster/network/config"))).toEqual({
      Network: "10.200.0.0/16",
      Backend: { Type: "vxlan" },
    });
  });

  it("plans nothing after apply: plan --detailed-exitcode exits 0", async () => {
    await expectEmptyPlan();
  });

  it("a changed dockerd_settings_user.mtu plans one unit change, one daemon-reload and one docker restart", async () => {
    cluster.setHostVars("worker1", { dockerd_settings_user: { mtu: "1400" } });
    const plan = await planJson();
    expect(actionsOf(plan, "worker1")).toEqual([
      "update unit[docker.service]",
      "reload systemd[daemon-reload]",
      "restart service[docker]",
    ]);
    expect(actionsOf(plan, "worker2")).toEqual([]);
    expect(actionsOf(plan, "etcd1")).toEqual([]);
    const before = await mainPid("worker1", "docker");
    const r = await cluster.tend(["apply", "-i", cluster.inventory, "--yes"]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(await cluster.out("worker1", "grep -c -- '--mtu=1400' /etc/systemd/system/docker.service")).toBe(
      "1",
    );
    const after = await mainPid("worker1", "docker");
    expect(after).not.toBe(before);
    expect(await cluster.out("worker1", "systemctl is-active docker")).toBe("active");
    await expectEmptyPlan();
  });

  it("a wrong checksum fails before anything lands on the host, naming host and resource", async () => {
    const installed = await sha256On("worker2", "/usr/local/sbin/flanneld");
    const good = sha256(cluster.artifact(`${FLANNEL_VERSIONS[1]}/flanneld-amd64`).bytes);
    const wrong = sha256(Buffer.from("not flanneld"));
    cluster.setHostVars("worker2", { flannel_version: FLANNEL_VERSIONS[1], flannel_checksum: wrong });
    const r = await cluster.tend(["apply", "-i", cluster.inventory, "--yes"]);
    if (process.env.TEND_E2E_VERBOSE) console.log(r.stdout, r.stderr);
    expect(r.code).toBe(1);
    const said = `${r.stdout}\n${r.stderr}`;
    expect(said).toMatch(
      /worker2: file\[\/usr\/local\/sbin\/flanneld\]: cannot download \S+: sha256 mismatch/,
    );
    expect(said).toContain(`expected ${wrong}, got ${good}`);
    // Nothing of the new version on the host, nor in the controller cache.
    expect(await sha256On("worker2", "/usr/local/sbin/flanneld")).toBe(installed);
    expect(await cluster.out("worker2", "ls -A /usr/local/sbin")).toBe("flanneld");
    const cache = join(cluster.work, "cache", "tend", "artifacts");
    const cached = existsSync(cache) ? readdirSync(cache) : [];
    for (const f of cached) expect(sha256(readFileSync(join(cache, f))), f).not.toBe(good);
    cluster.setHostVars("worker2", undefined);
    await expectEmptyPlan();
  });

  it("a new flannel_version plans a new flanneld binary and a flanneld restart, and apply carries them out", async () => {
    const v = FLANNEL_VERSIONS[1];
    const bytes = cluster.artifact(`${v}/flanneld-amd64`).bytes;
    cluster.setHostVars("worker2", { flannel_version: v, flannel_checksum: sha256(bytes) });
    const plan = await planJson(["--limit", "worker2"]);
    expect(actionsOf(plan, "worker2")).toEqual([
      "update file[/usr/local/sbin/flanneld]",
      "restart service[flanneld]",
    ]);
    const before = await mainPid("worker2", "flanneld");
    const r = await cluster.tend(["apply", "-i", cluster.inventory, "--yes"]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(await sha256On("worker2", "/usr/local/sbin/flanneld")).toBe(sha256(bytes));
    expect(await cluster.out("worker2", "/usr/local/sbin/flanneld --version")).toContain(`flanneld ${v}`);
    expect(await mainPid("worker2", "flanneld")).not.toBe(before);
    expect(await cluster.out("worker2", "systemctl is-active flanneld")).toBe("active");
    await expectEmptyPlan();
  });

  it("apply --local inside a host repairs it to the same state the remote apply made", async () => {
    const inv = await installTendInHost(cluster, "etcd1");
    // Drift: a missing file, a loosened key, an altered archive member, a stopped service.
    await cluster.out(
      "etcd1",
      "rm /etc/cni/net.d/10-flannel.conflist && chmod 0644 /var/lib/kubernetes/cert-etcd-key.pem && echo x > /usr/local/bin/runc && systemctl stop flanneld",
    );
    const drifted = await cluster.tend([
      "plan",
      "-i",
      cluster.inventory,
      "--limit",
      "etcd1",
      "--detailed-exitcode",
    ]);
    expect(drifted.code).toBe(2);
    const r = await tendInHost(cluster, "etcd1", [
      "apply",
      "--local",
      "-i",
      inv,
      "--limit",
      "etcd1",
      "--yes",
    ]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/etcd1: applied \d+ ops; converged/);
    const again = await tendInHost(cluster, "etcd1", [
      "plan",
      "--local",
      "-i",
      inv,
      "--limit",
      "etcd1",
      "--detailed-exitcode",
    ]);
    expect(again.code, `${again.stdout}\n${again.stderr}`).toBe(0);
    // The remote view agrees: nothing left to do on etcd1.
    await expectEmptyPlan(["--limit", "etcd1"]);
    expect(
      await stats("etcd1", ["/etc/cni/net.d/10-flannel.conflist", "/var/lib/kubernetes/cert-etcd-key.pem"]),
    ).toEqual({
      "/etc/cni/net.d/10-flannel.conflist": "600 root:root regular file",
      "/var/lib/kubernetes/cert-etcd-key.pem": "640 root:root regular file",
    });
    expect(await cluster.out("etcd1", "systemctl is-active flanneld")).toBe("active");
  });

  it("a host-side download with a wrong checksum never lands at its path (tend_download_mode: host)", async () => {
    // etcd1 serves the artifacts on its own loopback since the --local test, at the same url.
    const installed = await sha256On("etcd1", "/usr/local/sbin/flanneld");
    const wrong = sha256(Buffer.from("not flanneld either"));
    cluster.setHostVars("etcd1", {
      tend_download_mode: "host",
      flannel_version: FLANNEL_VERSIONS[1],
      flannel_checksum: wrong,
    });
    const r = await cluster.tend(["apply", "-i", cluster.inventory, "--limit", "etcd1", "--yes"]);
    if (process.env.TEND_E2E_VERBOSE) console.log(r.stdout, r.stderr);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/etcd1: .*download\[\/usr\/local\/sbin\/flanneld\]/);
    expect(`${r.stdout}\n${r.stderr}`).toContain(wrong);
    expect(await sha256On("etcd1", "/usr/local/sbin/flanneld")).toBe(installed);
    expect(await cluster.out("etcd1", "ls -A /usr/local/sbin")).toBe("flanneld");
    // The next plan still shows the download as to do.
    const plan = await planJson(["--limit", "etcd1"]);
    expect(actionsOf(plan, "etcd1")).toContain("update download[/usr/local/sbin/flanneld]");
    cluster.setHostVars("etcd1", undefined);
  });

  it("an unreachable worker fails alone: the others converge and apply exits 1", async () => {
    for (const h of ALL) cluster.setHostVars(h, { dockerd_settings_user: { mtu: "1380" } });
    const gone = cluster.hosts.get("worker2");
    if (!gone) throw new Error("no worker2");
    await killHost(gone);
    const r = await cluster.tend(["apply", "-i", cluster.inventory, "--yes"]);
    if (process.env.TEND_E2E_VERBOSE) console.log(r.stdout, r.stderr);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ worker2: .*worker2: cannot connect: .*is not running/);
    for (const h of ["etcd1", "worker1"]) {
      expect(r.stdout).toMatch(new RegExp(`${h}: applied \\d+ ops; converged`));
      expect(await cluster.out(h, "grep -c -- '--mtu=1380' /etc/systemd/system/docker.service")).toBe("1");
    }
    await expectEmptyPlan(["--limit", "etcd1,worker1"]);
  });
});
