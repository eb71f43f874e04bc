/**
 * Target: what the engine talks to. ShellTarget compiles probes and ops to sh
 * over a Transport; SimHost answers them in memory. Both must agree.
 */
import type { Either } from "fp-ts/lib/Either.js";
import type { HostFacts } from "./facts.js";
import type { Op } from "./op.js";
import type { Probe, ProbeResult } from "./probe.js";
import type { TransportError } from "./transport.js";

/** Bytes of the blobs that writeFile ops reference, by sha256. */
export type BlobStore = ReadonlyMap<string, Uint8Array>;

/** Who holds a host's apply lock, as the holder recorded it on the host. */
export interface LockHolder {
  /** Host name of the controller that runs the apply. */
  readonly controller: string;
  /** Process id of the apply on its controller. */
  readonly pid: number;
  /** When the holder took the lock (ISO 8601, the host's clock); "" when not recorded. */
  readonly since: string;
}

export type TargetError =
  | { readonly _tag: "Transport"; readonly host: string; readonly error: TransportError }
  /** A probe answer that does not decode; `path` is the io-ts path of the bad value. */
  | { readonly _tag: "ProbeDecode"; readonly host: string; readonly probe: Probe; readonly message: string }
  /**
   * The host refused the login (or become) user a path a probe needs: a
   * file it may not read, a path under a directory it may not search, the
   * probe's temp dir it may not create. `variable` is the setting that would
   * fix it, in the caller's terms (the CLI passes `ansible_become`), if any.
   */
  | {
      readonly _tag: "PermissionDenied";
      readonly host: string;
      readonly path: string;
      /** The user the probe ran as, from the host (`id -un`). */
      readonly user: string;
      readonly access: "read" | "create";
      readonly variable?: string;
    }
  /** Op `index` of the batch failed; the ops before it completed, the ones after did not run. */
  | {
      readonly _tag: "OpFailed";
      readonly host: string;
      readonly index: number;
      readonly op: Op;
      readonly exitCode: number;
      readonly stderr: string;
    }
  /** The connection dropped after `completed` ops of the batch had finished. */
  | {
      readonly _tag: "Interrupted";
      readonly host: string;
      readonly completed: number;
      readonly reason: string;
    }
  /**
   * Another apply holds the host's lock (and did not let go within the wait,
   * if any): no op ran. `holder` is undefined when its record was unreadable.
   */
  | { readonly _tag: "Locked"; readonly host: string; readonly holder: LockHolder | undefined }
  /** The host cannot be locked (no flock(1), lock file not writable): no op ran. */
  | { readonly _tag: "LockUnavailable"; readonly host: string; readonly reason: string }
  /**
   * Under the lock, the host's answers to the plan's probes no longer match
   * the digest recorded at plan time (or another apply ran between two
   * chunks of this batch): no op of the refused exec ran.
   */
  | { readonly _tag: "Stale"; readonly host: string; readonly completed: number };

export interface RunReport {
  /** Ops completed, equal to the batch length on success. */
  readonly completed: number;
}

/** The host's answers to a batch of probes, with the host's digest of them. */
export interface Observation {
  /** In the order of the probes asked. */
  readonly results: readonly ProbeResult[];
  /**
   * Opaque digest of the answers and of the host facts they were planned
   * with, computed by the target (on the host, for ShellTarget). Equal
   * digests mean an unchanged host; run() recomputes it under the lock.
   */
  readonly digest: string;
}

/** What run() checks before op 0, in the same round trip as the ops. */
export interface RunOptions {
  /**
   * Refuse with Stale unless the host's answers to `probes` still give
   * `digest` (from observe()); checked after the lock is taken.
   */
  readonly expect?: { readonly probes: readonly Probe[]; readonly digest: string };
  /** Recorded beside the lock while this run holds it; defaults to this process. */
  readonly holder?: Pick<LockHolder, "controller" | "pid">;
  /** How long to wait for a held lock before Locked (default 0: fail at once). */
  readonly lockWaitMs?: number;
}

/**
 * A host tend can plan and apply on. Contract (changed on purpose in
 * 2026-12, see the core README): observe() answers probes and digests them;
 * run() takes the host's apply lock in the same round trip as the ops (the
 * lock dies with its holder), rechecks `expect` under it, and only then runs
 * op 0. Two runs on one host never interleave.
 */
export interface Target {
  readonly host: string;
  hostFacts(): Promise<Either<TargetError, HostFacts>>;
  /** Answers all probes in one round trip; results are in the order of `probes`. */
  probe(probes: readonly Probe[]): Promise<Either<TargetError, readonly ProbeResult[]>>;
  /** probe() plus the host's digest of the answers and host facts, in the same round trip. */
  observe(probes: readonly Probe[]): Promise<Either<TargetError, Observation>>;
  /**
   * Runs ops in order, stopping at the first failure, under the host's
   * apply lock (Locked, LockUnavailable) and after the stale check (Stale).
   */
  run(ops: readonly Op[], blobs: BlobStore, options?: RunOptions): Promise<Either<TargetError, RunReport>>;
  close(): Promise<void>;
}
