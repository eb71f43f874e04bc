/**
 * Renders DOT with Graphviz's `dot`, found on the PATH of the CLI's
 * environment. A missing `dot` is an answer, not an exception.
 */
import { spawn } from "node:child_process";

/** The rendered output, or a line for the user saying what went wrong. */
export type Rendered =
  | { readonly ok: true; readonly output: string }
  | { readonly ok: false; readonly error: string };

export const GRAPHVIZ_MISSING =
  "--format svg needs Graphviz's `dot` on PATH, and there is none (on Debian: apt-get install graphviz); without it, `tend graph` prints DOT";

/** Runs `dot -T<format>` on `dot`, with `env` (its PATH finds dot). */
export const renderDot = (
  dot: string,
  format: "svg",
  env: Readonly<Record<string, string | undefined>>,
): Promise<Rendered> =>
  new Promise((resolve) => {
    const child = spawn("dot", [`-T${format}`], { env: { ...env }, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e: NodeJS.ErrnoException) =>
      resolve({
        ok: false,
        error: e.code === "ENOENT" ? GRAPHVIZ_MISSING : `cannot run Graphviz's dot: ${e.message}`,
      }),
    );
    child.on("close", (code) => {
      if (code === 0) resolve({ ok: true, output: Buffer.concat(out).toString("utf8") });
      else {
        const why = Buffer.concat(err).toString("utf8").trim().split("\n")[0] ?? "";
        resolve({ ok: false, error: `Graphviz's dot failed (exit ${code})${why ? `: ${why}` : ""}` });
      }
    });
    // A failed spawn closes stdin; its EPIPE is reported through "error" above.
    child.stdin.on("error", () => {});
    child.stdin.end(dot);
  });
