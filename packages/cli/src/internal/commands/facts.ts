/** `tend facts`: the host facts tend gathers, as JSON keyed by host. */
import { closeAll, reachHosts, selectTargets } from "../hosts.js";
import { type CommandContext, type CommonOptions, EXIT, hostOptionsOf, printErrors } from "./context.js";

/** Runs `tend facts`; returns the exit code. */
export const factsCommand = async (ctx: CommandContext, o: CommonOptions): Promise<number> => {
  const selected = await selectTargets(hostOptionsOf(o), ctx.deps);
  if (selected._tag === "Left") {
    printErrors(ctx, selected.left);
    return EXIT.error;
  }
  const reached = await reachHosts(
    selected.right,
    selected.right.hosts,
    ctx.deps,
    ctx.progress,
    ctx.concurrency,
  );
  await closeAll(reached);
  const out: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const host of selected.right.hosts) {
    const r = reached.get(host);
    if (r?.ok) out[host] = r.facts;
    else errors.push(r ? r.error : `${host}: not reached`);
  }
  ctx.io.stdout(`${JSON.stringify(out, null, 2)}\n`);
  printErrors(ctx, errors);
  return errors.length > 0 ? EXIT.error : EXIT.ok;
};
