/** What every command gets: io, dependencies, colour choices and the progress writer. */
import type { Deps } from "../facade.js";
import type { HostOptions } from "../hosts.js";
import { type CliIo, useColor } from "../io.js";
import { Progress } from "../progress.js";

/** What a command runs with. */
export interface CommandContext {
  readonly io: CliIo;
  readonly deps: Deps;
  /** Colour for stdout. */
  readonly color: boolean;
  readonly progress: Progress;
  readonly concurrency: number;
}

/** Options shared by plan, apply and facts. */
export interface CommonOptions {
  readonly inventory?: string;
  readonly limit?: string[];
  readonly local?: boolean;
  readonly color: boolean;
  readonly concurrency?: string;
}

/** Exit codes: 0 success, 1 error, 2 changes pending (plan --detailed-exitcode). */
export const EXIT = { ok: 0, error: 1, changes: 2 } as const;

/** Builds the context from the options; the concurrency must be a positive integer. */
export const contextOf = (io: CliIo, deps: Deps, o: CommonOptions): CommandContext | string => {
  const concurrency = o.concurrency === undefined ? 50 : Number(o.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    return `--concurrency: expected a positive integer, got "${o.concurrency}"`;
  const progress = new Progress(io, useColor(io, io.stderrIsTTY, o.color));
  return {
    // Any other output first clears the progress line a terminal shows on stderr
    // (progress itself writes to the unwrapped io).
    io: {
      ...io,
      stdout: (text) => {
        progress.clear();
        io.stdout(text);
      },
      stderr: (text) => {
        progress.clear();
        io.stderr(text);
      },
    },
    deps,
    color: useColor(io, io.stdoutIsTTY, o.color),
    progress,
    concurrency,
  };
};

/** The host options of the command line. */
export const hostOptionsOf = (o: CommonOptions): HostOptions => ({
  ...(o.inventory !== undefined ? { inventory: o.inventory } : {}),
  limit: o.limit ?? [],
  local: o.local === true,
});

/** Prints errors to stderr, one per line, prefixed so they stand out. */
export const printErrors = (ctx: Pick<CommandContext, "io">, errors: readonly string[]): void => {
  for (const e of errors) ctx.io.stderr(`error: ${e}\n`);
};
