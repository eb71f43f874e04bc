/**
 * End to end, issue 9 on real systemd hosts: `tend apply --batch 1` rolls
 * the seed's worker out host by host and waits for the modules' own health
 * gates (flannel's subnet file and healthz, docker's /_ping on its socket,
 * kubelet's and kube-proxy's healthz), answered by the stand-in daemons as
 * the real ones would. A kubelet setting that makes worker1's kubelet sick
 * stops the rollout after worker1: its failed gate is in the report,
 * worker2 is left untouched, exit 1, and with --rollback-on-fail worker1 is
 * put back to its state before the apply and verified.
 */
import type { Plan } from "@tend/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "./cluster.js";
import { hostOf, kubeletState, rolloutJson } from "./rollout-report.js";

const WORKERS = ["worker1", "worker2"] as const;
/** The gates the modules declare for a seed worker with flannel's healthz on. */
const WORKER_GATES = [
  "flanneld subnet file",
  "flanneld healthz",
  "docker ping",
  "kubelet healthz",
  "kube-proxy healthz",
];
const FLANNEL_HEALTHZ = { "healthz-port": "10267" };

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster({ prefix: "e2r", workers: WORKERS.length });
});
afterAll(async () => {
  await cluster?.stop();
});

/** The HTTP status the kubelet's healthz answers on the host (from the host, as the gate asks). */
const kubeletHealthz = async (host: string): Promise<string> =>
  cluster.out(
    host,
    "ip=$(sed -n 's/^healthzBindAddress: *\"\\{0,1\\}\\([0-9.]*\\).*/\\1/p' /var/lib/kubelet/kubelet-config.yaml); " +
      '[ -n "$ip" ] || ip=127.0.0.1; curl -s -o /dev/null -w "%{http_code}" --max-time 5 "http://$ip:10248/healthz"',
  );

describe("tend apply --batch on the seed's workers, gated by the modules' health checks", () => {
  it("apply --batch 1 --max-fail 0 converges etcd1, worker1 and worker2 and every module gate passes", async () => {
    for (const w of WORKERS) cluster.setHostVars(w, { flannel_settings_user: FLANNEL_HEALTHZ });
    const { code, report, text } = await rolloutJson(cluster, 1, ["--max-fail", "0"]);
    expect(code, text).toBe(0);
    expect(report.stopped, text).toBe(false);
    expect(report.hosts.map((h) => [h.host, h.batch, h.outcome])).toEqual([
      ["etcd1", 1, "done"],
      ["worker1", 2, "done"],
      ["worker2", 3, "done"],
    ]);
    for (const w of WORKERS) {
      const gates = hostOf(report, w).gates;
      expect(
        gates.map((g) => g.name),
        text,
      ).toEqual(expect.arrayContaining(WORKER_GATES));
      for (const g of gates) expect(g.passed, `${w}: ${JSON.stringify(g)}`).toBe(true);
    }
    // Real answers on the host, not only the report: the subnet file as flannel writes it.
    const subnet = await cluster.out("worker1", "cat /run/flannel/subnet.env");
    expect(subnet).toMatch(/^FLANNEL_NETWORK=.+\nFLANNEL_SUBNET=.+\nFLANNEL_MTU=\d+\nFLANNEL_IPMASQ=true$/);
    const plan = await cluster.tend(["plan", "-i", cluster.inventory, "--detailed-exitcode"]);
    expect(plan.code, `${plan.stdout}\n${plan.stderr}`).toBe(0);
  });

  it("the text output of a rollout shows each worker applied and its gates passing", async () => {
    // A kubelet flag change, so both workers are applied (a plan without changes rolls nothing out).
    for (const w of WORKERS)
      cluster.setHostVars(w, {
        flannel_settings_user: FLANNEL_HEALTHZ,
        k8s_worker_kubelet_settings_user: { v: "1" },
      });
    const r = await cluster.tend(["apply", "-i", cluster.inventory, "--yes", "--batch", "2"]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    for (const w of WORKERS) {
      const block = r.stdout.slice(r.stdout.indexOf(`✓ ${w}: `)).split(/\n {2}\S/)[0] ?? "";
      expect(block, r.stdout).toMatch(new RegExp(`^✓ ${w}: applied \\d+ ops, converged`));
      for (const g of WORKER_GATES) expect(block, r.stdout).toMatch(new RegExp(`gate ${g}: passed`));
    }
    expect(r.stdout).toMatch(/Rollout finished: 3 done, 0 failed, 0 untouched/);
  });

  it("a sick kubelet on worker1 stops the rollout there: failed gate named, worker2 untouched, exit 1, worker1 rolled back and verified", async () => {
    const before1 = await kubeletState(cluster, "worker1");
    const before2 = await kubeletState(cluster, "worker2");
    expect(await kubeletHealthz("worker1")).toBe("200");
    cluster.setHostVars("worker1", {
      flannel_settings_user: FLANNEL_HEALTHZ,
      k8s_worker_kubelet_settings_user: { "standin-healthz-status": "500" },
      // The sick kubelet fails after 4 tries (7 s of backoff) instead of the default 6 (31 s); the
      // healthy gates still have 7 s to pass after their restarts.
      tend_health_retries: 3,
      tend_health_backoff: "1s",
    });
    // worker2 has a change pending too, so "untouched" is observable on it.
    cluster.setHostVars("worker2", {
      flannel_settings_user: FLANNEL_HEALTHZ,
      k8s_worker_kubelet_settings_user: { v: "2" },
    });

    const { code, report, text } = await rolloutJson(cluster, 1, ["--max-fail", "0", "--rollback-on-fail"]);
    expect(code, text).toBe(1);
    expect(report.stopped, text).toBe(true);
    expect(report.hosts.map((h) => [h.host, h.outcome])).toEqual([
      ["etcd1", "done"],
      ["worker1", "failed"],
      ["worker2", "untouched"],
    ]);
    const w1 = hostOf(report, "worker1");
    const kubelet = w1.gates.find((g) => g.name === "kubelet healthz");
    expect(kubelet?.passed, text).toBe(false);
    expect(kubelet?.reason, text).toMatch(/500/);
    // worker1's tend_health_retries reached the modules' gate: it gave up after 1 + 3 tries.
    expect(kubelet?.tries, text).toBe(4);
    for (const g of w1.gates.filter((x) => x.name !== "kubelet healthz"))
      expect(g.passed, `${JSON.stringify(g)}`).toBe(true);
    expect(w1.reason, text).toMatch(/kubelet healthz/);
    expect(w1.rollback?.restored, text).toBe(true);
    expect(hostOf(report, "worker2").gates).toEqual([]);

    // worker1 is back: the previous unit, the previous command line, healthy again.
    expect(await kubeletState(cluster, "worker1")).toEqual(before1);
    expect(await kubeletHealthz("worker1")).toBe("200");
    // worker2 was never touched.
    expect(await kubeletState(cluster, "worker2")).toEqual(before2);
    // Both changes are pending again.
    const r = await cluster.tend(["plan", "-i", cluster.inventory, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as Plan;
    for (const w of WORKERS) {
      const h = plan.hosts.find((x) => x.host === w);
      expect(h?.status).toBe("ready");
      if (h?.status === "ready")
        expect(h.actions.map((a) => a.id).filter((id) => id.includes("kubelet.service"))).not.toEqual([]);
    }
  });
});
