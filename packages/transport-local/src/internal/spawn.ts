/**
 * One script as one child process in its own process group: stdin written
 * then closed, stdout and stderr collected, a timeout killing the whole
 * group. Escalated, the output goes through core's BecomeHandshake and stdin
 * is written when it says so; a failed escalation kills the command at once.
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { ExecRequest, ExecResult, TransportError } from "@tend/core";
import {
  BECOME_ANSWER_TIMEOUT_MS,
  type BecomeEvent,
  type BecomeHandshake,
  type BecomeSpec,
} from "@tend/core/become";
import * as E from "fp-ts/lib/Either.js";

/** The parts of a request's stdin as Buffers over the same bytes (views, not copies), empty ones left out. */
const stdinBuffers = (stdin: ExecRequest["stdin"]): Buffer[] =>
  (stdin === undefined ? [] : ArrayBuffer.isView(stdin) ? [stdin] : stdin)
    .filter((p) => p.byteLength > 0)
    .map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength));

/** How long a command gets between SIGTERM and SIGKILL when sudo or su stands between us and it. */
const BECOME_KILL_GRACE_MS = 2_000;
/** After the kill, how long to wait for the pipes to close before giving up on them. */
const DRAIN_AFTER_KILL_MS = 5_000;

export type Outcome = E.Either<TransportError, ExecResult>;

/** One spawn: argv, the request, and the escalation it goes through (absent when unescalated). */
export interface SpawnJob {
  readonly host: string;
  /** Short, for errors; never the whole script. */
  readonly command: string;
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly req: ExecRequest;
  readonly become?: { readonly spec: BecomeSpec; readonly handshake: BecomeHandshake };
  /** Children still running, so close() can kill them. */
  readonly running: Set<ChildProcess>;
}

/** Spawns the job and resolves with its result; never rejects. */
export const spawnJob = (job: SpawnJob): Promise<Outcome> =>
  new Promise<Outcome>((resolve) => {
    const { host, command, req, become } = job;
    const [file, ...args] = job.argv;
    const viaBecome = become !== undefined;
    const child = spawn(file as string, args, {
      stdio: ["pipe", "pipe", "pipe"],
      // Own process group: a timeout or close() signals the group, so children of the script die too.
      detached: true,
      env: job.env,
    });
    job.running.add(child);
    const out: Uint8Array[] = [];
    const err: Uint8Array[] = [];
    let timedOut = false;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const settle = (o: Outcome) => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      job.running.delete(child);
      resolve(o);
    };
    const sendStdin = (): void => {
      for (const part of stdinBuffers(req.stdin)) child.stdin?.write(part);
      child.stdin?.end();
    };
    const follow = (events: readonly BecomeEvent[]): void => {
      for (const e of events) {
        if (settled) return;
        if (e._tag === "Write") child.stdin?.write(e.bytes);
        else if (e._tag === "SendStdin") sendStdin();
        else if (e._tag === "Output") (e.stream === "stdout" ? out : err).push(e.bytes);
        else if (become !== undefined) {
          // sudo may be waiting for another password: EOF and the kill end it now.
          child.stdin?.end();
          killGroup(child, true);
          const { method, user } = become.spec;
          settle(E.left({ _tag: "BecomeFailed", host, method, user, problem: e.problem, detail: e.detail }));
        }
      }
    };
    child.stdout?.on("data", (b: Buffer) => (become ? follow(become.handshake.stdout(b)) : out.push(b)));
    child.stderr?.on("data", (b: Buffer) => (become ? follow(become.handshake.stderr(b)) : err.push(b)));
    if (req.timeoutMs !== undefined) {
      const afterMs = req.timeoutMs;
      timers.push(
        setTimeout(() => {
          timedOut = true;
          killGroup(child, viaBecome);
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
        return;
      }
      if (become !== undefined) follow(become.handshake.exit());
      if (code === null) {
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
    if (become === undefined) {
      sendStdin();
      return;
    }
    // sudo or su waiting for something we cannot give must not hold the command forever.
    timers.push(
      setTimeout(() => follow(become.handshake.expire(BECOME_ANSWER_TIMEOUT_MS)), BECOME_ANSWER_TIMEOUT_MS),
    );
    follow(become.handshake.start());
  });

/**
 * Signals the child's process group. Unescalated SIGKILL reaches everything;
 * through sudo or su only SIGTERM is relayed to the command, so it goes first
 * and SIGKILL follows after a grace period.
 */
export const killGroup = (child: ChildProcess, viaBecome: boolean): void => {
  const pid = child.pid;
  if (pid === undefined) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // Already gone, or (escalated) some members are not ours to signal.
    }
  };
  if (!viaBecome) {
    signal("SIGKILL");
    return;
  }
  signal("SIGTERM");
  setTimeout(() => signal("SIGKILL"), BECOME_KILL_GRACE_MS).unref();
};
