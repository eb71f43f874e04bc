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
import type { Op } from "../op.js";
import { describeOp } from "../op.js";
import type { Action, Plan, ReadyHostPlan } from "../plan/format.js";
import type { AnyKind, Resource } from "../resource.js";
import type { BlobStore, LockHolder, RunOptions, Target, TargetError } from "../target.js";
import { type ReadSource, readSourceBytes } from "./content.js";
import { fromBase64 } from "./digest.js";
import { describeTargetError } from "./errors.js";
import { blobBytesOf, planFactsOf, planHost } from "./plan-host.js";

export type ApplyStatus = "applied" | "unchanged" | "failed" | "stale" | "skipped";

export interface HostApplyReport {
  readonly host: string;
  readonly status: ApplyStatus;
  /** One line naming host, resource and op, when not applied. */
  readonly error?: string;
  /** The action whose op failed. */
  readonly failedAction?: string;
  readonly opsRun: number;
  /** The re-plan after apply was empty. */
  readonly converged: boolean;
  /** What the re-plan still shows (ids and actions), when not converged. */
  readonly pending: readonly { readonly id: string; readonly action: string }[];
}

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
}

/** Blob bytes for a host's ops: in memory, inline in the plan, or re-read from their source. */
const gatherBlobs = async (
  hp: ReadyHostPlan,
  readSource: ReadSource | undefined,
): Promise<E.Either<string, Map<string, Uint8Array>>> => {
  const known = blobBytesOf(hp);
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
 * naming the holder), no lock, or a stale plan. Stale after some chunks ran
 * is a failure with ops done, reported like any other.
 */
const refusal = (e: TargetError): Pick<HostApplyReport, "status" | "error"> | undefined => {
  if (e._tag === "Locked" || e._tag === "LockUnavailable")
    return { status: "failed", error: describeTargetError(e) };
  if (e._tag === "Stale" && e.completed === 0) return { status: "stale", error: describeTargetError(e) };
  return undefined;
};

const verify = async (
  hp: ReadyHostPlan,
  target: Target,
  blobs: BlobStore,
  facts: HostFacts | undefined,
  options: ApplyOptions,
): Promise<Pick<HostApplyReport, "converged" | "pending"> & { error?: string }> => {
  const resources = options.resources?.get(hp.host) ?? (hp.resources as readonly Resource[]);
  // The resources were built from these facts; re-probing the resources is what tells convergence.
  const again = await planHost(resources, target, {
    ...(facts ? { facts } : {}),
    kinds: options.kinds,
    readSource: options.readSource,
    blobs,
    blobEntries: hp.blobs,
  });
  if (again.status === "error") return { converged: false, pending: [], error: again.errors.join("; ") };
  return {
    converged: again.actions.length === 0,
    pending: again.actions.map((a) => ({ id: a.id, action: a.action })),
  };
};

const applyHost = async (
  hp: ReadyHostPlan,
  target: Target,
  options: ApplyOptions,
): Promise<HostApplyReport> => {
  const base = { host: hp.host, opsRun: 0, converged: false, pending: [] };
  const emit = options.onEvent ?? (() => {});
  if (hp.actions.length === 0) return { ...base, status: "unchanged", converged: true };
  emit({ host: hp.host, phase: "checking" });
  const blobs = await gatherBlobs(hp, options.readSource);
  if (E.isLeft(blobs)) return { ...base, status: "failed", error: blobs.left };
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
  const refused = E.isLeft(ran) ? refusal(ran.left) : undefined;
  // Refused before op 0: nothing changed, so there is nothing to verify.
  if (refused) return { ...base, ...refused };
  emit({ host: hp.host, phase: "verifying" });
  const check = await verify(hp, target, blobs.right, planFactsOf(hp), options);
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
      ...base,
      ...check,
      status: "failed",
      opsRun: index,
      ...(action ? { failedAction: action.id } : {}),
      error: `${hp.host}: ${where}${what}${describeTargetError(e).replace(`${hp.host}: `, "")}`,
    };
  }
  return { ...base, ...check, status: "applied", opsRun: ran.right.completed };
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

/** Applies a plan to its hosts; `targets` maps host names to targets (or one target for a one-host plan). */
export const apply = async (
  plan: Plan,
  targets: Target | ReadonlyMap<string, Target>,
  options: ApplyOptions = {},
): Promise<ApplyReport> => {
  const lookup = (host: string): Target | undefined =>
    "host" in targets && typeof (targets as Target).run === "function"
      ? (targets as Target)
      : (targets as ReadonlyMap<string, Target>).get(host);
  const hosts = await mapBounded(
    plan.hosts,
    options.concurrency ?? 10,
    async (hp): Promise<HostApplyReport> => {
      const skipped = { host: hp.host, opsRun: 0, converged: false, pending: [] };
      if (hp.status === "error") return { ...skipped, status: "skipped", error: hp.errors.join("; ") };
      const target = lookup(hp.host);
      if (!target) return { ...skipped, status: "skipped", error: `${hp.host}: no connection to this host` };
      const report = await applyHost(hp, target, options);
      options.onEvent?.({ host: hp.host, phase: "done", report });
      return report;
    },
  );
  return { hosts };
};
