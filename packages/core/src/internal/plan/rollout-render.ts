/**
 * The human rendering of a rollout: per batch each host's outcome and its
 * health gates, failures with their reason, rollbacks, untouched hosts, and
 * a summary line with the budget. Reads the report only.
 */
import type { RolloutHostReport, RolloutReport } from "../engine/rollout.js";
import { describeGate, type HealthGate } from "../health/gate.js";
import { withoutHost } from "../host-text.js";
import { durationSuffix, formatDuration, type Timed } from "./duration.js";
import type { RenderOptions } from "./render.js";

/** A rollout report with each host's duration (apply and gates), and the whole rollout's, where measured. */
export type TimedRolloutReport = Timed<Omit<RolloutReport, "hosts">> & {
  readonly hosts: readonly Timed<RolloutHostReport>[];
};

const painter = (color: boolean) => (code: number, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);

const hostLines = (h: Timed<RolloutHostReport>, paint: (c: number, s: string) => string): string[] => {
  const sign =
    h.outcome === "done" ? paint(32, "✓") : h.outcome === "failed" ? paint(31, "✗") : paint(2, "·");
  const what =
    h.outcome === "done"
      ? h.apply?.status === "applied"
        ? `applied ${h.apply.opsRun} ops, converged`
        : "no changes, converged"
      : h.outcome === "failed"
        ? `failed: ${withoutHost(h.host, h.reason ?? "")}`
        : "untouched";
  const lines = [`  ${sign} ${h.host}: ${what}${h.outcome === "untouched" ? "" : durationSuffix(h)}`];
  for (const g of h.gates)
    lines.push(
      `      gate ${g.name}: ${g.passed ? paint(32, "passed") : paint(31, "failed")} (${g.tries} ${g.tries === 1 ? "try" : "tries"})${g.reason && !g.passed ? `: ${g.reason}` : ""}`,
    );
  if (h.rollback) {
    lines.push(
      `      rollback: ${h.rollback.restored ? paint(32, h.rollback.detail) : paint(31, h.rollback.detail)}`,
    );
    if (h.rollback.notRestorable.length > 0)
      lines.push(`      not rolled back (cannot be undone): ${h.rollback.notRestorable.join(", ")}`);
  }
  return lines;
};

/** A rollout report as text: batches, hosts, gates, the budget, and how long it took where measured. */
export const renderRolloutReport = (report: TimedRolloutReport, options: RenderOptions): string => {
  const paint = painter(options.color);
  const out: string[] = [];
  for (let b = 1; b <= report.batches; b++) {
    const hosts = report.hosts.filter((h) => h.batch === b);
    out.push(`Batch ${b}/${report.batches}:`, ...hosts.flatMap((h) => hostLines(h, paint)));
  }
  const count = (o: RolloutHostReport["outcome"]) => report.hosts.filter((h) => h.outcome === o).length;
  out.push(
    "",
    `Rollout ${report.stopped ? paint(31, "stopped") : "finished"}: ${count("done")} done, ${count("failed")} failed, ${count("untouched")} untouched (failure budget ${report.budget}, batches of ${report.batchSize})${report.durationMs === undefined ? "" : `, in ${formatDuration(report.durationMs)}`}.`,
  );
  if (report.stopped)
    out.push(
      `Untouched: ${report.hosts
        .filter((h) => h.outcome === "untouched")
        .map((h) => h.host)
        .join(", ")}`,
    );
  return `${out.join("\n")}\n`;
};

/** The gates an apply will wait for, per host (for the plan output). */
export const renderGates = (
  gates: ReadonlyMap<string, readonly HealthGate[]>,
  /** Hosts whose gates are listed one by one; the others are counted (a fleet's output stays short). Default: all. */
  listed?: ReadonlySet<string>,
): string => {
  const lines: string[] = [];
  let others = 0;
  for (const [host, gs] of gates) {
    if (gs.length === 0) continue;
    if (listed && !listed.has(host)) others++;
    else lines.push(`  ${host}:`, ...gs.map((g) => `    ${describeGate(g)}`));
  }
  if (others > 0)
    lines.push(`  ${others} host${others === 1 ? "" : "s"} without changes: their own gates as well`);
  return lines.length === 0 ? "" : `Health gates the apply will wait for:\n${lines.join("\n")}\n`;
};
