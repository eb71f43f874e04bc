/** `tend facts`: the host facts tend gathers, as JSON keyed by host. */
import { isLeft } from "fp-ts/lib/Either.js";
import { closeAll, reachHosts } from "../hosts.js";
import { problemSummary, renderProblems } from "../problems.js";
import { validateRun } from "../validation.js";
import { type CommandContext, type CommonOptions, EXIT, hostOptionsOf, printErrors } from "./context.js";

/** Runs `tend facts`; returns the exit code. Validates first: with any problem, no host is contacted. */
export const factsCommand = async (ctx: CommandContext, o: CommonOptions): Promise<number> => {
  const validated = await validateRun(hostOptionsOf(o), ctx.deps);
  if (isLeft(validated)) {
    printErrors(ctx, [...renderProblems(validated.left), problemSummary(validated.left)]);
    return EXIT.error;
  }
  const { selection } = validated.right;
  const reached = await reachHosts(selection, selection.hosts, ctx.deps, ctx.progress, ctx.concurrency);
  await closeAll(reached);
  const out: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const host of selection.hosts) {
    const r = reached.get(host);
    if (r?.ok) out[host] = r.facts;
    else errors.push(r ? r.error : `${host}: not reached`);
  }
  ctx.io.stdout(`${JSON.stringify(out, null, 2)}\n`);
  printErrors(ctx, errors);
  return errors.length > 0 ? EXIT.error : EXIT.ok;
};
