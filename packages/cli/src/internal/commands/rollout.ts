/**
 * `tend apply --batch N|P% --max-fail N|P% [--rollback-on-fail]`: the plan
 * applied in rolling batches (etcd, controllers, workers unless
 * tend_rollout_order says otherwise), each host's health gates waited for,
 * and the rollout stopped once more hosts than the budget have failed.
 * The flags are checked before anything is read or any host contacted.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import {
  type HealthGate,
  notRestorable,
  type Plan,
  type PlannedRun,
  parseShare,
  type Resource,
  releaseKept,
  renderRolloutReport,
  rollbackDirOf,
  rollbackWith,
  rollout,
  rolloutOrder,
  type Share,
  type Target,
  type TimedRolloutReport,
  withKeep,
} from "@tend/core";
import { describeHostFailure } from "../become-messages.js";
import type { Connection } from "../connect.js";
import type { Reached } from "../hosts.js";
import type { readSource } from "../planning.js";
import { stopwatch, timedRolloutReport } from "../timing.js";
import { type CommandContext, EXIT } from "./context.js";

/** The rollout flags of `tend apply`. */
export interface RolloutFlags {
  readonly batch?: string;
  readonly maxFail?: string;
  readonly rollbackOnFail?: boolean;
  readonly json?: boolean;
}

/** A checked rollout request. */
export interface RolloutSettings {
  readonly batch: Share;
  readonly maxFail: Share;
  readonly rollbackOnFail: boolean;
}

/**
 * The rollout the flags ask for: undefined when none of them is given (a
 * plain apply), else the settings (a missing --batch is every host in one
 * batch; a missing --max-fail is 0), or every bad flag's message.
 */
export const rolloutSettingsOf = (o: RolloutFlags): { errors: string[] } | RolloutSettings | undefined => {
  if (o.batch === undefined && o.maxFail === undefined && !o.rollbackOnFail) return undefined;
  const batch = parseShare("--batch", o.batch ?? "100%", 1);
  const maxFail = parseShare("--max-fail", o.maxFail ?? "0", 0);
  const errors = [batch, maxFail].flatMap((r) => (r._tag === "Left" ? [r.left] : []));
  if (batch._tag === "Left" || maxFail._tag === "Left") return { errors };
  return { batch: batch.right, maxFail: maxFail.right, rollbackOnFail: o.rollbackOnFail === true };
};

/** What a rollout needs beyond the plan: from planRun. */
export interface RolloutInputs {
  readonly resources: ReadonlyMap<string, readonly Resource[]>;
  readonly gates: ReadonlyMap<string, readonly HealthGate[]>;
  readonly groups: ReadonlyMap<string, readonly string[]>;
  readonly rolloutOrder?: readonly string[];
  /** The run's source reader: each controller file read once for the whole fleet. */
  readonly readSource: typeof readSource;
  /** Each host's connection as the inventory gives it: a refused become names where its password came from. */
  readonly connectionOf?: (host: string) => Connection | undefined;
}

/** The report as JSON: every host with its outcome, apply, gates and rollback. */
export const encodeRolloutReport = (r: TimedRolloutReport): string =>
  `${JSON.stringify({ format: "tend-rollout/1", ...r }, null, 2)}\n`;

/** Runs the rollout and prints its report; exit 0 only when every host is done. */
export const carryOutRollout = async (
  ctx: CommandContext,
  run: PlannedRun,
  reached: ReadonlyMap<string, Reached>,
  inputs: RolloutInputs,
  settings: RolloutSettings,
  lockWaitMs: number,
  json: boolean,
): Promise<number> => {
  const targets = new Map<string, Target>();
  for (const [host, r] of reached) if (r.ok) targets.set(host, r.target);
  const hosts = run.plan.hosts.map((h) => h.host);
  const holder = { controller: hostname(), pid: process.pid };
  // One id per run: what each host's apply replaces is kept under /var/lib/tend/rollback/<id>.
  const stamp = new Date()
    .toISOString()
    .replace(/[^0-9]/g, "")
    .slice(0, 14);
  const dir = rollbackDirOf(`${stamp}-${process.pid}-${randomBytes(3).toString("hex")}`);
  const dirOf = () => dir;
  // The planned run keeps its in-memory blobs (sensitive contents) with the keep ops added.
  const applied: PlannedRun = settings.rollbackOnFail ? { ...run, plan: withKeep(run.plan, dirOf) } : run;
  const back = settings.rollbackOnFail
    ? {
        rollback: rollbackWith(applied.plan, dirOf, { holder, lockWaitMs }),
        release: releaseKept(dirOf, { holder, lockWaitMs }),
      }
    : {};
  const order = rolloutOrder(hosts, (h) => inputs.groups.get(h) ?? [], inputs.rolloutOrder);
  const elapsed = stopwatch();
  // A new phase: each host is timed from its first apply event to its batch's verdict (gates included).
  ctx.progress.lap();
  const rolled = await rollout(applied, targets, {
    ...back,
    batch: settings.batch,
    maxFail: settings.maxFail,
    order,
    gates: inputs.gates,
    ...(ctx.deps.sleep ? { sleep: ctx.deps.sleep } : {}),
    readSource: inputs.readSource,
    concurrency: ctx.concurrency,
    recheckFacts: true,
    lockHolder: holder,
    lockWaitMs,
    resources: inputs.resources,
    describeError: (e) => describeHostFailure(e, inputs.connectionOf?.(e.host)),
    onEvent: (e) => {
      if (e.phase !== "done") ctx.progress.state(e.host, e.phase);
    },
    onBatch: (_n, done) => {
      for (const h of done)
        ctx.progress.done(h.host, h.outcome === "done", h.outcome === "done" ? "done" : "failed");
    },
  });
  const report = timedRolloutReport(rolled, ctx.progress.lap(), elapsed());
  ctx.io.stdout(json ? encodeRolloutReport(report) : renderRolloutReport(report, { color: ctx.color }));
  return report.hosts.every((h) => h.outcome === "done") ? EXIT.ok : EXIT.error;
};

/** What --rollback-on-fail could not undo on each host of the plan, for the plan output ("" when nothing). */
export const renderNotRestorable = (plan: Plan): string => {
  const lines = plan.hosts.flatMap((hp) => {
    if (hp.status !== "ready") return [];
    const lost = notRestorable(hp);
    return lost.length === 0 ? [] : [`  ${hp.host}:`, ...lost.map((l) => `    ${l}`)];
  });
  return lines.length === 0 ? "" : `A rollback could not undo:\n${lines.join("\n")}\n`;
};
