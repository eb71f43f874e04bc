/**
 * Reads one line from the terminal without echoing it (the become password
 * of --ask-become-pass). The terminal is put in raw mode for the read and
 * restored after it, whatever happens; the prompt goes to stderr, so stdout
 * (a plan as JSON, say) stays clean.
 */

/** Control characters read in raw mode. */
const ENTER = new Set(["\r", "\n"]);
const CTRL_C = "\u0003";
const CTRL_D = "\u0004";
const CTRL_U = "\u0015";
const BACKSPACE = new Set(["\u007f", "\b"]);

/** The line typed after `question`, or undefined when input ended or Ctrl-C was pressed. */
export const readSecret = (question: string): Promise<string | undefined> =>
  new Promise((resolve) => {
    const stdin = process.stdin;
    if (!stdin.isTTY) {
      resolve(undefined);
      return;
    }
    const wasRaw = stdin.isRaw;
    // Raw (no echo) before the prompt shows: whatever is typed after it is never echoed.
    stdin.setRawMode(true);
    process.stderr.write(question);
    let text = "";
    const finish = (value: string | undefined): void => {
      stdin.off("data", onData);
      stdin.off("end", onEnd);
      stdin.setRawMode(wasRaw);
      stdin.pause();
      process.stderr.write("\n");
      resolve(value);
    };
    const onEnd = (): void => finish(undefined);
    const onData = (chunk: Buffer | string): void => {
      for (const ch of String(chunk)) {
        const done = ENTER.has(ch)
          ? text
          : ch === CTRL_C || (ch === CTRL_D && text === "")
            ? null
            : undefined;
        if (done !== undefined) {
          finish(done ?? undefined);
          return;
        }
        if (ch === CTRL_U) text = "";
        else if (BACKSPACE.has(ch)) text = Array.from(text).slice(0, -1).join("");
        else if (ch !== CTRL_D) text += ch;
      }
    };
    stdin.setEncoding("utf8");
    stdin.on("data", onData);
    stdin.on("end", onEnd);
    stdin.resume();
  });
