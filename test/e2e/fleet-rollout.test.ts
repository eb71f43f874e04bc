/**
 * End to end, issue 9's fleet scenario on real systemd hosts: etcd1 and four
 * workers rolled out two at a time (`--batch 2`, so etcd1+worker1,
 * worker2+worker3, worker4), gated by the modules' own health checks as the
 * stand-in daemons answer them.
 *
 * - A sick kubelet on worker2 with `--max-fail 1`, rolled out from a saved
 *   plan (`tend plan --out`, then `tend apply PLAN --batch 2`: the gates and
 *   their policy come from the plan): one failure stays within the budget,
 *   so worker3 and worker4 are still rolled out; the report names worker2's
 *   failed gate and the exit code is 1 (the CLI exits 0 only when every host
 *   is done).
 * - An unreachable worker spends the budget like a failed one (Ansible's
 *   serial lets it slip, ansible/ansible#18782): with `--max-fail 0` the
 *   rollout stops after its batch and worker4 is left untouched, exit 1.
 *
 * worker2's tend_health_retries and tend_health_backoff cut its sick
 * kubelet's failing-gate wait to 7 s (the modules' default policy, 5
 * retries from 1 s doubling, waits about 31 s).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killHost } from "../hosts/hosts.js";
import { type Cluster, startCluster } from "./cluster.js";
import { hostOf, kubeletState, rolloutJson } from "./rollout-report.js";

const WORKERS = ["worker1", "worker2", "worker3", "worker4"] as const;
/** The gates the modules declare for a seed worker (flannel's healthz port unset). */
const WORKER_GATES = ["flanneld subnet file", "docker ping", "kubelet healthz", "kube-proxy healthz"];

let cluster: Cluster;
const planDir = mkdtempSync(join(tmpdir(), "tend-e2f-"));

beforeAll(async () => {
  cluster = await startCluster({ prefix: "e2f", workers: WORKERS.length });
});
afterAll(async () => {
  await cluster?.stop();
  rmSync(planDir, { recursive: true, force: true });
});

describe("tend apply --batch 2 on four workers: the failure budget counts failed gates and unreachable hosts", () => {
  it("--max-fail 1: worker2's sick kubelet fails its gate, the rollout goes on to worker3 and worker4, exit 1", async () => {
    cluster.setHostVars("worker2", {
      k8s_worker_kubelet_settings_user: { "standin-healthz-status": "500" },
      tend_health_retries: 3,
      tend_health_backoff: "1s",
    });
    const saved = join(planDir, "plan.json");
    const { code, report, text } = await rolloutJson(cluster, 2, ["--max-fail", "1"], saved);
    // One failure is within the budget, yet not every host is done: exit 1.
    expect(code, text).toBe(1);
    expect(report.stopped, text).toBe(false);
    expect([report.budget, report.failed], text).toEqual([1, 1]);
    expect(
      report.hosts.map((h) => [h.host, h.batch, h.outcome]),
      text,
    ).toEqual([
      ["etcd1", 1, "done"],
      ["worker1", 1, "done"],
      ["worker2", 2, "failed"],
      ["worker3", 2, "done"],
      ["worker4", 3, "done"],
    ]);

    const w2 = hostOf(report, "worker2");
    const kubelet = w2.gates.find((g) => g.name === "kubelet healthz");
    expect(kubelet?.passed, text).toBe(false);
    expect(kubelet?.reason, text).toMatch(/500/);
    // worker2's tend_health_retries reached the modules' gate through the saved plan: 1 + 3 tries.
    expect(kubelet?.tries, text).toBe(4);
    for (const g of w2.gates.filter((x) => x.name !== "kubelet healthz"))
      expect(g.passed, `worker2: ${JSON.stringify(g)}`).toBe(true);
    expect(w2.reason, text).toMatch(/worker2: health gate kubelet healthz failed/);

    for (const w of ["worker1", "worker3", "worker4"]) {
      const gates = hostOf(report, w).gates;
      expect(
        gates.map((g) => g.name),
        text,
      ).toEqual(expect.arrayContaining(WORKER_GATES));
      for (const g of gates) expect(g.passed, `${w}: ${JSON.stringify(g)}`).toBe(true);
    }
    // The hosts after the failure really run what the rollout put there.
    for (const w of ["worker3", "worker4"])
      expect(
        await cluster.out(w, "systemctl is-active kubelet.service kube-proxy.service docker.service"),
      ).toBe("active\nactive\nactive");
  });

  it("--max-fail 0: an unreachable worker3 spends the budget, the rollout stops after its batch, worker4 untouched, exit 1", async () => {
    // worker2 healthy again, and a kubelet change pending on every worker so "untouched" is observable.
    for (const w of WORKERS) cluster.setHostVars(w, { k8s_worker_kubelet_settings_user: { v: "3" } });
    const before4 = await kubeletState(cluster, "worker4");
    const before1 = await kubeletState(cluster, "worker1");
    const gone = cluster.hosts.get("worker3");
    if (!gone) throw new Error("no worker3 in the e2e cluster");
    await killHost(gone);

    const { code, report, text } = await rolloutJson(cluster, 2, ["--max-fail", "0"]);
    expect(code, text).toBe(1);
    expect(report.stopped, text).toBe(true);
    expect([report.budget, report.failed], text).toEqual([0, 1]);
    expect(
      report.hosts.map((h) => [h.host, h.batch, h.outcome]),
      text,
    ).toEqual([
      ["etcd1", 1, "done"],
      ["worker1", 1, "done"],
      ["worker2", 2, "done"],
      ["worker3", 2, "failed"],
      ["worker4", 3, "untouched"],
    ]);
    const w3 = hostOf(report, "worker3");
    // Failed for its connection, before any op or gate: nothing was applied there.
    expect(w3.apply?.status, text).toBe("skipped");
    expect(w3.reason, text).toMatch(/worker3/);
    expect(w3.reason, text).not.toMatch(/health gate/);
    expect(w3.gates, text).toEqual([]);
    const w4 = hostOf(report, "worker4");
    expect(w4.reason, text).toMatch(/not started: 1 host\(s\) failed, more than the budget of 0/);
    expect(w4.gates, text).toEqual([]);

    // worker1 got the change; worker4 was never touched.
    expect((await kubeletState(cluster, "worker1")).unit).not.toEqual(before1.unit);
    expect(await kubeletState(cluster, "worker4")).toEqual(before4);
    // worker2's kubelet, sick in the previous run, passes its gate again.
    const g2 = hostOf(report, "worker2").gates.find((g) => g.name === "kubelet healthz");
    expect(g2?.passed, text).toBe(true);
  });
});
