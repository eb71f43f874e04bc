/**
 * What the rollout e2e suites share: running `tend apply --yes --batch N
 * --json` on a cluster and reading its report (format tend-rollout/1), and
 * the kubelet's state on a host (unit file and running command line), which
 * is how they tell a rolled-out or rolled-back host from an untouched one.
 */
import { expect } from "vitest";
import type { Cluster } from "./cluster.js";

/** The parts of the rollout JSON (format tend-rollout/1) the suites read. */
export interface RolloutJson {
  readonly format: string;
  readonly stopped: boolean;
  readonly budget: number;
  readonly failed: number;
  readonly hosts: readonly {
    readonly host: string;
    readonly batch: number;
    readonly outcome: "done" | "failed" | "untouched";
    readonly reason?: string;
    readonly apply?: { readonly status: string };
    readonly gates: readonly { name: string; passed: boolean; tries: number; reason?: string }[];
    readonly rollback?: { restored: boolean; detail: string; notRestorable: readonly string[] };
  }[];
}

/**
 * `tend apply --yes --batch <batch> --json` plus `extra`, with its exit code
 * and parsed report. With `savedPlan`, the rollout goes from a plan saved
 * there first (`tend plan --out`), as a reviewed plan is rolled out.
 */
export const rolloutJson = async (
  cluster: Cluster,
  batch: number,
  extra: readonly string[],
  savedPlan?: string,
): Promise<{ code: number; report: RolloutJson; text: string }> => {
  if (savedPlan !== undefined) {
    const planned = await cluster.tend(["plan", "-i", cluster.inventory, "--out", savedPlan]);
    expect(planned.code, `${planned.stdout}\n${planned.stderr}`).toBe(0);
  }
  const r = await cluster.tend([
    "apply",
    ...(savedPlan !== undefined ? [savedPlan] : []),
    "-i",
    cluster.inventory,
    "--yes",
    "--batch",
    String(batch),
    "--json",
    ...extra,
  ]);
  const text = `${r.stdout}\n${r.stderr}`;
  let report: RolloutJson;
  try {
    report = JSON.parse(r.stdout) as RolloutJson;
  } catch {
    throw new Error(`tend apply --batch ${batch} --json printed no JSON (exit ${r.code}): ${text}`);
  }
  expect(report.format, text).toBe("tend-rollout/1");
  return { code: r.code, report, text };
};

/** One host's entry in the report; a host missing from it fails the test. */
export const hostOf = (report: RolloutJson, host: string): RolloutJson["hosts"][number] => {
  const h = report.hosts.find((x) => x.host === host);
  if (!h) throw new Error(`${host} is not in the rollout report: ${JSON.stringify(report)}`);
  return h;
};

/** The kubelet unit file and the running kubelet's command line on a host. */
export const kubeletState = async (
  cluster: Cluster,
  host: string,
): Promise<{ unit: string; cmdline: string }> => ({
  unit: await cluster.out(host, "systemctl cat kubelet.service"),
  cmdline: await cluster.out(
    host,
    "pid=$(systemctl show -p MainPID --value kubelet.service); [ \"$pid\" -gt 0 ] && tr '\\0' ' ' < /proc/$pid/cmdline",
  ),
});
