/**
 * One command as one session channel on a shared ssh2 Client: stdin written
 * then closed, stdout and stderr collected as bytes, the exit status read
 * from the channel. Never hangs: a timeout kills the command, and the
 * session's `lost` hook fails it when the connection goes away. Under a
 * become handshake (core's BecomeHandshake) the output goes through it and
 * stdin is written when it says so.
 */
import { constants } from "node:os";
import {
  BECOME_ANSWER_TIMEOUT_MS,
  type BecomeEvent,
  type BecomeHandshake,
  type BecomeSpec,
  type ExecResult,
  type TransportError,
} from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import type { Client, ClientChannel } from "ssh2";
import { becomeFailed, connectionLost, timedOut } from "./errors.js";

/** The parts of a request's stdin as Buffers over the same bytes (views, not copies), empty ones left out. */
const stdinBuffers = (stdin: Uint8Array | readonly Uint8Array[] | undefined): Buffer[] =>
  (stdin === undefined ? [] : ArrayBuffer.isView(stdin) ? [stdin] : stdin)
    .filter((p) => p.byteLength > 0)
    .map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength));

/** What runExec needs from the session that owns the connection. */
export interface ExecContext {
  readonly host: string;
  readonly client: Client;
  /** Registers a callback run if the connection is lost; returns its unregister function. */
  readonly onLost: (fail: (reason: string) => void) => () => void;
}

/** One command to run: the full remote command string plus its description for errors. */
export interface ExecJob {
  readonly commandLine: string;
  /** Short, for error messages; never the whole script. */
  readonly description: string;
  readonly stdin: Uint8Array | readonly Uint8Array[] | undefined;
  readonly timeoutMs: number | undefined;
  /** The escalation this command goes through, with its handshake; absent when it runs as the login user. */
  readonly become?: { readonly spec: BecomeSpec; readonly handshake: BecomeHandshake };
}

// About two seconds of retries in all (20, 40, 80, 160, then 200 ms apart).
const OPEN_ATTEMPTS = 12;

const signalNumber = (name: string): number =>
  (constants.signals as Record<string, number | undefined>)[name] ?? 0;

/** Runs one job on its own channel. */
export const runExec = (ctx: ExecContext, job: ExecJob): Promise<E.Either<TransportError, ExecResult>> =>
  new Promise((resolve) => {
    const { host } = ctx;
    let done = false;
    let channel: ClientChannel | undefined;
    let timer: NodeJS.Timeout | undefined;
    let unregister = (): void => {};
    const finish = (result: E.Either<TransportError, ExecResult>): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unregister();
      resolve(result);
    };
    unregister = ctx.onLost((reason) => finish(E.left(connectionLost(host, job.description, reason))));
    if (done) return;
    if (job.timeoutMs !== undefined) {
      const ms = job.timeoutMs;
      timer = setTimeout(() => {
        // The command itself is killed on the host by the deadline wrapper
        // (see buildCommand); closing the channel frees it here.
        if (channel !== undefined) closeQuietly(channel);
        finish(E.left(timedOut(host, job.description, ms)));
      }, ms);
    }

    const onChannel = (attempt: number, err: Error | undefined, ch: ClientChannel): void => {
      if (err) {
        if (done) return;
        // An open refused by the server (it carries a reason code) is usually
        // MaxSessions: sshd frees a finished session a moment after we see it
        // close. Retry briefly; other open errors mean the connection is gone.
        if ((err as { reason?: unknown }).reason !== undefined && attempt < OPEN_ATTEMPTS) {
          setTimeout(() => open(attempt + 1), Math.min(200, 20 * 2 ** attempt));
          return;
        }
        finish(
          E.left(connectionLost(host, job.description, `cannot open a session channel: ${err.message}`)),
        );
        return;
      }
      if (done) {
        // Timed out or lost while the channel was being opened.
        ch.close();
        return;
      }
      channel = ch;
      const stdout: Uint8Array[] = [];
      const stderr: Uint8Array[] = [];
      let exitCode: number | undefined;
      let exitSignal: string | undefined;
      let closed = false;
      let stderrEnded = false;
      const become = job.become;
      const sendStdin = (): void => {
        for (const part of stdinBuffers(job.stdin)) ch.write(part);
        ch.end();
      };
      const follow = (events: readonly BecomeEvent[]): void => {
        for (const e of events) {
          if (done) return;
          if (e._tag === "Write") ch.write(e.bytes);
          else if (e._tag === "SendStdin") sendStdin();
          else if (e._tag === "Output") (e.stream === "stdout" ? stdout : stderr).push(e.bytes);
          else {
            // sudo may be waiting for another password: closing the channel gives it EOF.
            closeQuietly(ch);
            const { method, user } = become?.spec ?? { method: "sudo", user: "root" };
            finish(E.left(becomeFailed(host, method, user, e.problem, e.detail)));
          }
        }
      };
      const settle = (): void => {
        // Both needed: 'close' can come before stderr's last chunk is delivered.
        if (!closed || !stderrEnded) return;
        if (become !== undefined) follow(become.handshake.exit());
        if (done) return;
        if (exitCode !== undefined) {
          finish(E.right({ exitCode, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) }));
        } else if (exitSignal !== undefined) {
          // Like a shell reports it: 128 + signal number, and say so on stderr.
          stderr.push(Buffer.from(`\n[tend] remote command killed by ${exitSignal}\n`));
          finish(
            E.right({
              exitCode: 128 + signalNumber(exitSignal),
              stdout: Buffer.concat(stdout),
              stderr: Buffer.concat(stderr),
            }),
          );
        } else {
          finish(E.left(connectionLost(host, job.description, "channel closed without an exit status")));
        }
      };
      ch.on("data", (chunk: Buffer) => {
        if (become === undefined) stdout.push(chunk);
        else follow(become.handshake.stdout(chunk));
      });
      ch.stderr.on("data", (chunk: Buffer) => {
        if (become === undefined) stderr.push(chunk);
        else follow(become.handshake.stderr(chunk));
      });
      ch.stderr.on("end", () => {
        stderrEnded = true;
        settle();
      });
      ch.on("exit", (code: number | null, signal?: string) => {
        if (typeof code === "number") exitCode = code;
        else if (signal !== undefined) exitSignal = signal.replace(/^(SIG)?/, "SIG");
      });
      ch.on("close", () => {
        closed = true;
        settle();
      });
      ch.on("error", (e: Error) => finish(E.left(connectionLost(host, job.description, e.message))));
      if (become === undefined) {
        sendStdin();
        return;
      }
      // sudo or su waiting for something we cannot give must not hold the command forever.
      const answer = setTimeout(
        () => follow(become.handshake.expire(BECOME_ANSWER_TIMEOUT_MS)),
        BECOME_ANSWER_TIMEOUT_MS,
      );
      answer.unref();
      ch.on("close", () => clearTimeout(answer));
      follow(become.handshake.start());
    };

    const open = (attempt: number): void => {
      if (done) return;
      try {
        ctx.client.exec(job.commandLine, (err, ch) => onChannel(attempt, err, ch));
      } catch (err) {
        // ssh2 throws "Not connected" when the socket already went away.
        finish(E.left(connectionLost(host, job.description, (err as Error).message)));
      }
    };
    open(0);
  });

/** Closes a channel that may already be gone. */
const closeQuietly = (ch: ClientChannel): void => {
  try {
    ch.close();
  } catch {
    // Already closed: nothing to free.
  }
};
