/**
 * Errors of the planning layer, tagged. Planning collects them (a host's plan
 * either succeeds or lists every problem found) and never throws.
 */

import { describeOp } from "../op.js";
import type { Probe } from "../probe.js";
import type { TargetError } from "../target.js";
import { describeTransportError, type TransportError } from "../transport.js";

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
  /** A resource that is not even shaped like one: junk kind/name/deps/notify/origin, props that are not JSON. */
  | {
      readonly _tag: "InvalidResource";
      readonly id: string;
      readonly origin?: string;
      readonly message: string;
    }
  /** A name outside its kind's grammar (a unit name with "/", a sysctl key with ".."). */
  | { readonly _tag: "InvalidName"; readonly id: string; readonly origin?: string; readonly message: string }
  /** A change tend will not carry out, known from the facts; `variable` is what would fix it, if one would. */
  | { readonly _tag: "Refused"; readonly id: string; readonly reason: string; readonly variable?: string }
  | { readonly _tag: "DuplicateResource"; readonly id: string; readonly origins: readonly string[] }
  | {
      readonly _tag: "UnknownDependency";
      readonly id: string;
      readonly dependency: string;
      readonly origin?: string;
    }
  | { readonly _tag: "Cycle"; readonly cycles: readonly (readonly string[])[] }
  /**
   * The declared graph puts a service op before a unit write (or a unit write
   * after a service op), so no order runs the host's one daemon-reload after
   * every unit write and before every service op. `cycle` is the chain of
   * "runs after" edges through `systemd[daemon-reload]`.
   */
  | { readonly _tag: "ReloadOrder"; readonly cycle: readonly string[] }
  | { readonly _tag: "SourceUnreadable"; readonly id: string; readonly path: string; readonly reason: string }
  | { readonly _tag: "BlobMissing"; readonly id: string; readonly blob: string; readonly reason: string };

/** The longest part of a probe's own text (a path, a name, a command) a message quotes. */
const WORDS_MAX = 120;
const cut = (text: string): string =>
  JSON.stringify(text.length > WORDS_MAX ? `${text.slice(0, WORDS_MAX)}…` : text);

/**
 * A probe in words, for messages people read: its kind and what it looks
 * at (`the file probe of /etc/x`, `the host facts`), never its JSON.
 */
export const describeProbe = (p: Probe): string => {
  switch (p.type) {
    case "file":
      return `the file probe of ${cut(p.path)}`;
    case "manifest":
      return `the archive manifest probe of ${cut(p.path)}`;
    case "unit":
      return `the systemd unit probe of ${cut(p.name)}`;
    case "sysctl":
      return `the sysctl probe of ${cut(p.key)}`;
    case "kmod":
      return `the kernel module probe of ${cut(p.name)}`;
    case "user":
      return `the user probe of ${cut(p.name)}`;
    case "group":
      return `the group probe of ${cut(p.name)}`;
    case "package":
      return `the ${p.manager} package probe of ${cut(p.name)}`;
    case "swap":
      return "the swap probe";
    case "check":
      // ShellTarget names the host facts script with this label (HOST_FACTS_PROBE).
      return p.argv.length === 1 && p.argv[0] === "tend:host-facts"
        ? "the host facts"
        : `the check ${cut(p.argv.join(" "))}`;
  }
};

const at = (origin: string | undefined): string => (origin ? ` (declared in ${origin})` : "");

/** One line for a target error, naming the host and, for ops, the op. */
export const describeTargetError = (e: TargetError): string => {
  switch (e._tag) {
    case "Transport":
      return describeTransportError(e.error);
    case "ProbeDecode":
      return `${e.host}: unexpected answer to ${describeProbe(e.probe)}: ${e.message}`;
    case "PermissionDenied":
      return `${e.host}: cannot ${e.access} ${e.path} as ${e.user} (permission denied)${e.variable ? `: set ${e.variable}` : ""}`;
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
    case "InvalidResource":
      return `${e.id}${at(e.origin)}: ${e.message}`;
    case "InvalidName":
      return `${e.id}${at(e.origin)}: invalid name: ${e.message}`;
    case "Refused":
      return `${e.id}: refused: ${e.reason}${e.variable ? ` (see ${e.variable})` : ""}`;
    case "DuplicateResource":
      return `${e.id} is declared twice with different props: ${e.origins.join(" and ")}`;
    case "UnknownDependency":
      return `${e.id}${at(e.origin)}: depends on ${e.dependency}, which is not declared`;
    case "Cycle":
      return `dependency cycle${e.cycles.length > 1 ? "s" : ""}: ${e.cycles.map((c) => [...c, c[0]].join(" -> ")).join("; ")}`;
    case "ReloadOrder":
      return `no order runs the daemon-reload after every unit file and before every service op: ${[...e.cycle, e.cycle[0]].join(" -> ")}`;
    case "SourceUnreadable":
      return `${e.id}: cannot read source ${e.path}: ${e.reason}`;
    case "BlobMissing":
      return `${e.id}: content ${e.blob.slice(0, 12)}… is not available: ${e.reason}`;
  }
};

const transportTags: ReadonlySet<string> = new Set<TransportError["_tag"]>([
  "ConnectFailed",
  "AuthFailed",
  "HostKeyRejected",
  "Timeout",
  "ConnectionLost",
  "NonZeroExit",
  "BecomeFailed",
]);
const targetTags: ReadonlySet<string> = new Set<TargetError["_tag"]>([
  "Transport",
  "ProbeDecode",
  "PermissionDenied",
  "OpFailed",
  "Interrupted",
  "Locked",
  "LockUnavailable",
  "Stale",
]);

/** Any tagged error of the transport, target or planning layer: the layers' tags are disjoint. */
export type TendError = TransportError | TargetError | PlanError;

/**
 * One line for an error of any layer, with its reason (a missing key file,
 * sudo's refusal, the io-ts path of a bad prop): what an embedder prints
 * instead of the bare `_tag`. The lines of a reason of several lines (a
 * command's stderr) are joined with "; ".
 */
export const describeError = (e: TendError): string => {
  const text = transportTags.has(e._tag)
    ? describeTransportError(e as TransportError)
    : targetTags.has(e._tag)
      ? describeTargetError(e as TargetError)
      : describePlanError(e as PlanError);
  // A reason of several lines (a command's stderr) is kept whole, its lines joined.
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .join("; ");
};
