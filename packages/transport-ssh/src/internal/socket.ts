/**
 * A child process's stdio as a Duplex stream, the `sock` ssh2 speaks SSH
 * over: OpenSSH's ProxyCommand, or `docker exec -i C /usr/sbin/sshd -i` where
 * the host has no network at all.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { Duplex } from "node:stream";

// Enough of the child's stderr to explain why a connection failed.
const STDERR_TAIL = 2048;

/** A Duplex over a child's stdin/stdout; destroying it kills the child. */
export class ChildSocket extends Duplex {
  private readonly child: ChildProcess;
  private stderrTail = "";

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
    // EPIPE when the child died: reported through the stream, not thrown.
    stdin.on("error", (err) => this.destroy(err));
    child.on("error", (err) => this.destroy(err));
  }

  /** The last part of what the child wrote to stderr (for error reasons). */
  get stderrText(): string {
    return this.stderrTail.trim();
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
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    this.child.stdin?.destroy();
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

/**
 * Expands a ProxyCommand as `-o ProxyCommand=...` gives it: `%h` address,
 * `%p` port, `%r` remote user, `%%` a percent sign. Values are inserted
 * verbatim, as OpenSSH does; the command is the user's own shell text.
 */
export const expandProxyCommand = (template: string, tokens: ProxyTokens): string =>
  template.replace(/%([hpr%])/g, (_m, token: string) => {
    switch (token) {
      case "h":
        return tokens.address;
      case "p":
        return String(tokens.port);
      case "r":
        return tokens.username;
      default:
        return "%";
    }
  });

/**
 * Runs a ProxyCommand as OpenSSH does (`sh -c 'exec COMMAND'`, so killing the
 * socket kills the command itself, not a shell around it) and returns its
 * stdio as a socket.
 */
export const proxyCommandSocket = (template: string, tokens: ProxyTokens): ChildSocket =>
  commandSocket(["/bin/sh", "-c", `exec ${expandProxyCommand(template, tokens)}`]);
