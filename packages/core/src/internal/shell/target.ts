/**
 * ShellTarget: the Target that compiles probes and ops to POSIX sh (dash
 * compatible) and runs them over any Transport. Probes of one call go in one
 * exec, ops of one call in one exec (more only past MAX_SCRIPT_BYTES).
 */
import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import type { HostFacts } from "../facts.js";
import { type Op, refuseInvalid } from "../op.js";
import { factCodecs, type Probe, type ProbeResult } from "../probe.js";
import type { BlobStore, RunReport, Target, TargetError } from "../target.js";
import type { ExecResult, Transport, TransportError } from "../transport.js";
import { decodeWith } from "./decode.js";
import { type FrameBody, newBoundary, parseFrames, randomHex, utf8 } from "./frame.js";
import { HOST_FACTS_SCRIPT, parseHostFacts } from "./host-facts.js";
import { OP_PRELUDE } from "./op-prelude.js";
import { HOST_PATHS, type OpPaths, opLine } from "./op-script.js";
import { AnswerError, parseAnswer } from "./probe-parse.js";
import {
  type CompiledProbes,
  chunkCalls,
  compileProbes,
  PROBE_PRELUDE,
  probeHeader,
  UnquotableProbe,
} from "./probe-script.js";
import { shellQuote } from "./quote.js";
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
   * Where `extract` makes temp dirs (`<stateDir>/tmp`) and where the pending
   * restarts live (`<stateDir>/pending-restarts`). Default STATE_DIR; tests
   * point it elsewhere so they never touch the machine's own record.
   */
  readonly stateDir?: string;
}

type Exec = E.Either<TargetError, ExecResult>;

/** Runs probes and ops on one host through `transport`. */
export class ShellTarget implements Target {
  readonly host: string;
  private readonly paths: OpPaths;

  constructor(
    private readonly transport: Transport,
    private readonly options: ShellTargetOptions = {},
  ) {
    this.host = transport.host;
    this.paths =
      options.stateDir === undefined
        ? HOST_PATHS
        : { stateDir: options.stateDir, pendingPath: `${options.stateDir}/pending-restarts` };
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

  /**
   * All probes in one exec (split only when the script would pass
   * MAX_SCRIPT_BYTES). Probes the host can answer together share a call
   * (see compileProbes): one stat and hash per path, one systemctl per units.
   */
  async probe(probes: readonly Probe[]): Promise<E.Either<TargetError, readonly ProbeResult[]>> {
    let compiled: CompiledProbes;
    try {
      compiled = compileProbes(probes);
    } catch (e) {
      if (e instanceof UnquotableProbe) return E.left(this.decodeError(probes[e.index] as Probe, e.message));
      throw e;
    }
    const fixed = Buffer.byteLength(PROBE_PRELUDE) + Buffer.byteLength(probeHeader(newBoundary())) + 2;
    const bodies = new Map<number, FrameBody>();
    // The exec that was to print each frame, for the error when it did not.
    const execOf = new Map<number, ExecResult>();
    let next = 0;
    for (const chunk of chunkCalls(
      compiled.calls.map((c) => c.text),
      fixed,
    )) {
      const calls = compiled.calls.slice(next, next + chunk.length);
      next += chunk.length;
      const boundary = newBoundary();
      const r = await this.exec(
        `${PROBE_PRELUDE}\n${probeHeader(boundary)}\n${chunk.join("\n")}\n`,
        `probes (${calls.reduce((n, c) => n + c.frames.length, 0)})`,
      );
      if (E.isLeft(r)) return r;
      const frames = parseFrames(utf8(r.right.stdout), boundary);
      for (const c of calls)
        for (const f of c.frames) {
          execOf.set(f, r.right);
          const body = frames.get(f);
          if (body) bodies.set(f, body);
        }
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
    return E.right(results);
  }

  private decodeAnswer(p: Probe, body: FrameBody): E.Either<TargetError, ProbeResult> {
    let raw: unknown;
    try {
      raw = parseAnswer(p, body);
    } catch (e) {
      if (e instanceof AnswerError) return E.left(this.decodeError(p, e.message));
      throw e;
    }
    // Indexing by a union key loses the pairing of probe type and fact type; any fact is a ProbeResult.
    const codec = factCodecs[p.type] as t.Type<ProbeResult, unknown, unknown>;
    return E.mapLeft((m: string) => this.decodeError(p, m))(decodeWith(codec, raw));
  }

  private decodeError(probe: Probe, message: string): TargetError {
    return { _tag: "ProbeDecode", host: this.host, probe, message };
  }

  /**
   * All ops in one exec with per-op markers, stopping at the first failure.
   * writeFile blobs travel on stdin, concatenated in op order.
   */
  async run(ops: readonly Op[], blobs: BlobStore): Promise<E.Either<TargetError, RunReport>> {
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
    const rand = randomHex(8);
    const lines = ops.map((op, i) =>
      opLine(
        op,
        i,
        `${rand}${i}`,
        this.paths,
        op.op === "writeFile" ? blobs.get(op.blob)?.length : undefined,
      ),
    );
    const fixed = Buffer.byteLength(OP_PRELUDE) + 200;
    let completed = 0;
    for (const chunk of chunkCalls(lines, fixed)) {
      const first = completed;
      const chunkOps = ops.slice(first, first + chunk.length);
      // The blobs go as they are, in op order: the transport writes them one after another.
      const parts = chunkOps.flatMap((op) =>
        op.op === "writeFile" ? [blobs.get(op.blob) as Uint8Array] : [],
      );
      const stdin = parts.length > 0 ? parts : undefined;
      const boundary = newBoundary();
      const script = `${OP_PRELUDE}\nB=${shellQuote(boundary)}\n${chunk.join("\n")}\ntend_mark done\n`;
      const r = await this.exec(script, `ops ${first}..${first + chunk.length - 1}`, stdin);
      if (E.isLeft(r)) return E.left(this.lost(r.left, completed));
      const marks = readMarks(utf8(r.right.stdout), boundary);
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
