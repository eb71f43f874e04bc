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

export type TargetError =
  | { readonly _tag: "Transport"; readonly host: string; readonly error: TransportError }
  /** A probe answer that does not decode; `path` is the io-ts path of the bad value. */
  | { readonly _tag: "ProbeDecode"; readonly host: string; readonly probe: Probe; readonly message: string }
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
    };

export interface RunReport {
  /** Ops completed, equal to the batch length on success. */
  readonly completed: number;
}

export interface Target {
  readonly host: string;
  hostFacts(): Promise<Either<TargetError, HostFacts>>;
  /** Answers all probes in one round trip; results are in the order of `probes`. */
  probe(probes: readonly Probe[]): Promise<Either<TargetError, readonly ProbeResult[]>>;
  /** Runs ops in order, stopping at the first failure. */
  run(ops: readonly Op[], blobs: BlobStore): Promise<Either<TargetError, RunReport>>;
  close(): Promise<void>;
}
