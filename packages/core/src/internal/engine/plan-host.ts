/**
 * planHost: one host's declared resources → graph → facts (two round trips:
 * host facts, then all resource probes at once) → pure diffs → plan. Nothing
 * on the host changes. Never rejects: problems become a failed host plan.
 */
import * as E from "fp-ts/lib/Either.js";
import type { HostFacts } from "../facts.js";
import { builtinKinds } from "../kinds/index.js";
import type { Action, ReadyHostPlan, StoredResource, Summary } from "../plan/format.js";
import { PENDING_RESTARTS_PATH, type Probe, type ProbeResult, probeKey } from "../probe.js";
import type { AnyKind, Blob, KindContext, Resource } from "../resource.js";
import type { Observation, Target, TargetError } from "../target.js";
import { buildActions, type NodeOutcome } from "./actions.js";
import { BlobTable, type ReadSource } from "./content.js";
import { describePlanError, type PlanError } from "./errors.js";
import { buildGraph } from "./graph.js";
import { intentsOf, orphanActions, orphanProbe, orphanRestarts } from "./intents.js";
import type { HostPlanned } from "./planned.js";
import { leftOverRollback, rollbackProbes } from "./rollback-leftover.js";

export interface PlanOptions {
  /** Host facts already gathered (the CLI gathers them once to build resources). */
  readonly facts?: HostFacts;
  /** Resource kinds; defaults to the built-in kinds. */
  readonly kinds?: readonly AnyKind[];
  /** Reads controller-side `source` files. */
  readonly readSource?: ReadSource;
  /** Blob bytes already known, by sha256 (re-planning a plan in memory). */
  readonly blobs?: ReadonlyMap<string, Uint8Array>;
  /** Blob entries of a decoded plan file. */
  readonly blobEntries?: ReadyHostPlan["blobs"];
  /**
   * The rollback dir of the apply that re-plans (its own intent is no
   * rollback left over): apply's convergence re-plan sets it.
   */
  readonly ownRollback?: string;
}

const failed = (host: string, errors: readonly PlanError[]): HostPlanned => ({
  plan: { host, status: "error", errors: errors.map(describePlanError) },
});

/** Changes tend will not carry out: each fails the host's plan, none is ever applied. */
const refusalsOf = (outcomes: ReadonlyMap<string, NodeOutcome>): Extract<PlanError, { _tag: "Refused" }>[] =>
  [...outcomes.values()].flatMap(({ node, diff }) =>
    diff.refusal ? [{ _tag: "Refused" as const, id: node.id, ...diff.refusal }] : [],
  );

/** The write-ahead intent record, read first by every plan. */
const pendingProbe: Probe = { type: "file", path: PENDING_RESTARTS_PATH, content: true };

const summarise = (actions: readonly Action[]): Summary => {
  const s = { create: 0, update: 0, delete: 0, restart: 0, reload: 0 };
  for (const a of actions) s[a.action] += 1;
  return s;
};

/** Answers by probe, from `results` at `index`'s positions. */
const answerOf =
  (index: ReadonlyMap<string, number>, results: readonly ProbeResult[]) =>
  (p: Probe): ProbeResult | undefined => {
    const i = index.get(probeKey(p));
    return i === undefined ? undefined : results[i];
  };

/**
 * Observes `probes` (one round trip), then what left-over intents need to
 * know (states of units no longer declared; a rollback's units file, then
 * its units): one more round trip per step, only when such intents exist.
 * Adds those probes to `probes` and `index`, so the digest covers them.
 */
const observeAll = async (
  target: Target,
  probes: Probe[],
  index: Map<string, number>,
  declaredUnits: ReadonlySet<string>,
  ownRollback: string | undefined,
): Promise<E.Either<TargetError, Observation>> => {
  let answered = await target.observe(probes);
  for (let round = 0; round < 3 && E.isRight(answered); round++) {
    const now = answered.right.results;
    const left = intentsOf(now[0]);
    const wanted = [
      ...orphanRestarts(left, declaredUnits).map(orphanProbe),
      ...rollbackProbes(left, answerOf(index, now), ownRollback),
    ].filter((p) => !index.has(probeKey(p)));
    if (wanted.length === 0) break;
    for (const p of wanted) index.set(probeKey(p), probes.push(p) - 1);
    answered = await target.observe(probes);
  }
  return answered;
};

/**
 * Plans one host: its plan as data and, when it is ready, the blob bytes and
 * facts apply needs (an explicit value, see planned.ts).
 */
export const planHost = async (
  resources: readonly Resource[],
  target: Target,
  options: PlanOptions = {},
): Promise<HostPlanned> => {
  const host = target.host;
  const kinds = new Map<string, AnyKind>((options.kinds ?? builtinKinds).map((k: AnyKind) => [k.kind, k]));
  const graph = buildGraph(resources, kinds);
  if (E.isLeft(graph)) return failed(host, graph.left);

  let facts = options.facts;
  if (!facts) {
    const f = await target.hostFacts();
    if (E.isLeft(f)) return failed(host, [{ _tag: "Target", error: f.left }]);
    facts = f.right;
  }

  // Resolve contents into blobs.
  const table = new BlobTable(options.readSource, options.blobs, options.blobEntries);
  const contexts = new Map<string, KindContext>();
  const errors: PlanError[] = [];
  for (const node of graph.right.nodes) {
    const spec = node.kind.content?.(node.props);
    let blob: Blob | undefined;
    if (spec) {
      const r = await table.resolve(node.id, spec, node.kind.sensitive?.(node.props) ?? false);
      if ("_tag" in r) errors.push(r);
      else blob = r;
    }
    const name = node.resource.name;
    contexts.set(node.id, blob ? { name, host: facts, blob } : { name, host: facts });
  }
  if (errors.length > 0) return failed(host, errors);

  // All probes of the host, de-duplicated, in one round trip.
  const probes: Probe[] = [pendingProbe];
  const index = new Map<string, number>([[probeKey(pendingProbe), 0]]);
  const slots = new Map<string, number[]>();
  for (const node of graph.right.nodes) {
    const mine: number[] = [];
    for (const p of node.kind.probes(node.props, contexts.get(node.id)!)) {
      const key = probeKey(p);
      let i = index.get(key);
      if (i === undefined) {
        i = probes.push(p) - 1;
        index.set(key, i);
      }
      mine.push(i);
    }
    slots.set(node.id, mine);
  }
  const declaredUnits = new Set(
    graph.right.nodes.flatMap((n) => n.kind.unitName?.(n.props, n.resource.name) ?? []),
  );
  const answered = await observeAll(target, probes, index, declaredUnits, options.ownRollback);
  if (E.isLeft(answered)) return failed(host, [{ _tag: "Target", error: answered.left }]);
  const { results, digest } = answered.right;
  const answer = answerOf(index, results);

  const outcomes = new Map<string, NodeOutcome>();
  for (const node of graph.right.nodes) {
    const nodeFacts = slots.get(node.id)!.map((i) => results[i]!);
    // What it runs after and changes in this plan (diffed before it: nodes are in apply order).
    const changing = new Set(node.after.filter((id) => (outcomes.get(id)?.diff.action ?? "noop") !== "noop"));
    let ctx: KindContext =
      changing.size > 0 ? { ...contexts.get(node.id)!, changing } : contexts.get(node.id)!;
    let diff = node.kind.diff(node.props, nodeFacts, ctx);
    // A source known by its digest alone is read only when its resource changes
    // (the diff may show its text, the ops write it); then diff again with the bytes.
    if (diff.action !== "noop" && ctx.blob && table.loadable(ctx.blob.sha256)) {
      const blob = await table.withBytes(node.id, ctx.blob);
      if ("_tag" in blob) {
        errors.push(blob);
        continue;
      }
      ctx = { ...ctx, blob };
      contexts.set(node.id, ctx);
      diff = node.kind.diff(node.props, nodeFacts, ctx);
    }
    const sensitive = node.kind.sensitive?.(node.props) ?? false;
    for (const bytes of node.kind.derivedBlobs?.(node.props, nodeFacts, ctx) ?? [])
      table.add(bytes, sensitive);
    outcomes.set(node.id, { node, diff, facts: nodeFacts, ctx, sensitive });
  }
  if (errors.length > 0) return failed(host, errors);
  const refused = refusalsOf(outcomes);
  if (refused.length > 0)
    return {
      plan: {
        host,
        status: "error",
        errors: refused.map(describePlanError),
        refusals: refused.map(({ _tag, ...r }) => r),
      },
    };
  const intents = intentsOf(results[0]);
  const built = buildActions(graph.right, outcomes, intents);
  if (E.isLeft(built)) return failed(host, [built.left]);
  // A rollback left over (rollback.ts) is finished first, alone.
  // A rollback left over (rollback-leftover.ts) is finished first, alone; left-over
  // restarts of undeclared units run last, after the daemon-reload.
  const orphans = orphanRestarts(intents, declaredUnits);
  const actions = leftOverRollback(intents, answer, options.ownRollback) ?? [
    ...built.right,
    ...orphanActions(intents, orphans, new Map(orphans.map((u) => [u, answer(orphanProbe(u))]))),
  ];

  const used = actions.flatMap((a) => a.ops.flatMap((o) => (o.op === "writeFile" ? [o.blob] : [])));
  // Every blob an op writes has its bytes at hand (plan files inline them, apply uploads them).
  for (const sha of new Set(used)) {
    if (!table.loadable(sha)) continue;
    const owner = actions.find((a) => a.ops.some((o) => o.op === "writeFile" && o.blob === sha));
    const r = await table.withBytes(owner?.id ?? sha, { sha256: sha });
    if ("_tag" in r) errors.push(r);
  }
  if (errors.length > 0) return failed(host, errors);
  const stored: StoredResource[] = graph.right.nodes.map((n) => {
    const blob = contexts.get(n.id)!.blob;
    const props = blob && n.kind.withBlob ? n.kind.withBlob(n.props, blob.sha256) : n.props;
    const r = n.resource;
    // Fields in this order, each only when it says something; no object per absent field.
    const s: { -readonly [K in keyof StoredResource]: StoredResource[K] } = {
      kind: r.kind,
      name: r.name,
      props,
    };
    if (r.deps?.length) s.deps = [...r.deps];
    if (r.notify?.length) s.notify = [...r.notify];
    if (r.origin) s.origin = r.origin;
    return s;
  });
  const plan: ReadyHostPlan = {
    host,
    status: "ready",
    // The target's digest (opaque here): run() rechecks it on the host, under the lock.
    factsDigest: digest,
    probes,
    actions,
    resources: stored,
    blobs: table.entriesFor(used),
    summary: summarise(actions),
  };
  return { plan, planned: { blobs: table.bytes(), facts } };
};
