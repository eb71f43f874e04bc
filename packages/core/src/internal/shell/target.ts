/**
 * ShellTarget: the Target that compiles probes and ops to POSIX sh (dash
 * compatible) and runs them over any Transport. Probes of one call go in one
 * exec, ops of one call in one exec (more only past MAX_SCRIPT_BYTES).
 */
import { hostname } from "node:os";
import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import type { HostFacts } from "../facts.js";
import { type Op, refuseInvalid } from "../op.js";
import { factCodecs, type Probe, type ProbeResult } from "../probe.js";
import type { BlobStore, Observation, RunOptions, RunReport, Target, TargetError } from "../target.js";
import type { ExecResult, Transport, TransportError } from "../transport.js";
import { decodeWith } from "./decode.js";
import { type FrameBody, newBoundary, parseFrames, randomHex, utf8 } from "./frame.js";
import { HOST_FACTS_SCRIPT, parseHostFacts } from "./host-facts.js";
import {
  combineDigests,
  DIGEST_FUNCTIONS,
  holderLine,
  holderPath,
  LOCK_FUNCTIONS,
  LOCK_PATH,
  lockWaitArg,
  observeScript,
  PROBE_FIXED_BYTES,
  RUN_DIR,
  readLockOutcome,
  staleCheckScript,
  sweepPrefixes,
} from "./lock.js";
import { OP_PRELUDE } from "./op-prelude.js";
import { HOST_PATHS, type OpPaths, opLine } from "./op-script.js";
import { AnswerError, DeniedAnswer, deniedIn, parseAnswer } from "./probe-parse.js";
import { type CompiledProbes, chunkCalls, compileProbes, UnquotableProbe } from "./probe-script.js";
import { shellArgv, shellQuote } from "./quote.js";
import { readMarks, stderrOf } from "./run-output.js";

/**
 * The probe named in a ProbeDecode error about host facts, which answer no
 * probe of their own: a `check` whose argv is this label.
 */
export const HOST_FACTS_PROBE: Probe = { type: "check", argv: ["tend:host-facts"] };

export interface ShellTargetOptions {
  /** Passed to every exec; the transport kills the command and reports Timeout. */
  readonly timeoutMs?: number;
  /**
   * Where `extract` makes temp dirs (`<stateDir>/tmp`), where the pending
   * restarts live (`<stateDir>/pending-restarts`) and rollbacks keep what they replace. Default STATE_DIR; tests
   * point it elsewhere so they never touch the machine's own record.
   */
  readonly stateDir?: string;
  /** The apply lock (default LOCK_PATH, or `<stateDir>/lock/tend.lock` when stateDir is set). */
  readonly lockPath?: string;
  /**
   * Per-exec temp dirs go under `<runDir>/tmp` and the probes' sha256 cache in
   * `<runDir>/cache` (default RUN_DIR, or `<stateDir>/run`).
   */
  readonly runDir?: string;
  /**
   * The setting, in the caller's terms, that would let the host grant what
   * it denied a probe (the CLI passes `ansible_become` for a host without
   * it); carried by PermissionDenied errors as `variable`.
   */
  readonly permissionVariable?: string;
}

/** A probe batch compiled, and split into the calls of each exec. */
interface ProbeChunks {
  readonly compiled: CompiledProbes;
  readonly chunks: readonly (readonly ScriptCallLike[])[];
}
type ScriptCallLike = CompiledProbes["calls"][number];

type Exec = E.Either<TargetError, ExecResult>;

/** Runs probes and ops on one host through `transport`. */
export class ShellTarget implements Target {
  readonly host: string;
  private readonly paths: OpPaths;
  private readonly lockPath: string;
  private readonly runDir: string;
  /** Where probes keep their sha256 cache (see probes/hash-cache.ts). */
  private readonly stateDir: string;
  /**
   * The probes' sha256 cache (probes/hash-cache.ts): under the run dir, so a
   * plan writes nothing that outlives a reboot, as it keeps its temp dirs.
   */
  private readonly cacheDir: string;

  constructor(
    private readonly transport: Transport,
    private readonly options: ShellTargetOptions = {},
  ) {
    this.host = transport.host;
    this.paths =
      options.stateDir === undefined
        ? HOST_PATHS
        : { stateDir: options.stateDir, pendingPath: `${options.stateDir}/pending-restarts` };
    this.lockPath =
      options.lockPath ?? (options.stateDir === undefined ? LOCK_PATH : `${options.stateDir}/lock/tend.lock`);
    this.runDir = options.runDir ?? (options.stateDir === undefined ? RUN_DIR : `${options.stateDir}/run`);
    this.stateDir = this.paths.stateDir;
    this.cacheDir = `${this.runDir}/cache`;
  }

  private async exec(script: string, command: string, stdin?: readonly Uint8Array[]): Promise<Exec> {
    const r = await this.transport.exec({
      script,
      ...(stdin ? { stdin } : {}),
      ...(this.options.timeoutMs === undefined ? {} : { timeoutMs: this.options.timeoutMs }),
    });
    // `command` replaces whatever the transport put there: errors name what tend was doing, never a whole script.
    return E.mapLeft((error: TransportError) => ({
      _tag: "Transport" as const,
      host: this.host,
      error: relabel(error, command),
    }))(r);
  }

  /** One exec of a fixed script. */
  async hostFacts(): Promise<E.Either<TargetError, HostFacts>> {
    const boundary = newBoundary();
    const r = await this.exec(`B=${shellQuote(boundary)}\n${HOST_FACTS_SCRIPT}`, "host facts");
    if (E.isLeft(r)) return r;
    const body = parseFrames(utf8(r.right.stdout), boundary).get(0);
    const facts = body ? parseHostFacts(body) : E.left(noAnswer(r.right));
    return E.mapLeft((message: string) => this.decodeError(HOST_FACTS_PROBE, `host facts: ${message}`))(
      facts,
    );
  }

  /** observe() without the digest. */
  async probe(probes: readonly Probe[]): Promise<E.Either<TargetError, readonly ProbeResult[]>> {
    return E.map((o: Observation) => o.results)(await this.observe(probes));
  }

  private chunkProbes(probes: readonly Probe[]): E.Either<TargetError, ProbeChunks> {
    let compiled: CompiledProbes;
    try {
      compiled = compileProbes(probes);
    } catch (e) {
      if (e instanceof UnquotableProbe) return E.left(this.decodeError(probes[e.index] as Probe, e.message));
      throw e;
    }
    const texts = chunkCalls(
      compiled.calls.map((c) => c.text),
      PROBE_FIXED_BYTES,
    );
    const chunks: ScriptCallLike[][] = [];
    let next = 0;
    for (const chunk of texts) {
      chunks.push(compiled.calls.slice(next, next + chunk.length));
      next += chunk.length;
    }
    // No probe still digests the host facts: one exec with no calls.
    return E.right({ compiled, chunks: chunks.length === 0 ? [[]] : chunks });
  }

  /**
   * All probes in one exec (split only when the script would pass
   * MAX_SCRIPT_BYTES). Probes the host can answer together share a call
   * (see compileProbes): one stat and hash per path, one systemctl per units.
   * Each exec also prints the host's digest of its answers (see lock.ts).
   */
  async observe(probes: readonly Probe[]): Promise<E.Either<TargetError, Observation>> {
    const split = this.chunkProbes(probes);
    if (E.isLeft(split)) return split;
    const { compiled, chunks } = split.right;
    const bodies = new Map<number, FrameBody>();
    // The exec that was to print each frame, for the error when it did not.
    const execOf = new Map<number, ExecResult>();
    const digests: (string | { readonly missing: ExecResult })[] = [];
    for (const calls of chunks) {
      const boundary = newBoundary();
      const script = observeScript(
        calls.map((c) => c.text),
        boundary,
        this.runDir,
        { dir: this.cacheDir, split: chunks.length > 1 },
      );
      const r = await this.exec(script, `probes (${calls.reduce((n, c) => n + c.frames.length, 0)})`);
      if (E.isLeft(r)) return r;
      const stdout = utf8(r.right.stdout);
      // The header's refusal to make its temp dir comes before any frame.
      const denied = deniedIn(new RegExp(`^${boundary} denied (.*)$`, "m").exec(stdout)?.[1]);
      if (denied) return E.left(this.denied(denied, "create"));
      const frames = parseFrames(stdout, boundary);
      for (const c of calls)
        for (const f of c.frames) {
          execOf.set(f, r.right);
          const body = frames.get(f);
          if (body) bodies.set(f, body);
        }
      const digest = new RegExp(`^${boundary} digest ([0-9a-f]{64})$`, "m").exec(stdout)?.[1];
      digests.push(digest === undefined ? { missing: r.right } : digest);
    }
    const results: ProbeResult[] = [];
    for (const [i, p] of probes.entries()) {
      const f = compiled.frameOf[i] as number;
      const body = bodies.get(f);
      if (!body) return E.left(this.decodeError(p, noAnswer(execOf.get(f) as ExecResult)));
      const fact = this.decodeAnswer(p, body);
      if (E.isLeft(fact)) return fact;
      results.push(fact.right);
    }
    // Checked after the answers, so an exec that answered nothing names the probe it left unanswered.
    const hexes: string[] = [];
    for (const d of digests) {
      if (typeof d !== "string")
        return E.left(this.decodeError(HOST_FACTS_PROBE, `no digest of the answers: ${noAnswer(d.missing)}`));
      hexes.push(d);
    }
    return E.right({ results, digest: combineDigests(hexes) });
  }

  /**
   * The stale check's script, sent on stdin ahead of the blobs: the same
   * execs observe() made, as one, printing the combined digest.
   */
  private staleCheck(probes: readonly Probe[]): E.Either<TargetError, Uint8Array> {
    const split = this.chunkProbes(probes);
    if (E.isLeft(split)) return split;
    const script = staleCheckScript(
      split.right.chunks.map((calls) => calls.map((c) => c.text)),
      this.cacheDir,
    );
    return E.right(new TextEncoder().encode(script));
  }

  private decodeAnswer(p: Probe, body: FrameBody): E.Either<TargetError, ProbeResult> {
    let raw: unknown;
    try {
      raw = parseAnswer(p, body);
    } catch (e) {
      if (e instanceof AnswerError) return E.left(this.decodeError(p, e.message));
      if (e instanceof DeniedAnswer) return E.left(this.denied(e, "read"));
      throw e;
    }
    // Indexing by a union key loses the pairing of probe type and fact type; any fact is a ProbeResult.
    const codec = factCodecs[p.type] as t.Type<ProbeResult, unknown, unknown>;
    return E.mapLeft((m: string) => this.decodeError(p, m))(decodeWith(codec, raw));
  }

  private denied(d: DeniedAnswer, access: "read" | "create"): TargetError {
    const variable = this.options.permissionVariable;
    return {
      _tag: "PermissionDenied",
      host: this.host,
      path: d.path,
      user: d.user,
      access,
      ...(variable !== undefined ? { variable } : {}),
    };
  }

  private decodeError(probe: Probe, message: string): TargetError {
    return { _tag: "ProbeDecode", host: this.host, probe, message };
  }

  /**
   * All ops in one exec with per-op markers, stopping at the first failure.
   * writeFile blobs travel on stdin, concatenated in op order.
   */
  async run(
    ops: readonly Op[],
    blobs: BlobStore,
    options: RunOptions = {},
  ): Promise<E.Either<TargetError, RunReport>> {
    const invalid = refuseInvalid(this.host, ops);
    if (invalid) return E.left(invalid);
    // Refuse a batch with a missing blob before any op runs, rather than after half of it.
    for (const [index, op] of ops.entries()) {
      if (op.op === "writeFile" && !blobs.has(op.blob)) {
        return E.left({
          _tag: "OpFailed",
          host: this.host,
          index,
          op,
          exitCode: -1,
          stderr: `blob ${op.blob} is not in the blob store; no op of this batch ran`,
        });
      }
    }
    const check = options.expect ? this.staleCheck(options.expect.probes) : undefined;
    if (check && E.isLeft(check)) return check;
    const rand = randomHex(8);
    const lines = ops.map((op, i) => {
      const line = opLine(
        op,
        i,
        `${rand}${i}`,
        this.paths,
        op.op === "writeFile" ? blobs.get(op.blob)?.length : undefined,
      );
      // What a killed apply left beside this op's targets goes first (we hold the lock).
      // The op's processes get no copy of the lock fd: a daemon an op leaves behind must not hold it.
      const prefixes = sweepPrefixes(op, this.paths.pendingPath);
      return `${prefixes.length > 0 ? `tend_sweep ${shellArgv(prefixes)}\n` : ""}${line} 9>&-`;
    });
    const holder = options.holder ?? { controller: hostname(), pid: process.pid };
    const token = randomHex(8);
    const fixed =
      Buffer.byteLength(OP_PRELUDE) +
      Buffer.byteLength(DIGEST_FUNCTIONS) +
      Buffer.byteLength(LOCK_FUNCTIONS) +
      1024;
    let completed = 0;
    for (const chunk of chunkCalls(lines, fixed)) {
      const first = completed;
      const chunkOps = ops.slice(first, first + chunk.length);
      // The blobs go as they are, in op order: the transport writes them one after another.
      const parts = chunkOps.flatMap((op) =>
        op.op === "writeFile" ? [blobs.get(op.blob) as Uint8Array] : [],
      );
      const checked = first === 0 && check !== undefined && options.expect !== undefined;
      if (checked) parts.unshift(check.right);
      const stdin = parts.length > 0 ? parts : undefined;
      const boundary = newBoundary();
      const head = [
        OP_PRELUDE,
        DIGEST_FUNCTIONS,
        LOCK_FUNCTIONS,
        `B=${shellQuote(boundary)}`,
        `tend_lock ${shellArgv([
          this.lockPath,
          holderPath(this.lockPath),
          lockWaitArg(options.lockWaitMs),
          holderLine(holder.controller),
          String(holder.pid),
          token,
          first === 0 ? "first" : "next",
        ])}`,
        `tend_run_tmp ${shellArgv([this.runDir, this.paths.stateDir])}`,
        ...(checked ? [`tend_stale ${shellArgv([String(check.right.length), options.expect.digest])}`] : []),
        `printf '\\n%s ready\\n' "$B"`,
      ];
      const script = `${head.join("\n")}\n${chunk.join("\n")}\ntend_mark done\n`;
      const r = await this.exec(script, `ops ${first}..${first + chunk.length - 1}`, stdin);
      if (E.isLeft(r)) return E.left(this.lost(r.left, completed));
      const stdout = utf8(r.right.stdout);
      const refused = this.refusal(readLockOutcome(stdout, boundary), r.right, completed);
      if (refused) return E.left(refused);
      const marks = readMarks(stdout, boundary);
      const failedAt = marks.failed?.index ?? marks.unfinished;
      // Every op ended but the script died before `done`: the ops themselves are complete.
      const allEnded = marks.ended.length === chunk.length;
      if (failedAt !== undefined || (!marks.done && !allEnded)) {
        const index = failedAt ?? first + marks.ended.length;
        return E.left({
          _tag: "OpFailed",
          host: this.host,
          index,
          op: ops[index] as Op,
          exitCode: marks.failed?.exitCode ?? r.right.exitCode,
          stderr: stderrOf(utf8(r.right.stderr), boundary, index) || utf8(r.right.stderr).trim(),
        });
      }
      completed += chunk.length;
    }
    return E.right({ completed });
  }

  /** The error for an exec that never reached its ops: held lock, no lock, stale, or dead first. */
  private refusal(
    outcome: ReturnType<typeof readLockOutcome>,
    r: ExecResult,
    completed: number,
  ): TargetError | undefined {
    switch (outcome._tag) {
      case "Ready":
        return undefined;
      case "Locked":
        // Between two chunks of this batch another apply took the lock: the host moved on under us.
        if (completed > 0) return { _tag: "Stale", host: this.host, completed };
        return { _tag: "Locked", host: this.host, holder: outcome.holder };
      case "Stale":
        return { _tag: "Stale", host: this.host, completed };
      case "NoLock":
        return { _tag: "LockUnavailable", host: this.host, reason: outcome.reason };
      case "NoLockDenied": {
        const fix = this.options.permissionVariable;
        return {
          _tag: "LockUnavailable",
          host: this.host,
          reason: `cannot write ${outcome.path} as ${outcome.user} (permission denied)${fix ? `: set ${fix}` : ""}`,
        };
      }
      case "None":
        return {
          _tag: "LockUnavailable",
          host: this.host,
          reason: `the script ended before it took the lock: ${noAnswer(r)}`,
        };
    }
  }

  /** A transport failure mid-run: the ops before `completed` are known done, the rest unknown. */
  private lost(error: TargetError, completed: number): TargetError {
    if (error._tag !== "Transport") return error;
    const tag = error.error._tag;
    if (tag === "ConnectionLost" || tag === "Timeout") {
      const reason = tag === "Timeout" ? `timed out after ${error.error.afterMs} ms` : error.error.reason;
      return { _tag: "Interrupted", host: this.host, completed, reason };
    }
    return error;
  }

  /** Closes the transport. */
  async close(): Promise<void> {
    await this.transport.close();
  }
}

/** Why a frame is missing: the exit code and the end of stderr (the script's own error is last). */
const noAnswer = (r: ExecResult): string => {
  const err = utf8(r.stderr).trim();
  return `no answer (exit ${r.exitCode})${err ? `: ${err.length > 2000 ? `…${err.slice(-2000)}` : err}` : ""}`;
};

const relabel = (e: TransportError, command: string): TransportError =>
  "command" in e ? { ...e, command } : e;
