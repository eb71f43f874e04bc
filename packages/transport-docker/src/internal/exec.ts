/**
 * One exec through the Engine API: create, start hijacked, feed stdin and
 * half-close, demultiplex the output, then read the exit code. A vanished
 * container is told apart from a script that exited by asking the engine
 * about the container, not by reading output.
 */
import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import { Writable } from "node:stream";
import type { ExecResult, TransportError } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { type ApiError, describeApiError, type EngineApi } from "./engine-api.js";
import { EXEC_MARK, KILL_MARKED_SCRIPT } from "./scripts.js";

/** The parts of a request's stdin as Buffers over the same bytes (views, not copies), empty ones left out. */
const stdinBuffers = (stdin: Uint8Array | readonly Uint8Array[] | undefined): Buffer[] =>
  (stdin === undefined ? [] : ArrayBuffer.isView(stdin) ? [stdin] : stdin)
    .filter((p) => p.byteLength > 0)
    .map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength));

/** Everything one exec needs to know about where it runs. */
export interface ExecContext {
  readonly api: EngineApi;
  readonly container: string;
  readonly host: string;
  /** Open connections by exec mark, so close() can end them. */
  readonly open: Map<string, Socket>;
}

/** One command to run: argv, environment, stdin and the limits. */
export interface ExecSpec {
  readonly cmd: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly stdin?: Uint8Array | readonly Uint8Array[];
  readonly timeoutMs?: number;
  /** Short description for errors. */
  readonly command: string;
}

/** After a kill, how long the connection may take to close before we drop it. */
const DRAIN_AFTER_KILL_MS = 5_000;
/** How long the kill of a timed-out exec may take before we stop waiting for it. */
const KILL_WAIT_MS = 10_000;
/** How long a dying container may still look "running" to the engine after its exec ended. */
const DEATH_SETTLE_MS = 2_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * A bound on a race whose other side holds its own handles (sockets): unref'd,
 * so a CLI that is done does not linger until the bound expires.
 */
const bound = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

const collector = (chunks: Buffer[]): Writable =>
  new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });

/** The exec could not begin: nothing ran on the host. */
const connectFailed = (ctx: ExecContext, e: ApiError): TransportError => ({
  _tag: "ConnectFailed",
  host: ctx.host,
  reason: `container ${ctx.container}: ${describeApiError(e)}`,
});

/** What the timeout needs to see of an exec in flight. */
interface InFlight {
  sock?: Socket;
  /** Set on timeout: an exec not yet started must not start any more. */
  abandoned: boolean;
}

/**
 * Runs one exec to its end; every failure comes back as a TransportError
 * naming the host. timeoutMs bounds the whole exec, engine calls included,
 * so a stalled engine cannot hang the caller either.
 */
export const runExec = async (
  ctx: ExecContext,
  spec: ExecSpec,
): Promise<E.Either<TransportError, ExecResult>> => {
  const mark = randomUUID();
  const flight: InFlight = { abandoned: false };
  const work = execToEnd(ctx, spec, mark, flight);
  if (spec.timeoutMs === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), spec.timeoutMs);
  });
  const first = await Promise.race([work, expired]);
  clearTimeout(timer);
  if (first !== "timeout") return first;
  flight.abandoned = true;
  const timeout: TransportError = {
    _tag: "Timeout",
    host: ctx.host,
    command: spec.command,
    afterMs: spec.timeoutMs,
  };
  if (flight.sock === undefined) {
    // Still talking to the engine: the start may have reached it, so kill by mark, but do not
    // make the caller wait on an engine that is evidently slow.
    void killMarked(ctx, mark);
    return E.left(timeout);
  }
  await killMarked(ctx, mark);
  await Promise.race([work, bound(DRAIN_AFTER_KILL_MS)]);
  flight.sock.destroy();
  ctx.open.delete(mark);
  return E.left(timeout);
};

const execToEnd = async (
  ctx: ExecContext,
  spec: ExecSpec,
  mark: string,
  flight: InFlight,
): Promise<E.Either<TransportError, ExecResult>> => {
  const env = [...Object.entries(spec.env).map(([k, v]) => `${k}=${v}`), `${EXEC_MARK}=${mark}`];
  const created = await ctx.api.createExec(ctx.container, spec.cmd, env);
  if (E.isLeft(created)) return E.left(connectFailed(ctx, created.left));
  if (flight.abandoned)
    return E.left(connectFailed(ctx, { kind: "Unreachable", reason: "abandoned before start" }));
  const execId = created.right;
  const started = await ctx.api.startExec(execId);
  if (E.isLeft(started)) return E.left(connectFailed(ctx, started.left));
  const sock = started.right;
  flight.sock = sock;
  ctx.open.set(mark, sock);

  const out: Buffer[] = [];
  const err: Buffer[] = [];
  ctx.api.demux(sock, collector(out), collector(err));
  const closed = new Promise<void>((resolve) => sock.once("close", () => resolve()));
  // Writes fail with EPIPE when the script exits without reading stdin; the output still counts.
  sock.on("error", () => undefined);
  for (const part of stdinBuffers(spec.stdin)) sock.write(part);
  // Half-close: the engine closes the exec's stdin, so a reading script sees end of file.
  sock.end();
  if (flight.abandoned) {
    // The timeout fired while the start was on its way: its kill may have come too early.
    void killMarked(ctx, mark);
    sock.destroy();
  }
  await closed;
  ctx.open.delete(mark);
  return finish(ctx, execId, spec.command, { stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
};

/** Reads the exit code once the output has ended, or says why there is none. */
const finish = async (
  ctx: ExecContext,
  execId: string,
  command: string,
  output: { stdout: Buffer; stderr: Buffer },
): Promise<E.Either<TransportError, ExecResult>> => {
  const lost = (reason: string): E.Either<TransportError, ExecResult> =>
    E.left({ _tag: "ConnectionLost", host: ctx.host, command, reason });
  // The output can end a moment before the engine records the exit.
  for (let i = 0; ; i++) {
    const info = await ctx.api.inspectExec(execId);
    if (E.isLeft(info)) return lost(describeApiError(info.left));
    if (!info.right.Running && info.right.ExitCode !== null) {
      const exitCode = info.right.ExitCode;
      // Death by a signal (128+n) may mean the container went down under the script: ask
      // the engine, giving a dying container a moment to be marked stopped.
      if (exitCode > 128 && (await containerGone(ctx, DEATH_SETTLE_MS))) {
        return lost(`container ${ctx.container} stopped`);
      }
      return E.right({ exitCode, stdout: output.stdout, stderr: output.stderr });
    }
    if (i >= 100) return lost(`exec ${execId} has no exit code`);
    if (await containerGone(ctx, 0)) return lost(`container ${ctx.container} stopped`);
    await sleep(20);
  }
};

/** True when the container is missing or not running, polling for up to settleMs. */
const containerGone = async (ctx: ExecContext, settleMs: number): Promise<boolean> => {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const c = await ctx.api.inspectContainer(ctx.container);
    if (E.isLeft(c) || !c.right.State.Running) return true;
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
};

/**
 * Kills the processes of one exec (by its mark) through another exec. Best
 * effort: if the container is gone there is nothing left to kill.
 */
export const killMarked = async (ctx: ExecContext, mark: string): Promise<void> => {
  // Bounded by a race, not by timeoutMs: a timed-out kill would start another kill, and so on.
  await Promise.race([
    runExec(
      { ...ctx, open: new Map() },
      {
        cmd: ["sh", "-c", KILL_MARKED_SCRIPT, "tend-kill", mark],
        env: {},
        command: "kill timed-out command",
      },
    ),
    bound(KILL_WAIT_MS),
  ]);
};
