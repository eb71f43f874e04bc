/**
 * Errors of the planning layer, tagged. Planning collects them (a host's plan
 * either succeeds or lists every problem found) and never throws.
 */

import { describeOp } from "../op.js";
import type { TargetError } from "../target.js";
import { describeTransportError } from "../transport.js";

export type PlanError =
  | { readonly _tag: "Target"; readonly error: TargetError }
  | {
      readonly _tag: "UnknownKind";
      readonly id: string;
      readonly origin?: string;
      readonly known: readonly string[];
    }
  | {
      readonly _tag: "InvalidProps";
      readonly id: string;
      readonly origin?: string;
      /** io-ts path of the bad field, e.g. "mode". */
      readonly path: string;
      readonly message: string;
    }
  | { readonly _tag: "DuplicateResource"; readonly id: string; readonly origins: readonly string[] }
  | {
      readonly _tag: "UnknownDependency";
      readonly id: string;
      readonly dependency: string;
      readonly origin?: string;
    }
  | { readonly _tag: "Cycle"; readonly cycles: readonly (readonly string[])[] }
  | { readonly _tag: "SourceUnreadable"; readonly id: string; readonly path: string; readonly reason: string }
  | { readonly _tag: "BlobMissing"; readonly id: string; readonly blob: string; readonly reason: string };

const at = (origin: string | undefined): string => (origin ? ` (declared in ${origin})` : "");

/** One line for a target error, naming the host and, for ops, the op. */
export const describeTargetError = (e: TargetError): string => {
  switch (e._tag) {
    case "Transport":
      return describeTransportError(e.error);
    case "ProbeDecode":
      return `${e.host}: unexpected answer to probe ${JSON.stringify(e.probe)}: ${e.message}`;
    case "OpFailed":
      return `${e.host}: ${describeOp(e.op)} failed (exit ${e.exitCode})${e.stderr.trim() ? `: ${e.stderr.trim()}` : ""}`;
    case "Interrupted":
      return `${e.host}: connection lost after ${e.completed} ops: ${e.reason}`;
    case "Locked":
      return e.holder
        ? `${e.host}: another apply holds the lock: controller ${e.holder.controller} pid ${e.holder.pid}${e.holder.since ? ` since ${e.holder.since}` : ""}`
        : `${e.host}: another apply holds the lock (its holder record is unreadable)`;
    case "LockUnavailable":
      return `${e.host}: cannot take the apply lock, so no op ran: ${e.reason}`;
    case "Stale":
      return `${e.host}: the host changed since this plan was made${e.completed > 0 ? ` (after ${e.completed} ops, another apply ran in between)` : ""}; plan again`;
  }
};

/** One line for a plan error, naming the resource and where it was declared. */
export const describePlanError = (e: PlanError): string => {
  switch (e._tag) {
    case "Target":
      return describeTargetError(e.error);
    case "UnknownKind":
      return `${e.id}${at(e.origin)}: unknown resource kind; known kinds: ${e.known.join(", ")}`;
    case "InvalidProps":
      return `${e.id}${at(e.origin)}: invalid value at ${e.path || "(props)"}: ${e.message}`;
    case "DuplicateResource":
      return `${e.id} is declared twice with different props: ${e.origins.join(" and ")}`;
    case "UnknownDependency":
      return `${e.id}${at(e.origin)}: depends on ${e.dependency}, which is not declared`;
    case "Cycle":
      return `dependency cycle${e.cycles.length > 1 ? "s" : ""}: ${e.cycles.map((c) => [...c, c[0]].join(" -> ")).join("; ")}`;
    case "SourceUnreadable":
      return `${e.id}: cannot read source ${e.path}: ${e.reason}`;
    case "BlobMissing":
      return `${e.id}: content ${e.blob.slice(0, 12)}… is not available: ${e.reason}`;
  }
};
