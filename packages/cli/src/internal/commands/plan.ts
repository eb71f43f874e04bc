/** `tend plan`: show (or save) what apply would change; never changes a host. */
import { writeFile } from "node:fs/promises";
import { encodePlan, planIsEmpty, renderGates } from "@tend/core";
import { closeAll } from "../hosts.js";
import { idleHint } from "../idle-hosts.js";
import { withGates } from "../plan-gates.js";
import { planRun } from "../planning.js";
import { changedHosts, planSummaryChunks } from "../summary.js";
import { stopwatch, timedPlan } from "../timing.js";
import { type CommandContext, type CommonOptions, EXIT, hostOptionsOf, printErrors } from "./context.js";
import { writePlanHtml } from "./plan-html.js";

/** Options of `tend plan`. */
export interface PlanOptions extends CommonOptions {
  readonly out?: string;
  readonly json?: boolean;
  readonly detailedExitcode?: boolean;
  /** `--html FILE`: also write the review page. */
  readonly html?: string;
}

/** Runs `tend plan`; returns the exit code. */
export const planCommand = async (ctx: CommandContext, o: PlanOptions): Promise<number> => {
  const elapsed = stopwatch();
  const run = await planRun(hostOptionsOf(o), ctx.deps, ctx.progress, ctx.concurrency);
  if ("errors" in run) {
    printErrors(ctx, run.errors);
    return EXIT.error;
  }
  await closeAll(run.reached);
  // Each host's time and the whole plan's go into the plan: text, --json, --out and --html alike;
  // so do its health gates, which a rollout of the saved plan waits for.
  const plan = withGates(timedPlan(run.plan, ctx.progress.lap(), elapsed()), run.gates);
  // A host declared nothing because it is in none of the modules' groups: say so (stderr with --json).
  const idle = idleHint(run, ctx.deps.modules.groups, o.inventory);
  if (o.json) {
    ctx.io.stdout(encodePlan(plan));
    if (idle) ctx.io.stderr(idle);
  } else {
    for (const chunk of planSummaryChunks(plan, run.hostGroups, { color: ctx.color })) ctx.io.stdout(chunk);
    ctx.io.stdout(renderGates(run.gates, changedHosts(plan)));
    ctx.io.stdout(idle);
  }
  if (o.out !== undefined) {
    try {
      await writeFile(o.out, encodePlan(plan), { mode: 0o600 });
    } catch (e) {
      printErrors(ctx, [`cannot write plan to ${o.out}: ${(e as Error).message}`]);
      return EXIT.error;
    }
    if (!o.json)
      ctx.io.stdout(`Saved the plan to ${o.out}; apply it with: tend apply ${o.out} -i INVENTORY\n`);
  }
  if (o.html !== undefined) {
    const page = { json: o.json === true, ...(o.inventory !== undefined ? { inventory: o.inventory } : {}) };
    if (!(await writePlanHtml(ctx, plan, o.html, page))) return EXIT.error;
  }
  if (plan.hosts.some((h) => h.status === "error")) return EXIT.error;
  return o.detailedExitcode && !planIsEmpty(plan) ? EXIT.changes : EXIT.ok;
};
