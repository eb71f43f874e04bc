/**
 * `tend apply`: from an inventory (plan, show, confirm, apply) or from a
 * saved plan file (apply as reviewed, connections from `-i` or `--local`).
 * After apply every host is planned again and the result reported:
 * converged, or what is still pending.
 */
import { hostname } from "node:os";
import {
  type ApplyEvent,
  type ApplyReport,
  apply,
  bareRun,
  type HostApplyReport,
  isConverged,
  type Plan,
  type PlannedRun,
  type Resource,
  renderGates,
  type Target,
  type TargetError,
} from "@tend/core";
import { isLeft } from "fp-ts/lib/Either.js";
import { describeHostFailure } from "../become-messages.js";
import { type Connection, describeConnectionVarError } from "../connect.js";
import { closeAll, type Reached, reachHosts, selectTargets } from "../hosts.js";
import { idleHint } from "../idle-hosts.js";
import { connectionProblems } from "../key-file.js";
import { readPlanFile } from "../plan-file.js";
import { savedRollout } from "../plan-gates.js";
import { planRun, type readSource, readSourceOnce } from "../planning.js";
import {
  changedHosts,
  type HostGroups,
  hostGroupsOf,
  planSummaryChunks,
  renderApplySummary,
} from "../summary.js";
import { stopwatch, timedApplyReport, timedPlan } from "../timing.js";
import { type CommandContext, type CommonOptions, EXIT, hostOptionsOf, printErrors } from "./context.js";
import {
  carryOutRollout,
  type RolloutFlags,
  type RolloutSettings,
  renderNotRestorable,
  rolloutSettingsOf,
} from "./rollout.js";

/** Options of `tend apply`. */
export interface ApplyOptions extends CommonOptions, RolloutFlags {
  readonly yes?: boolean;
  /** How long to wait for another apply's lock on a host, e.g. "30s", "2m" (default: refuse at once). */
  readonly lockTimeout?: string;
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Milliseconds of a duration such as `30s`, `2m`, `1.5h` or `500ms` (a
 * number and a unit, nothing else), or a message naming the option.
 */
export const parseDuration = (option: string, text: string): { ms: number } | { error: string } => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  const ms = m ? Number(m[1]) * (UNIT_MS[m[2] as string] as number) : Number.NaN;
  if (!Number.isFinite(ms) || ms > 24 * 3_600_000)
    return {
      error: `${option}: ${JSON.stringify(text)} is not a duration: give a number and a unit (ms, s, m, h), at most 24h, e.g. 30s or 2m`,
    };
  return { ms };
};

/** Applied (or nothing to do) and converged: a failed op fails the host even if the re-plan is empty. */
const succeeded = (r: HostApplyReport): boolean => r.status !== "failed" && isConverged(r);

const onEvent =
  (ctx: CommandContext) =>
  (e: ApplyEvent): void => {
    if (e.phase === "done") {
      const r = e.report;
      const ok = succeeded(r);
      ctx.progress.done(e.host, ok, r.status === "applied" ? `applied ${r.opsRun} ops` : r.status);
    } else {
      ctx.progress.state(e.host, e.phase);
    }
  };

/** Applies and prints the report; exit 1 unless every host applied (or had nothing to do) and converged. */
const carryOut = async (
  ctx: CommandContext,
  plan: PlannedRun | Plan,
  reached: ReadonlyMap<string, Reached>,
  resources: ReadonlyMap<string, readonly Resource[]> | undefined,
  lockWaitMs: number,
  json: boolean,
  groups: HostGroups,
  read: typeof readSource,
  connectionOf: (host: string) => Connection | undefined = () => undefined,
): Promise<number> => {
  const targets = new Map<string, Target>();
  for (const [host, r] of reached) if (r.ok) targets.set(host, r.target);
  const elapsed = stopwatch();
  // A new phase: each host's apply is timed from its first apply event.
  ctx.progress.lap();
  const applied: ApplyReport = await apply(plan, targets, {
    readSource: read,
    onEvent: onEvent(ctx),
    concurrency: ctx.concurrency,
    // The stale check and the host lock ride on the op batch's exec: always on, they cost no round trip.
    recheckFacts: true,
    lockHolder: { controller: hostname(), pid: process.pid },
    lockWaitMs,
    ...(resources ? { resources } : {}),
    // A become refused by the op batch reads as one refused while planning: with what to set.
    describeError: (e: TargetError) => describeHostFailure(e, connectionOf(e.host)),
  });
  const report = timedApplyReport(applied, ctx.progress.lap(), elapsed());
  ctx.io.stdout(
    json ? `${JSON.stringify(report, null, 2)}\n` : renderApplySummary(report, groups, { color: ctx.color }),
  );
  const good = report.hosts.every(succeeded);
  return good ? EXIT.ok : EXIT.error;
};

/** Asks for "yes" on a terminal; refuses elsewhere. Returns an error line, or undefined to go on. */
const confirm = async (ctx: CommandContext): Promise<string | undefined> => {
  if (!ctx.io.stdinIsTTY) return "refusing to apply without --yes: there is no terminal to confirm on";
  const answer = await ctx.io.prompt("Apply these changes? Only 'yes' will be accepted: ");
  return answer?.trim() === "yes" ? undefined : "apply cancelled";
};

const fromInventory = async (
  ctx: CommandContext,
  o: ApplyOptions,
  lockWaitMs: number,
  rolling: RolloutSettings | undefined,
): Promise<number> => {
  const elapsed = stopwatch();
  const run = await planRun(hostOptionsOf(o), ctx.deps, ctx.progress, ctx.concurrency);
  if ("errors" in run) {
    printErrors(ctx, run.errors);
    return EXIT.error;
  }
  try {
    // With --json stdout carries the report only. The printed plan carries durations; apply gets the run.
    const shown = timedPlan(run.plan, ctx.progress.lap(), elapsed());
    if (!o.json)
      for (const chunk of planSummaryChunks(shown, run.hostGroups, { color: ctx.color }))
        ctx.io.stdout(chunk);
    if (rolling && !o.json) ctx.io.stdout(renderGates(run.gates, changedHosts(run.plan)));
    if (rolling?.rollbackOnFail && !o.json) ctx.io.stdout(renderNotRestorable(run.plan));
    const idle = idleHint(run, ctx.deps.modules.groups, o.inventory);
    if (idle) (o.json ? ctx.io.stderr : ctx.io.stdout)(idle);
    const anyFailed = run.plan.hosts.some((h) => h.status === "error");
    // Nothing to do on the hosts that could be planned: no question, and no apply, unless a
    // rollout still waits for the hosts' gates (as the plan said) or --json owes its report
    // (as applying a saved plan gives one): both contact no host that has nothing to do.
    const anyChanges = run.plan.hosts.some((h) => h.status === "ready" && h.actions.length > 0);
    if (!anyChanges && !rolling && !o.json) return anyFailed ? EXIT.error : EXIT.ok;
    if (anyChanges && !o.yes) {
      const refused = await confirm(ctx);
      if (refused) {
        printErrors(ctx, [refused]);
        return EXIT.error;
      }
    }
    // The planned run, not only its plan: sensitive contents are in memory only.
    const code = rolling
      ? await carryOutRollout(ctx, run, run.reached, run, rolling, lockWaitMs, o.json === true)
      : await carryOut(
          ctx,
          run,
          run.reached,
          run.resources,
          lockWaitMs,
          o.json === true,
          run.hostGroups,
          run.readSource,
          run.connectionOf,
        );
    return anyFailed ? EXIT.error : code;
  } finally {
    await closeAll(run.reached);
  }
};

const fromPlanFile = async (
  ctx: CommandContext,
  file: string,
  o: ApplyOptions,
  lockWaitMs: number,
): Promise<number> => {
  if (o.limit && o.limit.length > 0) {
    printErrors(ctx, ["--limit cannot narrow a saved plan; make a new plan with --limit instead"]);
    return EXIT.error;
  }
  if (o.inventory === undefined && !o.local) {
    printErrors(ctx, [`${file}: give -i INVENTORY (or --local) so tend knows how to reach the plan's hosts`]);
    return EXIT.error;
  }
  const decoded = await readPlanFile(file);
  if (isLeft(decoded)) {
    printErrors(ctx, decoded.left);
    return EXIT.error;
  }
  const plan = decoded.right;
  const ready = plan.hosts.filter((h) => h.status === "ready").map((h) => h.host);
  if (o.local && ready.length !== 1) {
    printErrors(ctx, [`${file}: --local applies a plan of one host, this one has ${ready.length}`]);
    return EXIT.error;
  }
  const hostOptions = { ...hostOptionsOf(o), limit: o.local && o.inventory !== undefined ? ready : [] };
  const selected = await selectTargets(hostOptions, ctx.deps);
  if (isLeft(selected)) {
    printErrors(ctx, selected.left);
    return EXIT.error;
  }
  const selection = selected.right;
  // --local without an inventory: the plan's one host is this machine, whatever it was called.
  const connections =
    o.local && o.inventory === undefined
      ? new Map(ready.map((h) => [h, { _tag: "Right" as const, right: { type: "local" as const, host: h } }]))
      : selection.connections;
  const unknown = ready.filter((h) => !connections.has(h));
  if (unknown.length > 0) {
    printErrors(
      ctx,
      unknown.map((h) => `${file}: host ${h} is not in ${selection.inventory.path}`),
    );
    return EXIT.error;
  }
  // A bad connection variable (or key file) on any of the plan's hosts stops the apply before any connection.
  const badConnections: string[] = [];
  for (const h of ready) {
    const c = connections.get(h);
    if (c && !isLeft(c) && c.right.type === "local") continue;
    const found = await connectionProblems(
      h,
      selection.layers.get(h) ?? [],
      { user: ctx.deps.user },
      c ? { connection: c } : {},
    );
    badConnections.push(...found.map(describeConnectionVarError));
  }
  if (badConnections.length > 0) {
    printErrors(ctx, [...badConnections, "no host was contacted"]);
    return EXIT.error;
  }
  // A rollout waits for the gates the plan holds, in the inventory's order: both checked before any connection.
  const rolling = rolloutSettingsOf(o);
  const saved =
    rolling === undefined || "errors" in rolling
      ? undefined
      : savedRollout(file, plan, selection.inventory, (h) => selection.layers.get(h) ?? []);
  if (saved && "errors" in saved) {
    printErrors(ctx, [...saved.errors, "no host was contacted"]);
    return EXIT.error;
  }
  const groups = hostGroupsOf(selection.inventory, ready);
  // What is about to happen, once, before any progress: the plan as reviewed.
  if (!o.json)
    for (const chunk of planSummaryChunks(plan, groups, { color: ctx.color })) ctx.io.stdout(chunk);
  const reached = await reachHosts(
    { ...selection, connections },
    ready,
    ctx.deps,
    ctx.progress,
    ctx.concurrency,
    false,
  );
  try {
    const unreachable = [...reached.values()].flatMap((r) => (r.ok ? [] : [r.error]));
    printErrors(ctx, unreachable);
    // An unreachable host is one more failure against the rollout's budget (its report says so).
    if (saved && rolling && !("errors" in rolling)) {
      const inputs = {
        ...saved,
        resources: new Map(),
        readSource: readSourceOnce(ctx.deps.cacheDir),
        connectionOf: (h: string) => {
          const c = connections.get(h);
          return c && !isLeft(c) ? c.right : undefined;
        },
      };
      return await carryOutRollout(ctx, bareRun(plan), reached, inputs, rolling, lockWaitMs, o.json === true);
    }
    const code = await carryOut(
      ctx,
      plan,
      reached,
      undefined,
      lockWaitMs,
      o.json === true,
      groups,
      readSourceOnce(ctx.deps.cacheDir),
      (h) => {
        const c = connections.get(h);
        return c && !isLeft(c) ? c.right : undefined;
      },
    );
    return unreachable.length > 0 || plan.hosts.some((h) => h.status === "error") ? EXIT.error : code;
  } finally {
    await closeAll(reached);
  }
};

/** Runs `tend apply [PLANFILE]`; returns the exit code. A bad option is refused before any host is contacted. */
export const applyCommand = async (
  ctx: CommandContext,
  planFile: string | undefined,
  o: ApplyOptions,
): Promise<number> => {
  const wait = o.lockTimeout === undefined ? { ms: 0 } : parseDuration("--lock-timeout", o.lockTimeout);
  if ("error" in wait) {
    printErrors(ctx, [wait.error]);
    return EXIT.error;
  }
  const rolling = rolloutSettingsOf(o);
  if (rolling && "errors" in rolling) {
    printErrors(ctx, rolling.errors);
    return EXIT.error;
  }
  return planFile === undefined
    ? fromInventory(ctx, o, wait.ms, rolling)
    : fromPlanFile(ctx, planFile, o, wait.ms);
};
