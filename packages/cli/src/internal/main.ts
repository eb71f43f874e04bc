/**
 * The `tend` command line: validate, plan, apply and facts, parsed with commander.
 * main() never throws and never exits the process: it returns the exit code,
 * and any unexpected exception becomes "internal error: <message>".
 */
import { Command, CommanderError, Option } from "commander";
// Commands are imported when they run, so `--help` and `--version` load only
// commander: the engine, io-ts codecs, yaml and the modules cost ~0.15 s.
import type { ApplyOptions } from "./commands/apply.js";
import { type CommonOptions, contextOf, EXIT, printErrors } from "./commands/context.js";
import type { GraphOptions } from "./commands/graph.js";
import type { PlanOptions } from "./commands/plan.js";
import type { ValidateOptions } from "./commands/validate.js";
import type { Deps } from "./facade.js";
import { HELP_AFTER } from "./help.js";
import type { CliIo } from "./io.js";
import { cliVersion } from "./version.js";

const ASK_BECOME_PASS = [
  "-K, --ask-become-pass",
  "ask for the become (sudo/su) password once, for every host with ansible_become and no ansible_become_password",
] as const;

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

const withHostOptions = (cmd: Command, limitHelp: string): Command =>
  cmd
    .option(
      "-i, --inventory <file>",
      "Ansible inventory (YAML or INI), with group_vars/ and host_vars/ beside it",
    )
    .option("-l, --limit <pattern>", limitHelp, collect)
    .option("--local", "work on the machine tend runs on, through the local transport")
    .option("--concurrency <n>", "hosts worked on at once", "50")
    .option("--no-color", "no colour, even on a terminal (NO_COLOR is honoured too)");

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export const run = async (argv: readonly string[], io: CliIo, deps: () => Promise<Deps>): Promise<number> => {
  let code: number = EXIT.ok;
  const program = new Command("tend")
    .description("Make Linux hosts match declared state (Kubernetes workers from an Ansible inventory).")
    .exitOverride()
    .showHelpAfterError("(run tend --help for usage)")
    .version(cliVersion(), "-V, --version", "print tend's version")
    .addHelpText("after", HELP_AFTER)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: (s, write) => write(s) });

  const context = async (o: CommonOptions & { readonly askBecomePass?: boolean }) => {
    let d = await deps();
    if (o.askBecomePass === true) {
      const asked = await (await import("./become-pass.js")).askBecomePass(io, d);
      if (asked._tag === "Left") {
        printErrors({ io }, [asked.left]);
        code = EXIT.error;
        return undefined;
      }
      d = asked.right;
    }
    const ctx = contextOf(io, d, o);
    if (typeof ctx === "string") {
      printErrors({ io }, [ctx]);
      code = EXIT.error;
      return undefined;
    }
    return ctx;
  };

  withHostOptions(
    program
      .command("validate")
      .description(
        "check the inventory, variables, connection settings and controller files; contacts no host",
      ),
    "only these hosts: names, groups, globs, comma lists, !exclusions (repeatable)",
  )
    .option("--json", "print the problems as JSON: a list of {host, file, line, variable, message}")
    .action(async (o: ValidateOptions) => {
      const ctx = await context(o);
      if (ctx) code = await (await import("./commands/validate.js")).validateCommand(ctx, o);
    });

  withHostOptions(
    program.command("plan").description("show what apply would change; changes nothing"),
    "only these hosts: names, groups, globs, comma lists, !exclusions (repeatable)",
  )
    .option("-o, --out <file>", "save the plan (JSON, tend-plan/2) for `tend apply FILE`")
    .option("--json", "print the plan as JSON (tend-plan/2) instead of text")
    .option("--detailed-exitcode", "exit 2 when there are changes, 0 when there are none")
    .option("--html <file>", "also write the plan as one self-contained HTML page to review in a browser")
    .option(...ASK_BECOME_PASS)
    .action(async (o: PlanOptions) => {
      const ctx = await context(o);
      if (ctx) code = await (await import("./commands/plan.js")).planCommand(ctx, o);
    });

  withHostOptions(
    program
      .command("apply")
      .description("apply the inventory's declared state, or a saved plan, then check convergence")
      .argument("[planfile]", "a plan saved with `tend plan --out`; hosts are reached through -i or --local"),
    "only these hosts (not with a plan file)",
  )
    .addOption(new Option("-y, --yes", "apply without asking (needed when stdin is not a terminal)"))
    .addOption(
      new Option(
        "--lock-timeout <duration>",
        "wait this long (e.g. 30s, 2m) for another apply's lock on a host instead of failing at once",
      ),
    )
    .addOption(
      new Option(
        "--batch <n|p%>",
        "roll out in batches of N hosts or P% of them (etcd, controllers, workers first; tend_rollout_order), waiting for each host's health gates",
      ),
    )
    .addOption(
      new Option(
        "--max-fail <n|p%>",
        "stop the rollout once more than N hosts (or P%, rounded down) have failed (default 0)",
      ),
    )
    .addOption(
      new Option("--rollback-on-fail", "put a host whose apply or health gate failed back as it was before"),
    )
    .addOption(new Option("--json", "print the apply (or rollout) report as JSON"))
    .option(...ASK_BECOME_PASS)
    .action(async (planFile: string | undefined, o: ApplyOptions) => {
      const ctx = await context(o);
      if (ctx) code = await (await import("./commands/apply.js")).applyCommand(ctx, planFile, o);
    });

  withHostOptions(
    program.command("facts").description("print the facts tend gathers from each host, as JSON"),
    "only these hosts",
  )
    .option(...ASK_BECOME_PASS)
    .action(async (o: CommonOptions) => {
      const ctx = await context(o);
      if (ctx) code = await (await import("./commands/facts.js")).factsCommand(ctx, o);
    });

  withHostOptions(
    program.command("graph").description("print one host's resource graph as Graphviz DOT (or SVG)"),
    "the host to show (exactly one)",
  )
    .addOption(
      new Option("--format <format>", "dot, or svg rendered by Graphviz's dot")
        .choices(["dot", "svg"])
        .default("dot"),
    )
    .option(...ASK_BECOME_PASS)
    .action(async (o: GraphOptions) => {
      const ctx = await context(o);
      if (ctx) code = await (await import("./commands/graph.js")).graphCommand(ctx, o);
    });

  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has printed the help or the usage error; --help exits 0, `tend` alone 1.
      return e.exitCode === 0 ? EXIT.ok : EXIT.error;
    }
    io.stderr(
      `internal error: ${e instanceof Error ? (process.env.TEND_DEBUG ? e.stack : e.message) : String(e)}\n`,
    );
    return EXIT.error;
  }
};
