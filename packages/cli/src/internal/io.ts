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

/** The process's own streams and environment. */
export const processIo = (): CliIo => ({
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
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

/** Colour on a terminal only, and never when NO_COLOR is set (https://no-color.org) or --no-color given. */
export const useColor = (io: CliIo, isTTY: boolean, flag: boolean): boolean =>
  flag && isTTY && (io.env.NO_COLOR === undefined || io.env.NO_COLOR === "") && io.env.TERM !== "dumb";
