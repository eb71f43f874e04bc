/**
 * The plan pipeline behind `tend plan` and `tend apply -i`:
 * hosts → vars → connect + facts → checksums and controller downloads →
 * resources (with cluster facts) → planHost per host → one Plan. A host that
 * fails at any step becomes a failed host plan; the others go on.
 */

import { closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type {
  PlannedRun as CorePlannedRun,
  HealthGate,
  HostFacts,
  HostPlan,
  HostPlanned,
  Plan,
  Resource,
  SourceContent,
  Target,
} from "@tend/core";
import { mapBounded, planHost, plannedRun } from "@tend/core";
import { type Either, isLeft } from "fp-ts/lib/Either.js";
import {
  type Artifact,
  checksumFileDigest,
  ensureArtifact,
  fetchTexts,
  verifiedSha256,
} from "./artifacts.js";
import type { ClusterInput, Deps } from "./facade.js";
import { closeAll, type HostOptions, type Reached, reachHosts } from "./hosts.js";
import { groupsOfHost } from "./inventory/index.js";
import { problemSummary, renderProblems } from "./problems.js";
import type { Progress } from "./progress.js";
import { rolloutVarsOf } from "./rollout-vars.js";
import { type HostGroups, hostGroupsOf } from "./summary.js";
import { validateRun } from "./validation.js";

/** A plan with what apply needs to carry it out in this process (a core `PlannedRun` and more). */
export interface PlannedRun extends CorePlannedRun {
  readonly plan: Plan;
  /** Open targets of planned hosts; close with `closeAll`. */
  readonly reached: ReadonlyMap<string, Reached>;
  /** Declared resources per host, for apply's convergence re-plan. */
  readonly resources: ReadonlyMap<string, readonly Resource[]>;
  /** Health gates per planned host (modules' and tend_health_checks), for a rollout. */
  readonly gates: ReadonlyMap<string, readonly HealthGate[]>;
  /** Inventory groups of each selected host, and tend_rollout_order when set: the rollout order. */
  readonly groups: ReadonlyMap<string, readonly string[]>;
  readonly rolloutOrder?: readonly string[];
  /** The inventory groups listing each planned host directly, for the per-group summary lines. */
  readonly hostGroups: HostGroups;
  /** The run's source reader (each controller file read once), for apply and its re-plan. */
  readonly readSource: typeof readSource;
}

/** Regular files up to this size are read synchronously (see readBytes). */
const SYNC_READ_MAX = 1 << 20;

/**
 * A controller file's bytes. A small regular file (a certificate, a
 * kubeconfig) is read synchronously: a few µs of local I/O against ~50 µs of
 * an async read's promises and file handle, thousands of times for a fleet.
 * Anything else (an artifact, a FIFO: opened without blocking) is read
 * asynchronously as before, so the event loop never waits on it. The errors,
 * messages included, are the same either way.
 */
const readBytes = async (path: string): Promise<Uint8Array> => {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const s = fstatSync(fd);
    if (s.isFile() && s.size <= SYNC_READ_MAX) return new Uint8Array(readFileSync(fd));
  } finally {
    closeSync(fd);
  }
  return new Uint8Array(await readFile(path));
};

/**
 * Reads controller-side source files (certificates, kubeconfigs, uploaded
 * artifacts). A verified artifact of the controller cache answers with the
 * sha256 its sidecar recorded and reads its bytes only if the engine asks
 * (a plan that uploads nothing never reads them); any other file is read.
 */
export const readSource = async (path: string): Promise<Uint8Array | SourceContent> => {
  const sha256 = await verifiedSha256(path);
  if (sha256 === undefined) return readBytes(path);
  // Every host that uploads this artifact asks for its bytes (readSourceOnce shares this answer): read once, keep no failure.
  let read: Promise<Uint8Array> | undefined;
  const bytes = (): Promise<Uint8Array> => {
    if (!read) {
      read = readBytes(path);
      read.catch(() => {
        read = undefined;
      });
    }
    return read;
  };
  return { sha256, bytes };
};

/**
 * readSource with one read per path for the whole run: a fleet's hosts share
 * the controller's artifacts and certificates, and a run reads each file (and
 * its cache sidecar) once instead of once per host.
 */
export const readSourceOnce = (): typeof readSource => {
  const seen = new Map<string, Promise<Uint8Array | SourceContent>>();
  return (path) => {
    let r = seen.get(path);
    if (!r) {
      r = readSource(path);
      seen.set(path, r);
      // A failed read is not remembered: the next host tries again and gets its own error.
      r.catch(() => seen.delete(path));
    }
    return r;
  };
};

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

/**
 * How long after the first connection attempt the work that can wait for
 * the hosts (fetching checksum files) starts at the latest. Loading the SSH
 * transport and reading keys take ~0.05 s; the handshake then waits on the
 * host (its sshd forks, exchanges keys, opens a session) for longer than that.
 */
const HEADSTART_MS = 100;

/**
 * Wraps openTarget so that `started` resolves once the connections are under
 * way: when the first host has connected (or failed to), or HEADSTART_MS after
 * the first attempt began, whichever comes first. Work started then runs while
 * this process waits on the hosts instead of before it connects.
 */
const connecting = (
  open: Deps["openTarget"],
): {
  readonly started: Promise<void>;
  readonly openTarget: Deps["openTarget"];
  /** Resolves `started` now (idempotent): nothing is left to wait for. */
  readonly start: () => void;
} => {
  let start = (): void => {};
  const started = new Promise<void>((resolve) => {
    start = resolve;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const openTarget: Deps["openTarget"] = (c) => {
    timer ??= setTimeout(start, HEADSTART_MS);
    const opened = open(c);
    void opened.then(start, start);
    return opened;
  };
  void started.then(() => clearTimeout(timer));
  return { started, openTarget, start: () => start() };
};

interface DownloadFailure {
  readonly artifact: Artifact;
  readonly error: string;
}

/**
 * One line per failed controller download, naming the host and the resources
 * that would have been made from it (those whose `source` is its cache path),
 * so the user sees which resource a bad checksum or a missing file stops.
 */
const describeDownloadFailures = (
  host: string,
  failures: readonly DownloadFailure[],
  declared: Either<readonly string[], readonly Resource[]>,
  cacheDir: string,
): string[] =>
  failures.map(({ artifact, error }) => {
    const path = join(cacheDir, artifact.cacheName);
    const ids = isLeft(declared)
      ? []
      : declared.right
          .filter((r) => (r.props as { source?: unknown } | undefined)?.source === path)
          .map((r) => `${r.kind}[${r.name}]`);
    return `${host}: ${ids.length > 0 ? `${ids.join(", ")}: ` : ""}cannot download ${error}`;
  });

/**
 * Runs the plan pipeline. The validation phase comes first: when it finds
 * any problem (a bad inventory, a variable of any selected host, a missing
 * controller file), the problems come back as lines and nothing connects.
 */
export const planRun = async (
  options: HostOptions,
  deps: Deps,
  progress: Progress,
  concurrency: number,
): Promise<{ errors: string[] } | PlannedRun> => {
  const validated = await validateRun(options, deps);
  if (isLeft(validated))
    return { errors: [...renderProblems(validated.left), problemSummary(validated.left)] };
  const { selection, vars, needed, notes } = validated.right;
  const hostErrors = new Map<string, readonly string[]>();

  // Each host's groups once: groupsOfHost walks every group's host list, which grows with the fleet.
  const groupNames = new Map<string, string[]>();
  const groupsOf = (h: string): string[] => {
    let g = groupNames.get(h);
    if (!g) {
      g = groupsOfHost(selection.inventory, h).map((x) => x.name);
      groupNames.set(h, g);
    }
    return g;
  };
  const urlsOf = (hosts: readonly string[]): string[] =>
    hosts.flatMap((h) => deps.modules.checksumUrls(vars.get(h), groupsOf(h)));
  // The checksum files depend on variables only, and are first needed with the
  // facts: fetch them while the hosts connect, once the connections are under
  // way (see connecting), so that loading fetch itself does not delay them.
  const { started, openTarget, start } = connecting(deps.openTarget);
  const urls = urlsOf(selection.hosts);
  const texts = started.then(() => fetchTexts(urls, deps.fetch));

  // A set, not the list: these checks run per reached host (the fleet squared otherwise).
  const isSelected = new Set(selection.hosts);
  // Connect to the selected hosts, and to the hosts whose facts they need.
  const reached = await reachHosts(selection, needed, { ...deps, openTarget }, progress, concurrency);
  start(); // when no host was opened at all
  for (const [host, r] of reached) if (!r.ok && isSelected.has(host)) hostErrors.set(host, [r.error]);
  // A host outside --limit whose facts others need: say why they are missing, or the
  // resulting "no facts gathered" would hide the cause.
  for (const host of needed) {
    if (isSelected.has(host)) continue;
    const r = reached.get(host);
    const why = notes.get(host)?.join("; ") ?? (r && !r.ok ? r.error : undefined);
    if (why !== undefined) progress.note(`${host} (needed for its facts): ${why}`);
  }
  const needVars = new Set(needed);

  // Checksums and controller downloads, each url once for all hosts.
  const planned = selection.hosts.filter((h) => !hostErrors.has(h));
  // Only the planned hosts' urls count: one needed by an unreachable host alone is not reported.
  const checksumUrls = new Set(urlsOf(planned));
  const checksums = new Map<string, string>();
  if (checksumUrls.size > 0) {
    for (const h of planned) progress.state(h, "fetching checksums");
    for (const [url, r] of await texts) {
      if (!checksumUrls.has(url)) continue;
      const digest = "text" in r ? checksumFileDigest(r.text, url) : undefined;
      if (digest !== undefined) checksums.set(url, digest);
      else progress.note(`cannot use ${url}: ${"error" in r ? r.error : "no sha256 digest in it"}`);
    }
  }
  const artifacts = new Map<string, string>();
  const wanted = new Map<string, Artifact>();
  const artifactsOf = new Map(
    planned.map((h) => [h, deps.modules.controllerArtifacts(vars.get(h), checksums, groupsOf(h))]),
  );
  for (const list of artifactsOf.values()) for (const a of list) wanted.set(a.url, a);
  const artifactErrors = new Map<string, string>();
  const downloadFailures = new Map<string, readonly DownloadFailure[]>();
  if (wanted.size > 0) {
    for (const h of planned) progress.state(h, "downloading");
    // One at a time: the bar shows one download, and the upstream hosts see one client.
    for (const a of wanted.values()) {
      const r = await ensureArtifact(a, deps.cacheDir, deps.fetch, progress);
      if ("path" in r) artifacts.set(a.url, r.path);
      else artifactErrors.set(a.url, r.error);
    }
    for (const h of planned) {
      const missing = (artifactsOf.get(h) ?? []).flatMap((artifact) => {
        const error = artifactErrors.get(artifact.url);
        return error === undefined ? [] : [{ artifact, error }];
      });
      if (missing.length > 0) downloadFailures.set(h, missing);
    }
  }

  const cluster: ClusterInput = {
    inventory: selection.inventory,
    hosts: new Map(
      [...needVars].map((h) => {
        const r = reached.get(h);
        const facts: HostFacts | undefined = r?.ok ? r.facts : undefined;
        return [h, { vars: vars.get(h), ...(facts ? { facts } : {}) }];
      }),
    ),
    checksums,
    artifacts,
    cacheDir: deps.cacheDir,
  };

  // Hosts reached only for their facts are not part of the run: their facts
  // are in `cluster`, so they close now, while the selected hosts are probed.
  const onlyFacts = new Map([...reached].filter(([h]) => !isSelected.has(h)));
  const closingOnlyFacts = closeAll(onlyFacts);

  const resources = new Map<string, readonly Resource[]>();
  const read = readSourceOnce();
  const hostPlans = await mapBounded(selection.hosts, concurrency, async (host): Promise<HostPlanned> => {
    const early = hostErrors.get(host);
    if (early) {
      progress.done(host, false, failedLine(host, early));
      return failed(host, early);
    }
    const r = reached.get(host);
    if (!r?.ok) return failed(host, [r ? r.error : `${host}: not connected`]);
    const declared = deps.modules.resources(host, cluster);
    const downloads = downloadFailures.get(host);
    if (downloads) {
      const errors = describeDownloadFailures(host, downloads, declared, deps.cacheDir);
      progress.done(host, false, failedLine(host, errors));
      return failed(host, errors);
    }
    if (isLeft(declared)) {
      progress.done(host, false, failedLine(host, declared.left));
      return failed(host, declared.left);
    }
    resources.set(host, declared.right);
    progress.state(host, "planning");
    const planned = await planHost(declared.right, r.target as Target, { facts: r.facts, readSource: read });
    const hp = planned.plan;
    if (hp.status === "error") progress.done(host, false, failedLine(host, hp.errors, "cannot plan"));
    else progress.done(host, true, hp.actions.length === 0 ? "no changes" : `${hp.actions.length} to do`);
    return planned;
  });

  await closingOnlyFacts;
  const kept = new Map([...reached].filter(([h]) => isSelected.has(h)));
  const gates = new Map<string, readonly HealthGate[]>();
  let rolloutOrder: readonly string[] | undefined;
  for (const [host, declared] of resources) {
    const own = rolloutVarsOf(selection.layers.get(host) ?? [], selection.inventory);
    gates.set(host, [...(deps.modules.healthGates?.(host, cluster, declared) ?? []), ...own.gates]);
    rolloutOrder ??= own.order;
  }
  const groups = new Map(selection.hosts.map((h) => [h, groupsOf(h)]));
  return {
    ...plannedRun(hostPlans),
    reached: kept,
    resources,
    gates,
    groups,
    hostGroups: hostGroupsOf(selection.inventory, selection.hosts),
    readSource: read,
    ...(rolloutOrder ? { rolloutOrder } : {}),
  };
};
