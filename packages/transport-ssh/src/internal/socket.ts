/**
 * A child process's stdio as a Duplex stream, the `sock` ssh2 speaks SSH
 * over: OpenSSH's ProxyCommand, or `docker exec -i C /usr/sbin/sshd -i` where
 * the host has no network at all.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { Duplex } from "node:stream";
import * as E from "fp-ts/lib/Either.js";
import { bareAddress, hostAddressProblem, userNameProblem } from "./names.js";

// Enough of the child's stderr to explain why a connection failed.
const STDERR_TAIL = 2048;
const KILL_GRACE_MS = 1000;

/** A Duplex over a child's stdin/stdout; destroying it kills the child. */
export class ChildSocket extends Duplex {
  private readonly child: ChildProcess;
  private stderrTail = "";
  private readonly stderrDone: Promise<void>;

  /** Wraps an already spawned child whose stdin, stdout and stderr are pipes. */
  constructor(child: ChildProcess) {
    // allowHalfOpen false: when the peer's stdout ends the connection is over,
    // so the stream ends both ways and ssh2 sees 'close' instead of waiting.
    super({ allowHalfOpen: false });
    this.child = child;
    const { stdin, stdout, stderr } = child;
    if (stdin === null || stdout === null || stderr === null) {
      throw new TypeError("ChildSocket needs a child spawned with stdio pipes");
    }
    stdout.on("data", (chunk: Buffer) => {
      if (!this.push(chunk)) stdout.pause();
    });
    stdout.on("end", () => this.push(null));
    stderr.on("data", (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL);
    });
    this.stderrDone = new Promise((resolve) => {
      stderr.once("close", resolve);
      stderr.once("end", resolve);
    });
    // EPIPE when the child died: reported through the stream, not thrown.
    stdin.on("error", (err) => this.destroy(err));
    child.on("error", (err) => this.destroy(err));
  }

  /** The last part of what the child wrote to stderr (for error reasons). */
  get stderrText(): string {
    return this.stderrTail.trim();
  }

  /**
   * The stderr tail once the child closed it, or after `waitMs`: the child's
   * stdout can end (failing the connection) before its last words arrive.
   */
  async finalStderr(waitMs = 500): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.stderrDone, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
    return this.stderrText;
  }

  override _read(): void {
    this.child.stdout?.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const stdin = this.child.stdin;
    if (stdin === null || stdin.destroyed) {
      cb(new Error("child process stdin is closed"));
      return;
    }
    stdin.write(chunk, (err) => cb(err ?? null));
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.child.stdin?.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.child.stdin?.destroy();
    // Closed stdin ends a well-behaved child; the grace period lets it finish
    // writing stderr (it may close stdout first), then it is killed.
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      const timer = setTimeout(() => child.kill("SIGTERM"), KILL_GRACE_MS);
      timer.unref();
      child.once("exit", () => clearTimeout(timer));
    }
    cb(err);
  }
}

/** Spawns argv (no shell) and returns its stdio as a socket. */
export const commandSocket = (argv: readonly [string, ...string[]]): ChildSocket => {
  const [file, ...args] = argv;
  return new ChildSocket(spawn(file, args, { stdio: ["pipe", "pipe", "pipe"] }));
};

/** Values for the ProxyCommand tokens `%h`, `%p` and `%r`. */
export interface ProxyTokens {
  readonly address: string;
  readonly port: number;
  readonly username: string;
}

/** Why a ProxyCommand was not run: a token value outside its grammar, or a template tend cannot expand. */
export interface ProxyCommandRefused {
  readonly _tag: "ProxyCommandRefused";
  /** The token whose value was refused (`%h`, `%p`, `%r`), or `template`. */
  readonly token: "%h" | "%p" | "%r" | "template";
  readonly reason: string;
}

const refused = (token: ProxyCommandRefused["token"], reason: string): ProxyCommandRefused => ({
  _tag: "ProxyCommandRefused",
  token,
  reason,
});

/** Every token value checked by its grammar; the first problem, or undefined. */
const checkTokens = (template: string, tokens: ProxyTokens): ProxyCommandRefused | undefined => {
  if (template.trim() === "") return refused("template", "the ProxyCommand is empty");
  const unknown = /%([^hpr%]|$)/.exec(template.replace(/%%/g, ""));
  if (unknown) {
    return refused("template", `unknown token %${unknown[1]} (tend expands %h, %p, %r and %%)`);
  }
  const host = hostAddressProblem(tokens.address);
  if (host !== undefined) return refused("%h", `host address: ${host}`);
  if (!Number.isInteger(tokens.port) || tokens.port < 1 || tokens.port > 65535) {
    return refused("%p", `port: expected an integer from 1 to 65535, got ${JSON.stringify(tokens.port)}`);
  }
  const user = userNameProblem(tokens.username);
  if (user !== undefined) return refused("%r", `user: ${user}`);
  return undefined;
};

/**
 * Expands a ProxyCommand as `-o ProxyCommand=...` gives it: `%h` address,
 * `%p` port, `%r` remote user, `%%` a percent sign. The command is the
 * user's own shell text, but the values are not: each must match its
 * grammar (host name or IP literal, port, user name), which holds no
 * character the shell reads, so no value can add shell syntax. Anything
 * else is refused and nothing is run.
 */
export const expandProxyCommand = (
  template: string,
  tokens: ProxyTokens,
): E.Either<ProxyCommandRefused, string> => {
  const problem = checkTokens(template, tokens);
  if (problem !== undefined) return E.left(problem);
  return E.right(
    template.replace(/%([hpr%])/g, (_m, token: string) => {
      switch (token) {
        case "h":
          return bareAddress(tokens.address);
        case "p":
          return String(tokens.port);
        case "r":
          return tokens.username;
        default:
          return "%";
      }
    }),
  );
};

/**
 * Runs a ProxyCommand as OpenSSH does (`sh -c 'exec COMMAND'`, so killing the
 * socket kills the command itself, not a shell around it) and returns its
 * stdio as a socket; spawns nothing when the expansion is refused.
 */
export const proxyCommandSocket = (
  template: string,
  tokens: ProxyTokens,
): E.Either<ProxyCommandRefused, ChildSocket> =>
  E.map((command: string) => commandSocket(["/bin/sh", "-c", `exec ${command}`]))(
    expandProxyCommand(template, tokens),
  );
