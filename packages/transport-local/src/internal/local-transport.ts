/**
 * Transport for the machine tend runs on: `sh -c script` through
 * child_process, each command in its own process group so a timeout kills
 * everything it started.
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { BecomeMethod, ExecRequest, ExecResult, Transport, TransportError } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { describeScript, scriptArgv } from "./command.js";
import { UPLOAD_SCRIPT, uploadEnv } from "./upload.js";

/** The parts of a request's stdin as Buffers over the same bytes (views, not copies), empty ones left out. */
const stdinBuffers = (stdin: Uint8Array | readonly Uint8Array[] | undefined): Buffer[] =>
  (stdin === undefined ? [] : ArrayBuffer.isView(stdin) ? [stdin] : stdin)
    .filter((p) => p.byteLength > 0)
    .map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength));

/** Options of {@link localTransport}. */
export interface LocalTransportOptions {
  /** The name errors carry; default "localhost". */
  readonly host?: string;
  /**
   * "auto" (default): become `becomeUser` (through `becomeMethod`) unless this
   * process already runs as that user. "never": run as this user.
   */
  readonly sudo?: "auto" | "never";
  /** The user to run as; defaults to `root`. */
  readonly becomeUser?: string;
  /** "sudo" (default) or "su". */
  readonly becomeMethod?: BecomeMethod;
  /**
   * Written to the command's stdin only: never in argv, env, logs or errors.
   * Without it sudo runs as `sudo -n` (a prompt fails fast with BecomeFailed).
   */
  readonly becomePassword?: string;
}

/** How long a command gets between SIGTERM and SIGKILL when sudo stands between us and it. */
const SUDO_KILL_GRACE_MS = 2_000;
/** After the kill, how long to wait for the pipes to close before giving up on them. */
const DRAIN_AFTER_KILL_MS = 5_000;

type Outcome = E.Either<TransportError, ExecResult>;

/**
 * Connects to this machine: checks once that `sudo -n` is allowed when it is
 * needed (AuthFailed with sudo's own words when it is not), then returns the
 * Transport. The one connection shape of every transport:
 * `connect…(options): Promise<Either<TransportError, Transport>>`.
 */
export const connectLocal = async (
  options: LocalTransportOptions = {},
): Promise<E.Either<TransportError, Transport>> => {
  const host = options.host ?? "localhost";
  const sudo = (options.sudo ?? "auto") === "auto" && process.getuid?.() !== 0;
  if (!sudo) return E.right(localTransport(options));
  const allowed = probeSudo(host);
  const checked = await allowed;
  return E.isLeft(checked) ? checked : E.right(makeLocalTransport(options, allowed));
};

/**
 * A Transport that runs scripts on this machine; a refused sudo shows at the
 * first command.
 * @deprecated Use `connectLocal`, which returns `Promise<Either<TransportError, Transport>>`
 * like the other transports; `localTransport` stays for one release.
 */
export const localTransport = (options: LocalTransportOptions = {}): Transport =>
  makeLocalTransport(options, undefined);

const makeLocalTransport = (
  options: LocalTransportOptions,
  sudoChecked: Promise<E.Either<TransportError, void>> | undefined,
): Transport => {
  const host = options.host ?? "localhost";
  const sudo = (options.sudo ?? "auto") === "auto" && process.getuid?.() !== 0;
  const running = new Set<ChildProcess>();
  let roundTrips = 0;
  let closed = false;

  // Asked once per transport: without it a refused `sudo -n` would look like the script's exit 1.
  let sudoAllowed: Promise<E.Either<TransportError, void>> | undefined = sudoChecked;
  const checkSudo = (): Promise<E.Either<TransportError, void>> => {
    sudoAllowed ??= probeSudo(host);
    return sudoAllowed;
  };

  const runScript = async (req: ExecRequest): Promise<Outcome> => {
    if (closed) return E.left({ _tag: "ConnectFailed", host, reason: "transport closed" });
    if (sudo) {
      const allowed = await checkSudo();
      if (E.isLeft(allowed)) return allowed;
    }
    return spawnScript(req);
  };

  const spawnScript = (req: ExecRequest): Promise<Outcome> => {
    const command = describeScript(req.script);
    const env = req.env ?? {};
    const [file, ...args] = scriptArgv(req.script, env, sudo);
    return new Promise<Outcome>((resolve) => {
      const child = spawn(file as string, args, {
        stdio: ["pipe", "pipe", "pipe"],
        // Own process group: a timeout or close() signals the group, so children of the script die too.
        detached: true,
        env: sudo ? process.env : { ...process.env, ...env },
      });
      running.add(child);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout?.on("data", (b: Buffer) => out.push(b));
      child.stderr?.on("data", (b: Buffer) => err.push(b));
      let timedOut = false;
      let settled = false;
      const timers: NodeJS.Timeout[] = [];
      const settle = (o: Outcome) => {
        if (settled) return;
        settled = true;
        timers.forEach(clearTimeout);
        running.delete(child);
        resolve(o);
      };
      if (req.timeoutMs !== undefined) {
        const afterMs = req.timeoutMs;
        timers.push(
          setTimeout(() => {
            timedOut = true;
            killGroup(child, sudo);
            // A daemon the script left behind may hold our pipes open: do not wait on it forever.
            timers.push(
              setTimeout(() => {
                child.stdout?.destroy();
                child.stderr?.destroy();
                settle(E.left({ _tag: "Timeout", host, command, afterMs }));
              }, DRAIN_AFTER_KILL_MS),
            );
          }, afterMs),
        );
      }
      child.on("error", (e) =>
        settle(E.left({ _tag: "ConnectFailed", host, reason: `cannot run ${file}: ${e.message}` })),
      );
      child.on("close", (code, signal) => {
        if (timedOut) {
          settle(E.left({ _tag: "Timeout", host, command, afterMs: req.timeoutMs ?? 0 }));
        } else if (code === null) {
          // Killed from outside (not by us): the "host" went away under the command.
          settle(
            E.left({ _tag: "ConnectionLost", host, command, reason: `sh killed by ${signal ?? "a signal"}` }),
          );
        } else {
          settle(E.right({ exitCode: code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
        }
      });
      // A script that does not read its stdin closes the pipe early; that is not a failure.
      child.stdin?.on("error", () => undefined);
      for (const part of stdinBuffers(req.stdin)) child.stdin?.write(part);
      child.stdin?.end();
    });
  };

  return {
    host,
    get roundTrips() {
      return roundTrips;
    },
    exec: (req) => {
      roundTrips += 1;
      return runScript(req);
    },
    upload: async (path, data, mode) => {
      const r = await runScript({ script: UPLOAD_SCRIPT, stdin: data, env: uploadEnv(path, mode) });
      if (E.isLeft(r)) return r;
      if (r.right.exitCode !== 0) {
        return E.left({
          _tag: "NonZeroExit",
          host,
          command: `upload ${path}`,
          exitCode: r.right.exitCode,
          stderr: Buffer.from(r.right.stderr).toString("utf8"),
        });
      }
      return E.right(undefined);
    },
    close: async () => {
      closed = true;
      for (const child of running) killGroup(child, sudo);
    },
  };
};

/** Runs `sudo -n true`: AuthFailed when sudo wants a password or refuses this user. */
const probeSudo = (host: string): Promise<E.Either<TransportError, void>> =>
  new Promise((resolve) => {
    const child = spawn("sudo", ["-n", "true"], { stdio: ["ignore", "ignore", "pipe"] });
    const err: Buffer[] = [];
    child.stderr?.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) =>
      resolve(E.left({ _tag: "ConnectFailed", host, reason: `cannot run sudo: ${e.message}` })),
    );
    child.on("close", (code) =>
      resolve(
        code === 0
          ? E.right(undefined)
          : E.left({
              _tag: "AuthFailed",
              host,
              reason: `sudo -n refused: ${Buffer.concat(err).toString().trim()}`,
            }),
      ),
    );
  });

/**
 * Signals the child's process group. As root SIGKILL reaches everything;
 * through sudo only SIGTERM is relayed to the root command, so it goes
 * first and SIGKILL follows after a grace period.
 */
const killGroup = (child: ChildProcess, viaSudo: boolean): void => {
  const pid = child.pid;
  if (pid === undefined) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // Already gone, or (under sudo) some members are not ours to signal.
    }
  };
  if (!viaSudo) {
    signal("SIGKILL");
    return;
  }
  signal("SIGTERM");
  setTimeout(() => signal("SIGKILL"), SUDO_KILL_GRACE_MS).unref();
};
