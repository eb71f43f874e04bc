/**
 * Rollouts: a plan applied in rolling batches with a failure budget. Each
 * batch goes through apply (lock, stale check, convergence re-plan as for
 * any apply); then every host of the batch that applied must pass its health
 * gates. A failed op, a host that could not be planned or reached, a host
 * not converged and a failed gate each spend the budget; the count runs
 * across batches. Once more hosts than the budget have failed, no host of a
 * later batch is touched.
 */
import * as E from "fp-ts/lib/Either.js";
import type { HealthGate } from "../health/gate.js";
import { type GateResult, runGates, type Sleep } from "../health/run.js";
import type { Plan } from "../plan/format.js";
import type { Target } from "../target.js";
import { type ApplyOptions, apply, type HostApplyReport, mapBounded } from "./apply.js";
import { bareRun, isPlannedRun, type PlannedRun } from "./planned.js";

/** `N` hosts or `P%` of the selected hosts. */
export type Share = { readonly count: number } | { readonly percent: number };

/**
 * Parses `--batch`/`--max-fail` values: a whole number (`3`) or a
 * percentage (`25%`, 0–100, decimals allowed). `min` is the least count
 * allowed (1 for a batch, 0 for a budget).
 */
export const parseShare = (option: string, text: string, min: 0 | 1): E.Either<string, Share> => {
  const m = /^(\d{1,9})(?:(\.\d{1,6})?(%))?$/.exec(text.trim());
  const percent = m?.[3] === "%";
  const value = m ? Number(`${m[1]}${m[2] ?? ""}`) : Number.NaN;
  if (!m || (percent && (value > 100 || (min === 1 && value === 0))) || (!percent && value < min))
    return E.left(
      `${option}: ${JSON.stringify(text)} is not ${min === 1 ? "a batch size" : "a failure budget"}: give a whole number${min === 1 ? " of at least 1" : ""} (e.g. 2) or a percentage of the selected hosts${min === 1 ? " above 0" : ""} (e.g. 25%)`,
    );
  return E.right(percent ? { percent: value } : { count: value });
};

/**
 * Hosts per batch: a percentage rounds up (25% of 10 is 3), at least 1.
 * Failures allowed: a percentage rounds down (25% of 10 is 2; 10% of 5 is 0).
 */
export const batchSizeOf = (s: Share, total: number): number =>
  "count" in s ? s.count : Math.max(1, Math.ceil((total * s.percent) / 100 - 1e-9));
export const budgetOf = (s: Share, total: number): number =>
  "count" in s ? s.count : Math.floor((total * s.percent) / 100 + 1e-9);

/** The default order of groups: etcd, controllers, workers. */
export const DEFAULT_ROLLOUT_ORDER: readonly string[] = ["k8s_etcd", "k8s_controller", "k8s_worker"];

/**
 * Hosts in rollout order: the hosts of each group of `order` in turn (a
 * host in two groups goes with the first), then the others; by name within
 * each.
 */
export const rolloutOrder = (
  hosts: readonly string[],
  groupsOf: (host: string) => readonly string[],
  order: readonly string[] = DEFAULT_ROLLOUT_ORDER,
): string[] => {
  const rank = (h: string): number => {
    const groups = groupsOf(h);
    const i = order.findIndex((g) => groups.includes(g));
    return i === -1 ? order.length : i;
  };
  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...new Set(hosts)].sort((a, b) => rank(a) - rank(b) || byName(a, b));
};

export type RolloutOutcome = "done" | "failed" | "untouched";

/** One host of a rollout. */
export interface RolloutHostReport {
  readonly host: string;
  /** 1-based batch the host belongs to (untouched hosts too). */
  readonly batch: number;
  readonly outcome: RolloutOutcome;
  /** Why it failed, or why it was left untouched. */
  readonly reason?: string;
  /** The apply of this host, when it was applied. */
  readonly apply?: HostApplyReport;
  /** Its health gates, in declaration order, when they ran. */
  readonly gates: readonly GateResult[];
  /** The rollback of a failed host, when asked for. */
  readonly rollback?: RollbackResult;
}

/** What a rollback of one host did. */
export interface RollbackResult {
  readonly restored: boolean;
  /** One line: rolled back and verified, or why not. */
  readonly detail: string;
  /** What an apply cannot undo (packages installed, users created), by resource id. */
  readonly notRestorable: readonly string[];
}

export interface RolloutReport {
  /** Every selected host exactly once, in rollout order. */
  readonly hosts: readonly RolloutHostReport[];
  readonly batchSize: number;
  readonly batches: number;
  /** Failures allowed; the rollout stops once `failed` exceeds it. */
  readonly budget: number;
  readonly failed: number;
  /** True when the budget ran out before the last batch. */
  readonly stopped: boolean;
}

export interface RolloutOptions extends ApplyOptions {
  readonly batch: Share;
  readonly maxFail: Share;
  /** Host names in rollout order (see rolloutOrder); hosts of the plan not listed go last, by name. */
  readonly order: readonly string[];
  /** Health gates per host (none: the host counts as done once applied and converged). */
  readonly gates?: ReadonlyMap<string, readonly HealthGate[]>;
  /** The clock of gate retries (tests pass one that does not wait). */
  readonly sleep?: Sleep;
  /** Puts a failed host back as it was before this apply (see rollback.ts). */
  readonly rollback?: (
    host: string,
    target: Target,
    report: HostApplyReport | undefined,
  ) => Promise<RollbackResult>;
  /** Called for each host that is done (e.g. to remove what was kept for its rollback). */
  readonly release?: (host: string, target: Target) => Promise<void>;
  /** Called after each batch with its host reports. */
  readonly onBatch?: (batch: number, hosts: readonly RolloutHostReport[]) => void;
}

/** Why an applied host does not count as done before its gates, or undefined. */
const applyFailure = (r: HostApplyReport): string | undefined => {
  if (r.status === "unchanged") return undefined;
  if (r.status !== "applied") return r.error;
  if (r.verdict.converged) return undefined;
  return "pending" in r.verdict
    ? `${r.host}: not converged: ${r.verdict.pending.map((p) => `${p.action} ${p.id}`).join(", ")}`
    : `${r.host}: convergence not verified: ${r.verdict.unverified}`;
};

const lookupIn =
  (targets: Target | ReadonlyMap<string, Target>) =>
  (host: string): Target | undefined =>
    "run" in targets && typeof (targets as Target).run === "function"
      ? (targets as Target)
      : (targets as ReadonlyMap<string, Target>).get(host);

/**
 * Applies `planned` batch by batch, gates each host, and stops when the
 * budget is spent. A planned run keeps its in-memory blobs (sensitive
 * contents) for every batch; a bare plan reads them from sources or inline.
 */
export const rollout = async (
  planned: PlannedRun | Plan,
  targets: Target | ReadonlyMap<string, Target>,
  options: RolloutOptions,
): Promise<RolloutReport> => {
  const run = isPlannedRun(planned) ? planned : bareRun(planned);
  const plan = run.plan;
  const inPlan = new Set(plan.hosts.map((h) => h.host));
  const listed = options.order.filter((h) => inPlan.has(h));
  const rest = [...inPlan].filter((h) => !listed.includes(h)).sort();
  const order = [...new Set([...listed, ...rest])];
  const batchSize = batchSizeOf(options.batch, order.length);
  const budget = budgetOf(options.maxFail, order.length);
  const lookup = lookupIn(targets);
  const reports: RolloutHostReport[] = [];
  let failed = 0;
  let batches = 0;
  for (let start = 0; start < order.length; start += batchSize) {
    const batch = order.slice(start, start + batchSize);
    const number = start / batchSize + 1;
    if (failed > budget) {
      const reason = `not started: ${failed} host(s) failed, more than the budget of ${budget}`;
      reports.push(
        ...batch.map((host) => ({ host, batch: number, outcome: "untouched" as const, reason, gates: [] })),
      );
      continue;
    }
    batches++;
    const members = new Set(batch);
    const sub: PlannedRun = {
      plan: { ...plan, hosts: plan.hosts.filter((h) => members.has(h.host)) },
      hosts: run.hosts,
    };
    const applied = await apply(sub, targets, options);
    const byHost = new Map(applied.hosts.map((r) => [r.host, r]));
    const done = await mapBounded(batch, options.concurrency ?? 10, async (host) =>
      finishHost(host, number, byHost.get(host), lookup(host), options),
    );
    failed += done.filter((r) => r.outcome === "failed").length;
    reports.push(...done);
    options.onBatch?.(number, done);
  }
  return {
    hosts: reports,
    batchSize,
    batches: Math.ceil(order.length / batchSize),
    budget,
    failed,
    stopped: batches < Math.ceil(order.length / batchSize),
  };
};

/** Gates of an applied host, then its outcome; a failed host is rolled back when asked. */
const finishHost = async (
  host: string,
  batch: number,
  report: HostApplyReport | undefined,
  target: Target | undefined,
  options: RolloutOptions,
): Promise<RolloutHostReport> => {
  const base = { host, batch, ...(report ? { apply: report } : {}) };
  const why = report ? applyFailure(report) : `${host}: not applied`;
  let gates: GateResult[] = [];
  let reason = why;
  if (!why && target) {
    gates = await runGates(target, options.gates?.get(host) ?? [], options.sleep);
    const bad = gates.find((g) => !g.passed);
    if (bad)
      reason = `${host}: health gate ${bad.name} failed after ${bad.tries} tries: ${bad.reason ?? "no reason"}`;
  }
  if (!reason) {
    if (options.release && target && report?.status === "applied") await options.release(host, target);
    return { ...base, outcome: "done", gates };
  }
  // A host never reached, refused before op 0 (stale, locked: no failed action), or without
  // changes has nothing of this apply to undo.
  const touched =
    report?.status === "applied" || (report?.status === "failed" && report.failedAction !== undefined);
  const rollback =
    options.rollback && target && touched ? await options.rollback(host, target, report) : undefined;
  return { ...base, outcome: "failed", reason, gates, ...(rollback ? { rollback } : {}) };
};
