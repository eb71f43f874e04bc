/**
 * The CLI's view of the outside world, injected so `main()` can be tested:
 * output streams, whether they are terminals, the environment, and a prompt.
 */
import { isatty } from "node:tty";

/** Streams, terminal flags, environment and prompt of one CLI run. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  readonly stdinIsTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Asks a question on the terminal; undefined when input ended. */
  readonly prompt: (question: string) => Promise<string | undefined>;
  /** Asks for a secret on the terminal, without echo (--ask-become-pass); undefined when input ended. */
  readonly askSecret?: (question: string) => Promise<string | undefined>;
}

/**
 * A writer to one of the process's streams that outlives its reader: once the
 * reader is gone (EPIPE, as in `tend --help | head -1`), later output is
 * dropped instead of crashing with a stack trace. The command itself goes on,
 * so a closed pipe never stops an apply halfway.
 */
const streamWriter = (stream: NodeJS.WriteStream): ((text: string) => void) => {
  let closed = false;
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") closed = true;
    else throw err;
  });
  return (text) => {
    if (!closed) stream.write(text);
  };
};

/** The process's own streams and environment. */
export const processIo = (): CliIo => ({
  stdout: streamWriter(process.stdout),
  stderr: streamWriter(process.stderr),
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  // isatty(0), not process.stdin.isTTY: touching process.stdin opens a stream, which
  // `tend --help` would pay for at every start.
  stdinIsTTY: isatty(0),
  env: process.env,
  cwd: process.cwd(),
  askSecret: async (question) => (await import("./tty-secret.js")).readSecret(question),
  prompt: async (question) => {
    // readline is loaded only when a question is asked.
    const { createInterface } = await import("node:readline");
    return new Promise((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      let answered = false;
      rl.question(question, (answer) => {
        answered = true;
        rl.close();
        resolve(answer);
      });
      rl.on("close", () => {
        if (!answered) resolve(undefined);
      });
    });
  },
});

/** Whether an environment variable is set to something (an empty value counts as unset). */
const isSet = (v: string | undefined): v is string => v !== undefined && v !== "";

/**
 * Whether output to a stream gets ANSI colour: never with --no-color or a
 * non-empty NO_COLOR (https://no-color.org); with FORCE_COLOR set, as it says
 * (0 or false: no colour, anything else: colour, even into a pipe); else only
 * on a terminal that is not TERM=dumb. So a pipe, a file or a CI log never
 * gets an escape byte unless asked for.
 */
export const useColor = (io: CliIo, isTTY: boolean, flag: boolean): boolean => {
  if (!flag || isSet(io.env.NO_COLOR)) return false;
  const force = io.env.FORCE_COLOR;
  if (isSet(force)) return force !== "0" && force.toLowerCase() !== "false";
  return isTTY && io.env.TERM !== "dumb";
};
