/**
 * SimHost: an in-memory Linux host that is a Target. It answers the same
 * probes and runs the same ops as ShellTarget on a real host, keeps its state
 * as immutable data (immer), counts round trips, logs every op, and can
 * inject an op failure or a dropped connection for recovery tests.
 */
import { createHash } from "node:crypto";
import type { Either } from "fp-ts/lib/Either.js";
import * as E from "fp-ts/lib/Either.js";
import { type Draft, freeze, produce } from "immer";
import { PathReporter } from "io-ts/lib/PathReporter.js";
import { canonicalJson } from "../canonical.js";
import type { HostFacts } from "../facts.js";
import { parseGateArgv } from "../health/gate.js";
import { type Op, refuseInvalid } from "../op.js";
import { factCodecs, type Probe, type ProbeResult } from "../probe.js";
import type {
  BlobStore,
  LockHolder,
  Observation,
  RunOptions,
  RunReport,
  Target,
  TargetError,
} from "../target.js";
import { freshDebianHost } from "./debian.js";
import { answerGate } from "./health.js";
import { applyOp } from "./ops.js";
import { answerProbe } from "./probes.js";
import type { SimState } from "./state.js";
import { lookup, SimError, SimKill } from "./vfs.js";

/** Options of a SimHost. */
export interface SimHostOptions {
  /** The host name used in errors; defaults to the state's hostname. */
  readonly name?: string;
  /** The op with this 0-based index over the host's lifetime fails (exit 1) without changing anything. */
  readonly failAtOp?: number;
  /**
   * After the op with this 0-based lifetime index completes, the connection
   * drops: that run returns Interrupted and every later call a ConnectionLost
   * transport error until reconnect(). State persists, as on a real host.
   */
  readonly dropAfterOp?: number;
  /**
   * The host-side script is SIGKILLed in the middle of the op with this
   * 0-based lifetime index: `phase` "before" kills it before the op took
   * effect, "after" once it has (ops are atomic, so these are the two
   * outcomes of a one-step op). `step` k instead kills it inside the op, at
   * its k-th internal step boundary (0-based; the steps before it took
   * effect, e.g. k members of an archive unpacked, the manifest not yet
   * written), or right after the op when it has no more boundaries
   * (killedInside then tells which). The run returns Interrupted with
   * `completed` = the ops before it; the connection stays up.
   */
  readonly killAtOp?:
    | { readonly op: number; readonly phase: "before" | "after" }
    | { readonly op: number; readonly step: number };
  /** Services (or gate paths, URLs, sockets, hosts) whose health gates fail; see health.ts. */
  readonly unhealthy?: readonly string[];
  /**
   * Milliseconds each round trip (hostFacts, probe/observe, run) waits before
   * it is answered, asked anew per call: a stand-in for network and host
   * latency in fleet benchmarks. Default: answered at once.
   */
  readonly latencyMs?: () => number;
}

/** The UTC time the simulated host shows at generation `clock`: one second per op from a fixed start. */
export const simTime = (clock: number): string =>
  new Date(Date.UTC(2026, 0, 1) + clock * 1000).toISOString().replace(/\.\d+Z$/, "Z");

/** Paths whose content an op writes or removes, for SimHistory.changedAt. */
const writtenPaths = (op: Op): readonly string[] => {
  switch (op.op) {
    case "writeFile":
    case "remove":
      return [op.path];
    case "download":
      return [op.path, op.record];
    case "extract":
      return [op.dest, op.manifest];
    default:
      return [];
  }
};

/** A path's bytes (base64) or kind of entry, to tell whether an op changed it. */
const contentOf = (state: SimState, path: string): string | undefined => {
  const e = lookup(state.files, path, true);
  return e === undefined ? undefined : e.type === "file" ? e.content : e.type;
};

/** Plain JSON copy, so callers never hold (or try to mutate) immer's frozen state. */
const thaw = <T>(x: T): T => structuredClone(x);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An in-memory host answering tend's probes and ops; see README.md for the semantics. */
export class SimHost implements Target {
  readonly host: string;
  #state: SimState;
  readonly #options: SimHostOptions;
  #roundTrips = 0;
  readonly #opLog: Op[] = [];
  readonly #warnings: string[] = [];
  /** Ops attempted over the host's lifetime: the clock failAtOp and dropAfterOp count on. */
  #opClock = 0;
  #connected = true;
  /** The apply lock: set while a run() is in progress, like flock on a real host. */
  #lock: LockHolder | undefined;
  /** Whether the injected `step` kill landed inside its op (undefined until it was reached). */
  #killedInside: boolean | undefined;

  constructor(initialState: SimState = freshDebianHost(), options: SimHostOptions = {}) {
    // A private frozen copy: the caller's object stays theirs, and nothing mutates ours behind our back.
    this.#state = freeze(structuredClone(initialState), true);
    this.#options = options;
    this.host = options.name ?? initialState.host.hostname;
  }

  /** The current state (frozen; change it only through ops or mutate()). */
  get state(): SimState {
    return this.#state;
  }

  /** How many hostFacts/probe/run calls were made, refused ones included. */
  get roundTrips(): number {
    return this.#roundTrips;
  }

  /** Every op attempted, in order, including one that failed. */
  get opLog(): readonly Op[] {
    return this.#opLog;
  }

  /** What systemd would have warned about, e.g. a start whose unit file changed since the last daemon-reload. */
  get warnings(): readonly string[] {
    return this.#warnings;
  }

  /**
   * For a killAtOp `step`: true when the kill landed inside its op, false
   * when the op had fewer step boundaries and the kill came after it,
   * undefined while the op was not reached.
   */
  get killedInside(): boolean | undefined {
    return this.#killedInside;
  }

  /** Whether calls are answered (false after an injected drop, until reconnect()). */
  get connected(): boolean {
    return this.#connected;
  }

  /** Who holds the apply lock now (a run() in progress), if anyone. */
  get lockHolder(): LockHolder | undefined {
    return this.#lock;
  }

  /**
   * Holds the apply lock as another apply would (tests of a refused or
   * waiting apply); returns its release. Throws when it is already held.
   */
  holdLock(holder: Pick<LockHolder, "controller" | "pid">): () => void {
    if (this.#lock !== undefined) throw new Error(`${this.host}: the lock is already held`);
    const mine: LockHolder = { ...holder, since: new Date().toISOString() };
    this.#lock = mine;
    return () => {
      if (this.#lock === mine) this.#lock = undefined;
    };
  }

  /** Ends a dropped connection: later calls are answered again. */
  reconnect(): void {
    this.#connected = true;
  }

  /**
   * Changes the host behind tend's back (drift, a member altered by hand, a
   * package removed), without counting a round trip or logging an op.
   */
  mutate(recipe: (draft: Draft<SimState>) => void): void {
    this.#state = produce(this.#state, recipe);
  }

  #lost(command: string): TargetError {
    return {
      _tag: "Transport",
      host: this.host,
      error: {
        _tag: "ConnectionLost",
        host: this.host,
        command,
        reason: "connection dropped (SimHost dropAfterOp)",
      },
    };
  }

  /** Waits the injected latency of one round trip, if any. */
  async #latency(): Promise<void> {
    const ms = this.#options.latencyMs?.() ?? 0;
    if (ms > 0) await sleep(ms);
  }

  async hostFacts(): Promise<Either<TargetError, HostFacts>> {
    this.#roundTrips++;
    await this.#latency();
    if (!this.#connected) return E.left(this.#lost("host facts"));
    return E.right(this.#facts());
  }

  #facts(): HostFacts {
    const h = this.#state.host;
    return thaw({
      hostname: h.hostname,
      os: h.os,
      kernel: h.kernel,
      arch: h.arch,
      interfaces: h.interfaces as HostFacts["interfaces"],
      swap: this.#state.swap as string[],
      init: h.init,
      downloaders: h.downloaders as string[],
      packageManager: h.packageManager,
      user: h.user,
    });
  }

  async probe(probes: readonly Probe[]): Promise<Either<TargetError, readonly ProbeResult[]>> {
    this.#roundTrips++;
    await this.#latency();
    if (!this.#connected) return E.left(this.#lost("probe"));
    return this.#answer(probes);
  }

  /** probe() and the digest of the answers with the host facts (one round trip). */
  async observe(probes: readonly Probe[]): Promise<Either<TargetError, Observation>> {
    const r = await this.probe(probes);
    return E.map((results: readonly ProbeResult[]) => ({ results, digest: this.#digest(results) }))(r);
  }

  #digest(results: readonly ProbeResult[]): string {
    return createHash("sha256")
      .update(canonicalJson({ facts: this.#facts(), results }))
      .digest("hex");
  }

  #answer(probes: readonly Probe[]): Either<TargetError, readonly ProbeResult[]> {
    const out: ProbeResult[] = [];
    for (const probe of probes) {
      const gate = probe.type === "check" ? parseGateArgv(probe.argv) : undefined;
      const answer = gate
        ? answerGate(this.#state, gate, this.#options.unhealthy ?? [])
        : answerProbe(this.#state, probe);
      // Same gate as ShellTarget: an answer that does not decode is an error, never passed on.
      const decoded = factCodecs[probe.type].decode(answer);
      if (E.isLeft(decoded)) {
        return E.left({
          _tag: "ProbeDecode",
          host: this.host,
          probe,
          message: PathReporter.report(decoded).join("; "),
        });
      }
      out.push(decoded.right);
    }
    // Answers may share frozen parts of the state: one copy of them all (not one per probe).
    return E.right(thaw(out));
  }

  /**
   * Takes the lock (waiting up to `lockWaitMs`), yields once (ops take time
   * on a real host: an apply arriving meanwhile finds the lock held), checks
   * `expect` against the current state, then runs the ops.
   */
  async run(
    ops: readonly Op[],
    blobs: BlobStore,
    options: RunOptions = {},
  ): Promise<Either<TargetError, RunReport>> {
    this.#roundTrips++;
    await this.#latency();
    if (!this.#connected) return E.left(this.#lost("run"));
    const invalid = refuseInvalid(this.host, ops);
    if (invalid) return E.left(invalid);
    const deadline = Date.now() + (options.lockWaitMs ?? 0);
    while (this.#lock !== undefined && Date.now() < deadline) await sleep(5);
    if (this.#lock !== undefined) return E.left({ _tag: "Locked", host: this.host, holder: this.#lock });
    this.#lock = {
      controller: options.holder?.controller ?? "simhost",
      pid: options.holder?.pid ?? 0,
      since: new Date().toISOString(),
    };
    try {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (options.expect) {
        const now = this.#answer(options.expect.probes);
        if (E.isLeft(now) || this.#digest(now.right) !== options.expect.digest)
          return E.left({ _tag: "Stale", host: this.host, completed: 0 });
      }
      return this.#runOps(ops, blobs);
    } finally {
      // Released however the run ends, as the kernel releases flock when its holder dies.
      this.#lock = undefined;
    }
  }

  #runOps(ops: readonly Op[], blobs: BlobStore): Either<TargetError, RunReport> {
    let outcome: Either<TargetError, RunReport> = E.right({ completed: ops.length });
    // One draft for the whole batch: per-op produce copies the file table per op (quadratic in
    // big batches). applyOp throws only before it changed anything, so stopping there is exact.
    this.#state = produce(this.#state, (draft) => {
      for (const [index, op] of ops.entries()) {
        const clock = this.#opClock++;
        this.#opLog.push(op);
        const failed = (exitCode: number, stderr: string): void => {
          outcome = E.left({ _tag: "OpFailed", host: this.host, index, op, exitCode, stderr });
        };
        const interrupted = (completed: number, reason: string): void => {
          outcome = E.left({ _tag: "Interrupted", host: this.host, completed, reason });
        };
        if (clock === this.#options.failAtOp)
          return failed(1, `injected failure (SimHost failAtOp ${clock})`);
        const kill = this.#options.killAtOp?.op === clock ? this.#options.killAtOp : undefined;
        if (kill && "phase" in kill && kill.phase === "before")
          return interrupted(index, "host-side script killed (SimHost killAtOp)");
        let late: SimError | undefined;
        try {
          late = this.#applyTracked(draft, op, blobs, kill && "step" in kill ? kill.step : undefined);
        } catch (e) {
          // Killed inside the op: the steps before the kill stay, as on a real host.
          if (e instanceof SimKill) {
            this.#killedInside = true;
            return interrupted(index, e.message);
          }
          // Thrown: the op failed before changing anything.
          if (e instanceof SimError) return failed(e.exitCode, e.message);
          throw e;
        }
        if (kill && "step" in kill) this.#killedInside = false;
        if (kill) return interrupted(index, "host-side script killed (SimHost killAtOp)");
        // Returned: the op failed after steps the real command would have done too; they stay.
        if (late !== undefined) return failed(late.exitCode, late.message);
        if (clock === this.#options.dropAfterOp) {
          this.#connected = false;
          return interrupted(index + 1, "connection dropped (SimHost dropAfterOp)");
        }
      }
    });
    return outcome;
  }

  /**
   * applyOp, ticking the generation clock and noting which paths' contents
   * changed (also when a kill at step `killStep` stops it midway).
   */
  #applyTracked(draft: Draft<SimState>, op: Op, blobs: BlobStore, killStep?: number): SimError | undefined {
    const clock = (draft.history?.clock ?? 0) + 1;
    const paths = writtenPaths(op);
    const before = paths.map((p) => contentOf(draft, p));
    const track = (): void => {
      const changedAt = { ...draft.history?.changedAt };
      paths.forEach((p, i) => {
        if (contentOf(draft, p) !== before[i]) changedAt[p] = clock;
      });
      draft.history = { clock, changedAt };
    };
    let boundary = 0;
    let late: SimError | undefined;
    try {
      late = applyOp(draft, op, {
        blobs,
        warn: (m) => this.#warnings.push(m),
        clock,
        now: simTime(clock),
        step: () => {
          if (boundary++ === killStep) throw new SimKill();
        },
      });
    } catch (e) {
      // A kill keeps the steps before it; a thrown failure changed nothing.
      if (e instanceof SimKill) track();
      throw e;
    }
    track();
    return late;
  }

  /** A SimHost holds no connection; it keeps answering after close (tests inspect it afterwards). */
  async close(): Promise<void> {}
}
