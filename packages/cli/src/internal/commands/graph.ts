/**
 * `tend graph`: one host's resource graph as DOT (or SVG through Graphviz).
 * The resources come from the same pipeline as `tend plan` (variables, facts,
 * modules), so the graph is the one plan orders by; nothing on the host
 * changes.
 */
import { describePlanError, resourceGraph } from "@tend/core";
import { isLeft } from "fp-ts/lib/Either.js";
import { graphDot } from "../graph-dot.js";
import { renderDot } from "../graphviz.js";
import { closeAll, selectTargets } from "../hosts.js";
import { idleHint } from "../idle-hosts.js";
import { planRun } from "../planning.js";
import { type CommandContext, type CommonOptions, EXIT, hostOptionsOf, printErrors } from "./context.js";

/** Options of `tend graph`. */
export interface GraphOptions extends CommonOptions {
  readonly format: "dot" | "svg";
}

/** Runs `tend graph`; returns the exit code. */
export const graphCommand = async (ctx: CommandContext, o: GraphOptions): Promise<number> => {
  const options = hostOptionsOf(o);
  // One host: count the selection before connecting to anything.
  const selected = await selectTargets(options, ctx.deps);
  if (isLeft(selected)) {
    printErrors(ctx, selected.left);
    return EXIT.error;
  }
  const hosts = selected.right.hosts;
  if (hosts.length !== 1) {
    const shown = hosts.slice(0, 5).join(", ") + (hosts.length > 5 ? ", …" : "");
    printErrors(ctx, [
      `tend graph shows one host, but ${hosts.length} are selected (${shown}): pick one with --limit HOST`,
    ]);
    return EXIT.error;
  }
  const host = hosts[0]!;
  const run = await planRun(options, ctx.deps, ctx.progress, ctx.concurrency);
  if ("errors" in run) {
    printErrors(ctx, run.errors);
    return EXIT.error;
  }
  await closeAll(run.reached);
  const resources = run.resources.get(host);
  if (resources === undefined) {
    const hp = run.plan.hosts.find((h) => h.host === host);
    printErrors(ctx, hp?.status === "error" ? hp.errors : [`${host}: no resources were declared`]);
    return EXIT.error;
  }
  // An empty graph because the host is in none of the modules' groups: say why, beside the DOT.
  const idle = idleHint(run, ctx.deps.modules.groups, o.inventory);
  if (idle) ctx.io.stderr(idle);
  const graph = resourceGraph(resources);
  if (isLeft(graph)) {
    printErrors(
      ctx,
      graph.left.map((e) => `${host}: ${describePlanError(e)}`),
    );
    return EXIT.error;
  }
  const dot = graphDot(host, graph.right);
  if (o.format === "dot") {
    ctx.io.stdout(dot);
    return EXIT.ok;
  }
  const svg = await renderDot(dot, o.format, ctx.io.env);
  if (!svg.ok) {
    printErrors(ctx, [svg.error]);
    return EXIT.error;
  }
  ctx.io.stdout(svg.output);
  return EXIT.ok;
};
