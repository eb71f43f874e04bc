/**
 * Durations as data: the CLI measures (Progress times each host from its
 * first state to its outcome; a command times its whole phase) and attaches
 * them to the plan and the reports it prints, so text and --json carry the
 * same numbers. Whole milliseconds; nothing decides on them.
 */
import type {
  ApplyReport,
  Plan,
  RolloutReport,
  Timed,
  TimedApplyReport,
  TimedRolloutReport,
} from "@tend/core";

/** A stopwatch started now: call it for the milliseconds since. */
export const stopwatch = (now: () => number = () => performance.now()): (() => number) => {
  const start = now();
  return () => now() - start;
};

const withTime = <T extends { readonly host: string }>(h: T, took: ReadonlyMap<string, number>): Timed<T> => {
  const ms = took.get(h.host);
  return ms === undefined ? h : { ...h, durationMs: Math.round(ms) };
};

/** The plan with each measured host's duration and the whole plan's. */
export const timedPlan = (plan: Plan, took: ReadonlyMap<string, number>, totalMs: number): Plan => ({
  ...plan,
  hosts: plan.hosts.map((h) => withTime(h, took)),
  durationMs: Math.round(totalMs),
});

/** The apply report with each measured host's duration and the whole apply's. */
export const timedApplyReport = (
  report: ApplyReport,
  took: ReadonlyMap<string, number>,
  totalMs: number,
): TimedApplyReport => ({
  ...report,
  hosts: report.hosts.map((h) => withTime(h, took)),
  durationMs: Math.round(totalMs),
});

/** The rollout report with each measured host's duration (apply and gates) and the whole rollout's. */
export const timedRolloutReport = (
  report: RolloutReport,
  took: ReadonlyMap<string, number>,
  totalMs: number,
): TimedRolloutReport => ({
  ...report,
  hosts: report.hosts.map((h) => withTime(h, took)),
  durationMs: Math.round(totalMs),
});
