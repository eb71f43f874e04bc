/**
 * The plan of each host as soon as what it needs is in: connect → facts →
 * (its checksums, its downloads, the facts of the hosts it needs) →
 * resources → planHost, while other hosts still connect. Nothing waits for
 * the whole fleet. A host's resources see its own facts and those of the
 * hosts the modules' factHosts names for it, never whatever else happened
 * to be reached by then, so the plan is the same for any arrival order.
 */
import type { HealthGate, HostPlan, HostPlanned, Resource, SourceContent, Target } from "@tend/core";
import { planHost } from "@tend/core";
import { isLeft } from "fp-ts/lib/Either.js";
import {
  type ControllerInputs,
  type DownloadFailure,
  describeDownloadFailures,
  Tracked,
} from "./controller-inputs.js";
import type { ClusterInput, Deps } from "./facade.js";
import { type Reached, reachHost, type Selection } from "./hosts.js";
import type { Progress } from "./progress.js";
import { Slots } from "./slots.js";

/** What the pipeline works with: a validated run (see validateRun) and the run's shared inputs. */
export interface PipelineInput {
  readonly selection: Selection;
  readonly vars: ReadonlyMap<string, unknown>;
  /** The selected hosts and the hosts whose facts they need, in inventory order. */
  readonly needed: readonly string[];
  /** Problems of the needed hosts outside the selection, by host. */
  readonly notes: ReadonlyMap<string, readonly string[]>;
  readonly deps: Deps;
  readonly progress: Progress;
  readonly concurrency: number;
  readonly inputs: ControllerInputs;
  readonly groupsOf: (host: string) => readonly string[];
  /** The run's controller file reader (see readSourceOnce). */
  readonly readSource: (path: string) => Promise<Uint8Array | SourceContent>;
  /** Called once every needed host has been reached or has failed to be. */
  readonly allReached?: () => void;
}

/** What became of one selected host. */
export interface HostOutcome {
  readonly planned: HostPlanned;
  readonly reached: Reached;
  /** Its resources and its modules' health gates, when it got as far as declaring them. */
  readonly resources?: readonly Resource[];
  readonly gates?: readonly HealthGate[];
}

const failed = (host: string, errors: readonly string[]): HostPlanned => ({
  plan: { host, status: "error", errors: [...errors] } satisfies HostPlan,
});

/** The progress line of a failed host: its first error, shortened; the plan output has them all. */
const failedLine = (host: string, errors: readonly string[], what = "failed"): string => {
  const line = (errors[0] ?? "").split("\n")[0]!;
  // The progress line already names the host: drop it only where the message starts with it.
  const first = line.startsWith(`${host}: `) ? line.slice(host.length + 2) : line;
  const more = errors.length > 1 ? ` (+${errors.length - 1} more)` : "";
  return `${what}: ${first.length > 120 ? `${first.slice(0, 117)}...` : first}${more}`;
};

/** A result that arrives later, readable once it has. */
const deferred = <T>(): { readonly tracked: Tracked<T>; readonly resolve: (v: T | Promise<T>) => void } => {
  let resolve!: (v: T | Promise<T>) => void;
  const tracked = new Tracked(new Promise<T>((r) => (resolve = r)));
  return { tracked, resolve };
};

/**
 * Plans the selected hosts, each as soon as it and the hosts it needs are
 * reached; the outcomes come back in selection order. The hosts reached only
 * for their facts are reached first and closed as soon as their facts are in.
 */
export const planHosts = async (p: PipelineInput): Promise<HostOutcome[]> => {
  const { selection, vars, needed, deps, progress, inputs } = p;
  const isSelected = new Set(selection.hosts);
  const rank = new Map(needed.map((h, i) => [h, i]));
  const layersOf = (h: string) => selection.layers.get(h) ?? [];
  // The hosts each selected host's resources see (itself and those it needs), in inventory order.
  // Only needed hosts have vars and a connection attempt: the same cluster as planning it alone.
  const seen = new Map<string, readonly string[]>();
  const providers = new Set<string>();
  for (const host of selection.hosts) {
    const own = new Set(deps.modules.factHosts(selection.inventory, [host], layersOf)).add(host);
    const list = [...own].filter((h) => rank.has(h)).sort((a, b) => rank.get(a)! - rank.get(b)!);
    seen.set(host, list);
    for (const h of list) if (h !== host) providers.add(h);
  }

  const results = new Map<string, Reached>();
  const arrivals = new Map(needed.map((h) => [h, deferred<Reached>()]));
  void Promise.allSettled([...arrivals.values()].map((a) => a.tracked.promise)).then(() => p.allReached?.());

  const reach = async (host: string): Promise<Reached> => {
    const reaching = reachHost(selection, host, deps, progress);
    arrivals.get(host)!.resolve(reaching);
    const r = await reaching;
    results.set(host, r);
    return r;
  };

  // A host holds one slot (one of --concurrency) from its connection to the end of its probes,
  // like an Ansible fork, so at most that many hosts are worked on at once. It gives the slot
  // back while it waits on something other than its own host (checksum files, a download, the
  // facts of the hosts it needs): held then, it would idle, and it could wait for a host that
  // waits for a slot, a deadlock (--concurrency 1 with two etcd hosts that need each other's
  // facts). It comes back ahead of the hosts not started yet (see Slots).
  const slots = new Slots(p.concurrency);
  const pause = async (pending: readonly Tracked<unknown>[]): Promise<void> => {
    if (pending.every((t) => t.done)) return;
    slots.release();
    try {
      await Promise.all(pending.map((t) => t.promise));
    } finally {
      await slots.acquire("resume");
    }
  };

  const planOne = async (host: string): Promise<HostOutcome> => {
    const r = await reach(host);
    if (!r.ok) {
      progress.done(host, false, failedLine(host, [r.error]));
      return { planned: failed(host, [r.error]), reached: r };
    }
    const hostVars = vars.get(host);
    const groups = p.groupsOf(host);
    const urls = deps.modules.checksumUrls(hostVars, groups);
    if (urls.length > 0) {
      progress.state(host, "fetching checksums");
      await pause([inputs.texts]);
    }
    const checksums = urls.length > 0 ? await inputs.checksumsOf(urls) : new Map<string, string>();
    const artifacts = deps.modules.controllerArtifacts(hostVars, checksums, groups);
    const downloads = artifacts.map((a) => inputs.download(a));
    if (downloads.length > 0) progress.state(host, "downloading");
    const list = seen.get(host)!;
    await pause([...downloads, ...list.filter((h) => h !== host).map((h) => arrivals.get(h)!.tracked)]);

    const paths = new Map<string, string>();
    const failures: DownloadFailure[] = [];
    for (const [i, artifact] of artifacts.entries()) {
      const d = await downloads[i]!.promise;
      if ("path" in d) paths.set(artifact.url, d.path);
      else failures.push({ artifact, error: d.error });
    }
    const cluster: ClusterInput = {
      inventory: selection.inventory,
      hosts: new Map(
        list.map((h) => {
          const rh = results.get(h);
          return [h, { vars: vars.get(h), ...(rh?.ok && rh.facts ? { facts: rh.facts } : {}) }];
        }),
      ),
      checksums,
      artifacts: paths,
      cacheDir: deps.cacheDir,
    };
    const declared = deps.modules.resources(host, cluster);
    if (failures.length > 0) {
      const errors = describeDownloadFailures(host, failures, declared, deps.cacheDir);
      progress.done(host, false, failedLine(host, errors));
      return { planned: failed(host, errors), reached: r };
    }
    if (isLeft(declared)) {
      progress.done(host, false, failedLine(host, declared.left));
      return { planned: failed(host, declared.left), reached: r };
    }
    const gates = deps.modules.healthGates?.(host, cluster, declared.right) ?? [];
    progress.state(host, "planning");
    const planned = await planHost(declared.right, r.target as Target, {
      facts: r.facts,
      readSource: p.readSource,
    });
    const hp = planned.plan;
    if (hp.status === "error") progress.done(host, false, failedLine(host, hp.errors, "cannot plan"));
    else progress.done(host, true, hp.actions.length === 0 ? "no changes" : `${hp.actions.length} to do`);
    return { planned, reached: r, resources: declared.right, gates };
  };

  // A host reached for its facts only is closed as soon as they are in: the
  // hosts that need them read them from `results`, never from the host.
  const closing: Promise<void>[] = [];
  const reachOnly = async (host: string): Promise<void> => {
    const r = await reach(host);
    if (r.ok) closing.push(r.target.close().catch(() => {}));
    // Say why its facts are missing, or the resulting "no facts gathered" would hide the cause.
    const why = p.notes.get(host)?.join("; ") ?? (r.ok ? undefined : r.error);
    if (why !== undefined) progress.note(`${host} (needed for its facts): ${why}`);
  };

  // The hosts others need first, so that their facts are in when the others ask.
  const order = [...needed.filter((h) => providers.has(h)), ...needed.filter((h) => !providers.has(h))];
  const outcomes = new Map<string, Promise<HostOutcome>>();
  const all = order.map(async (host) => {
    await slots.acquire("start");
    try {
      if (!isSelected.has(host)) return await reachOnly(host);
      const outcome = planOne(host);
      outcomes.set(host, outcome);
      await outcome;
    } finally {
      slots.release();
    }
  });
  await Promise.all(all);
  await Promise.all(closing);
  return Promise.all(selection.hosts.map((h) => outcomes.get(h)!));
};
