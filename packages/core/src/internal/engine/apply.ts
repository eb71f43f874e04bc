/**
 * apply: carries out a plan, host by host in parallel (bounded), and proves
 * convergence by re-planning. Per host: run every op in one batch that stops
 * at the first failure (naming host, resource and op), then re-probe and
 * report what is pending. The batch's own exec takes the host's apply lock
 * and refuses a stale plan (the plan's facts digest, rechecked on the host
 * under the lock): neither costs a round trip of its own.
 */
import * as E from "fp-ts/lib/Either.js";
import type { HostFacts } from "../facts.js";
import { withoutHost } from "../host-text.js";
import type { Op } from "../op.js";
import { describeOp } from "../op.js";
import type { Action, Plan, ReadyHostPlan } from "../plan/format.js";
import type { AnyKind, Resource } from "../resource.js";
import type { BlobStore, LockHolder, RunOptions, Target, TargetError } from "../target.js";
import { type ReadSource, readSourceBytes } from "./content.js";
import { fromBase64 } from "./digest.js";
import { describeTargetError } from "./errors.js";
import { planHost } from "./plan-host.js";
import { bareRun, isPlannedRun, type PlannedHost, type PlannedRun } from "./planned.js";

/** A change the re-plan after apply still shows. */
export interface PendingChange {
  readonly id: string;
  readonly action: string;
}

/** What the re-plan after ops ran says. */
export type Verdict =
  | { readonly converged: true }
  /** The re-plan is not empty: these changes are still pending. */
  | { readonly converged: false; readonly pending: readonly PendingChange[] }
  /** The re-plan itself failed (one line naming host and why), so convergence is unknown. */
  | { readonly converged: false; readonly unverified: string };

/**
 * One host's outcome, by status; each variant has exactly its fields.
 * `applied` and `failed` ran ops and carry the re-plan's verdict; the others
 * ran none.
 */
export type HostApplyReport =
  /** The plan had no actions for the host. */
  | { readonly host: string; readonly status: "unchanged" }
  | { readonly host: string; readonly status: "applied"; readonly opsRun: number; readonly verdict: Verdict }
  /** Op `opsRun` failed (or the connection dropped); the ops before it ran. */
  | {
      readonly host: string;
      readonly status: "failed";
      readonly opsRun: number;
      /** One line naming host, resource and op. */
      readonly error: string;
      /** The action whose op failed, when one did (not for a host changed between two chunks). */
      readonly failedAction?: string;
      readonly verdict: Verdict;
    }
  /** The host changed since the plan was made: refused before op 0. */
  | { readonly host: string; readonly status: "stale"; readonly error: string }
  /** Another apply holds the host's lock, or it cannot be locked: no op ran. */
  | { readonly host: string; readonly status: "locked"; readonly error: string }
  /** The content some op writes is not at hand (unreadable, changed, or sensitive in a plan file): no op ran. */
  | { readonly host: string; readonly status: "blocked"; readonly error: string }
  /** The host's plan failed, there is no connection to it, or its become was refused: no op ran. */
  | { readonly host: string; readonly status: "skipped"; readonly error: string };

export type ApplyStatus = HostApplyReport["status"];

/** True when the host ended as declared: nothing to do, or ops ran and the re-plan is empty. */
export const isConverged = (r: HostApplyReport): boolean =>
  r.status === "unchanged" || ((r.status === "applied" || r.status === "failed") && r.verdict.converged);

/** What the re-plan still shows for the host (empty when it was not re-planned or converged). */
export const pendingOf = (r: HostApplyReport): readonly PendingChange[] =>
  (r.status === "applied" || r.status === "failed") && "pending" in r.verdict ? r.verdict.pending : [];

export interface ApplyReport {
  readonly hosts: readonly HostApplyReport[];
}

export type ApplyEvent =
  | { readonly host: string; readonly phase: "checking" | "applying" | "verifying" }
  | { readonly host: string; readonly phase: "done"; readonly report: HostApplyReport };

export interface ApplyOptions {
  readonly readSource?: ReadSource;
  readonly kinds?: readonly AnyKind[];
  readonly onEvent?: (e: ApplyEvent) => void;
  /** Hosts applied at once (default 10). */
  readonly concurrency?: number;
  /**
   * Declared resources per host for the convergence re-plan; defaults to the
   * resources stored in the plan.
   */
  readonly resources?: ReadonlyMap<string, readonly Resource[]>;
  /**
   * Refuse the plan when the host's facts changed since it was made (default
   * true). The check runs on the host under the apply lock, in the op batch's
   * own round trip; `false` skips it, and only a caller that applies a plan it
   * has just made in this process may pass it.
   */
  readonly recheckFacts?: boolean;
  /** Recorded on the host while this apply holds its lock (default: the target's own process). */
  readonly lockHolder?: Pick<LockHolder, "controller" | "pid">;
  /** How long to wait for another apply's lock on a host before refusing (default 0). */
  readonly lockWaitMs?: number;
  /**
   * How a target error reads in the report (default describeTargetError).
   * The CLI passes its own, so that a become refused during apply gets the
   * same advice (which variable to set) as one refused while planning.
   */
  readonly describeError?: (e: TargetError) => string;
}

/** Blob bytes for a host's ops: in memory (a planned run), inline in the plan, or re-read from their source. */
const gatherBlobs = async (
  hp: ReadyHostPlan,
  known: ReadonlyMap<string, Uint8Array>,
  readSource: ReadSource | undefined,
): Promise<E.Either<string, Map<string, Uint8Array>>> => {
  const out = new Map<string, Uint8Array>();
  for (const a of hp.actions)
    for (const op of a.ops) {
      if (op.op !== "writeFile" || out.has(op.blob)) continue;
      const inMemory = known.get(op.blob);
      const entry = hp.blobs[op.blob];
      let bytes: Uint8Array | undefined = inMemory;
      if (!bytes && entry && "base64" in entry) bytes = fromBase64(entry.base64);
      if (!bytes && entry && "source" in entry) {
        if (!readSource)
          return E.left(`${hp.host}: ${a.id}: ${entry.source} cannot be read (no source reader)`);
        let read: Uint8Array | "changed";
        try {
          read = await readSourceBytes(readSource, entry.source, op.blob);
        } catch (e) {
          return E.left(`${hp.host}: ${a.id}: cannot read ${entry.source}: ${(e as Error).message}`);
        }
        if (read === "changed")
          return E.left(`${hp.host}: ${a.id}: ${entry.source} changed since the plan was made; plan again`);
        bytes = read;
      }
      if (!bytes)
        return E.left(
          `${hp.host}: ${a.id}: its content is sensitive and plan files never hold it; apply from the inventory instead`,
        );
      out.set(op.blob, bytes);
    }
  return E.right(out);
};

interface BatchEntry {
  readonly op: Op;
  /** Index of the action the op came from (the first one, for merged package installs). */
  readonly action: number;
}

/**
 * The host's ops as one batch. Consecutive package installs of one manager
 * become one install (one apt run instead of one per package); everything
 * else keeps its order.
 */
export const batchOps = (actions: readonly Action[]): BatchEntry[] => {
  const out: BatchEntry[] = [];
  actions.forEach((a, i) => {
    for (const op of a.ops) {
      const prev = out[out.length - 1];
      if (op.op === "packages" && prev?.op.op === "packages" && prev.op.manager === op.manager) {
        const install = [...new Set([...prev.op.install, ...op.install])];
        out[out.length - 1] = { op: { ...prev.op, install }, action: prev.action };
      } else out.push({ op, action: i });
    }
  });
  return out;
};

/**
 * The report of a batch the host refused before op 0: a held lock (failed,
 * naming the holder), no lock, a stale plan, or a refused become (sudo or su
 * ran none of the batch, and a re-plan would be refused the same way). Stale
 * after some chunks ran is a failure with ops done, reported like any other.
 */
const refusal = (e: TargetError, say: (e: TargetError) => string): HostApplyReport | undefined => {
  if (e._tag === "Locked" || e._tag === "LockUnavailable")
    return { host: e.host, status: "locked", error: say(e) };
  if (e._tag === "Stale" && e.completed === 0) return { host: e.host, status: "stale", error: say(e) };
  if (e._tag === "Transport" && e.error._tag === "BecomeFailed")
    return { host: e.host, status: "skipped", error: say(e) };
  return undefined;
};

const verify = async (
  hp: ReadyHostPlan,
  target: Target,
  blobs: BlobStore,
  facts: HostFacts | undefined,
  options: ApplyOptions,
): Promise<Verdict> => {
  const resources = options.resources?.get(hp.host) ?? (hp.resources as readonly Resource[]);
  // The resources were built from these facts; re-probing the resources is what tells convergence.
  // A rollback intent this plan's own keep recorded is no rollback left over.
  const keep = hp.actions[0]?.ops.find((o) => o.op === "keep");
  const again = await planHost(resources, target, {
    ...(facts ? { facts } : {}),
    ...(keep?.op === "keep" ? { ownRollback: keep.dir } : {}),
    kinds: options.kinds,
    readSource: options.readSource,
    blobs,
    blobEntries: hp.blobs,
  });
  const p = again.plan;
  if (p.status === "error") return { converged: false, unverified: p.errors.join("; ") };
  if (p.actions.length === 0) return { converged: true };
  return { converged: false, pending: p.actions.map((a) => ({ id: a.id, action: a.action })) };
};

const applyHost = async (
  hp: ReadyHostPlan,
  planned: PlannedHost | undefined,
  target: Target,
  options: ApplyOptions,
): Promise<HostApplyReport> => {
  const host = hp.host;
  const emit = options.onEvent ?? (() => {});
  if (hp.actions.length === 0) return { host, status: "unchanged" };
  emit({ host, phase: "checking" });
  const blobs = await gatherBlobs(hp, planned?.blobs ?? new Map(), options.readSource);
  if (E.isLeft(blobs)) return { host, status: "blocked", error: blobs.left };
  const runOptions: RunOptions = {
    ...(options.recheckFacts === false ? {} : { expect: { probes: hp.probes, digest: hp.factsDigest } }),
    ...(options.lockHolder ? { holder: options.lockHolder } : {}),
    ...(options.lockWaitMs ? { lockWaitMs: options.lockWaitMs } : {}),
  };
  emit({ host: hp.host, phase: "applying" });
  const batch = batchOps(hp.actions);
  const ran = await target.run(
    batch.map((b) => b.op),
    blobs.right,
    runOptions,
  );
  const say = options.describeError ?? describeTargetError;
  const refused = E.isLeft(ran) ? refusal(ran.left, say) : undefined;
  // Refused before op 0: nothing changed, so there is nothing to verify.
  if (refused) return refused;
  emit({ host, phase: "verifying" });
  const verdict = await verify(hp, target, blobs.right, planned?.facts, options);
  if (E.isLeft(ran)) {
    const e = ran.left;
    const index =
      e._tag === "OpFailed" ? e.index : e._tag === "Interrupted" || e._tag === "Stale" ? e.completed : 0;
    const entry = e._tag === "OpFailed" || e._tag === "Interrupted" ? batch[index] : undefined;
    const action = entry ? hp.actions[entry.action] : undefined;
    const op = e._tag === "OpFailed" ? e.op : undefined;
    const where = action ? `${action.id}: ` : "";
    const what = op ? `${describeOp(op)}: ` : "";
    return {
      host,
      status: "failed",
      opsRun: index,
      error: `${host}: ${where}${what}${withoutHost(host, say(e))}`,
      ...(action ? { failedAction: action.id } : {}),
      verdict,
    };
  }
  return { host, status: "applied", opsRun: ran.right.completed, verdict };
};

/** Runs `jobs` with at most `limit` in flight, results in input order. */
export const mapBounded = async <A, B>(
  items: readonly A[],
  limit: number,
  f: (a: A) => Promise<B>,
): Promise<B[]> => {
  const out = new Array<B>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
};

/**
 * Applies a plan to its hosts; `targets` maps host names to targets (or one
 * target for a one-host plan). Give the `PlannedRun` that `plan()` returned
 * (its hosts' blob bytes and facts are in memory), or a bare `Plan` decoded
 * from a file (its blobs are read again from their sources or inline copies).
 */
export const apply = async (
  planned: PlannedRun | Plan,
  targets: Target | ReadonlyMap<string, Target>,
  options: ApplyOptions = {},
): Promise<ApplyReport> => {
  const run = isPlannedRun(planned) ? planned : bareRun(planned);
  const lookup = (host: string): Target | undefined =>
    "host" in targets && typeof (targets as Target).run === "function"
      ? (targets as Target)
      : (targets as ReadonlyMap<string, Target>).get(host);
  const hosts = await mapBounded(
    run.plan.hosts,
    options.concurrency ?? 10,
    async (hp): Promise<HostApplyReport> => {
      if (hp.status === "error") return { host: hp.host, status: "skipped", error: hp.errors.join("; ") };
      const target = lookup(hp.host);
      if (!target)
        return { host: hp.host, status: "skipped", error: `${hp.host}: no connection to this host` };
      const report = await applyHost(hp, run.hosts.get(hp.host), target, options);
      options.onEvent?.({ host: hp.host, phase: "done", report });
      return report;
    },
  );
  return { hosts };
};
