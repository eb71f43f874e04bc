/**
 * A thin wrapper over the `docker` and `ip` command lines for the test-host
 * helpers. Test hosts are set up with the same commands a person would type
 * (DESIGN.md "Test hosts"), so a failing setup can be replayed by hand.
 */
import { spawn, spawnSync } from "node:child_process";

/** What a finished command printed and how it ended. */
export interface CommandOutput {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}

/**
 * Runs argv (no shell) and resolves with its output whatever the exit code;
 * rejects only when the program cannot be started.
 */
export const runCommand = (
  argv: readonly string[],
  options: { readonly stdin?: Uint8Array; readonly timeoutMs?: number } = {},
): Promise<CommandOutput> =>
  new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    if (file === undefined) {
      reject(new Error("runCommand: empty argv"));
      return;
    }
    const child = spawn(file, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    // A test helper must never hang a suite: past the limit the command is killed.
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.on("error", (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err),
      });
    });
    // EPIPE when the command does not read its stdin is not a failure of the helper.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.stdin === undefined ? undefined : Buffer.from(options.stdin));
  });

/** Runs argv and returns its trimmed stdout; rejects with its stderr when it exits non-zero. */
export const mustRun = async (
  argv: readonly string[],
  options: { readonly stdin?: Uint8Array; readonly timeoutMs?: number } = {},
): Promise<string> => {
  const r = await runCommand(argv, options);
  if (r.code !== 0) {
    throw new Error(`${argv.slice(0, 4).join(" ")} exited ${r.code}: ${r.stderr.toString().trim()}`);
  }
  return r.stdout.toString().trim();
};

/** `docker ARGS...`, returning trimmed stdout. */
export const docker = (args: readonly string[], timeoutMs = 120_000): Promise<string> =>
  mustRun(["docker", ...args], { timeoutMs });

/** Synchronous best-effort `docker rm -f`, for process-exit cleanup where no promise can run. */
export const removeContainersSync = (containers: readonly string[]): void => {
  if (containers.length === 0) return;
  spawnSync("docker", ["rm", "-f", ...containers], { stdio: "ignore", timeout: 30_000 });
};
