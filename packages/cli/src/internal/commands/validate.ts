/**
 * `tend validate`: the validation phase alone. Checks the inventory and
 * every selected host's variables, connection settings and controller files
 * without contacting any host. Exit 0 when clean, 1 with problems; `--json`
 * prints the problems as a list of {host, file, line, variable, message}.
 */
import { isLeft } from "fp-ts/lib/Either.js";
import { problemSummary, renderProblems } from "../problems.js";
import { validateRun } from "../validation.js";
import { type CommandContext, type CommonOptions, EXIT, hostOptionsOf, printErrors } from "./context.js";

/** Options of `tend validate`. */
export interface ValidateOptions extends CommonOptions {
  readonly json?: boolean;
}

/** Runs `tend validate`; returns the exit code. */
export const validateCommand = async (ctx: CommandContext, o: ValidateOptions): Promise<number> => {
  const r = await validateRun(hostOptionsOf(o), ctx.deps);
  const problems = isLeft(r) ? r.left : [];
  if (o.json) {
    ctx.io.stdout(`${JSON.stringify(problems, null, 2)}\n`);
  } else if (problems.length > 0) {
    printErrors(ctx, [...renderProblems(problems), problemSummary(problems)]);
  } else if (!isLeft(r)) {
    const n = r.right.selection.hosts.length;
    ctx.io.stdout(`valid: ${n} host${n === 1 ? "" : "s"} checked, no problems\n`);
  }
  return problems.length > 0 ? EXIT.error : EXIT.ok;
};
