/**
 * `tend apply --batch N|P% --max-fail N|P% [--rollback-on-fail]`: the plan
 * applied in rolling batches (etcd, controllers, workers unless
 * tend_rollout_order says otherwise), each host's health gates waited for,
 * and the rollout stopped once more hosts than the budget have failed.
 * The flags are checked before anything is read or any host contacted.
 */
import { hostname } from "node:os";
import {
  type HealthGate,
  type Plan,
  parseShare,
  type Resource,
  type RolloutReport,
  renderRolloutReport,
  rollout,
  rolloutOrder,
  type Share,
  type Target,
} from "@tend/core";
import type { Reached } from "../hosts.js";
import { readSource } from "../planning.js";
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
}

/** The report as JSON: every host with its outcome, apply, gates and rollback. */
export const encodeRolloutReport = (r: RolloutReport): string =>
  `${JSON.stringify({ format: "tend-rollout/1", ...r }, null, 2)}\n`;

/** Runs the rollout and prints its report; exit 0 only when every host is done. */
export const carryOutRollout = async (
  ctx: CommandContext,
  plan: Plan,
  reached: ReadonlyMap<string, Reached>,
  inputs: RolloutInputs,
  settings: RolloutSettings,
  lockWaitMs: number,
  json: boolean,
): Promise<number> => {
  const targets = new Map<string, Target>();
  for (const [host, r] of reached) if (r.ok) targets.set(host, r.target);
  const hosts = plan.hosts.map((h) => h.host);
  const order = rolloutOrder(hosts, (h) => inputs.groups.get(h) ?? [], inputs.rolloutOrder);
  const report = await rollout(plan, targets, {
    batch: settings.batch,
    maxFail: settings.maxFail,
    order,
    gates: inputs.gates,
    ...(ctx.deps.sleep ? { sleep: ctx.deps.sleep } : {}),
    readSource,
    concurrency: ctx.concurrency,
    recheckFacts: true,
    lockHolder: { controller: hostname(), pid: process.pid },
    lockWaitMs,
    resources: inputs.resources,
    onEvent: (e) => {
      if (e.phase !== "done") ctx.progress.state(e.host, e.phase);
    },
    onBatch: (_n, done) => {
      for (const h of done)
        ctx.progress.done(h.host, h.outcome === "done", h.outcome === "done" ? "done" : "failed");
    },
  });
  ctx.io.stdout(json ? encodeRolloutReport(report) : renderRolloutReport(report, { color: ctx.color }));
  return report.hosts.every((h) => h.outcome === "done") ? EXIT.ok : EXIT.error;
};
