/**
 * The plan pipeline behind `tend plan` and `tend apply -i`: hosts → vars →
 * per host, as soon as it can: connect + facts → checksums and controller
 * downloads → resources (with the facts of the hosts it needs) → planHost →
 * one Plan. A host that fails at any step becomes a failed host plan; the
 * others go on.
 */

import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve, sep } from "node:path";
import type { PlannedRun as CorePlannedRun, HealthGate, Plan, Resource, SourceContent } from "@tend/core";
import { plannedRun } from "@tend/core";
import { isLeft } from "fp-ts/lib/Either.js";
import { fetchTexts, verifiedSha256 } from "./artifacts.js";
import type { Connection } from "./connect.js";
import { ControllerInputs, connecting } from "./controller-inputs.js";
import type { Deps } from "./facade.js";
import { planHosts } from "./host-pipeline.js";
import type { HostOptions, Reached } from "./hosts.js";
import { groupsOfHost } from "./inventory/index.js";
import { problemSummary, renderProblems } from "./problems.js";
import type { Progress } from "./progress.js";
import { rolloutOrderOf, rolloutVarsOf } from "./rollout-vars.js";
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
  /** Each host's connection as the inventory gives it (where a refused become's password came from). */
  readonly connectionOf: (host: string) => Connection | undefined;
}

/** Regular files up to this size are read synchronously (see readBytes). */
const SYNC_READ_MAX = 1 << 20;

/**
 * The bytes of an open regular file of `size` bytes (by its fstat), as
 * readFileSync reads them: up to `size` (fewer if it shrank), read straight
 * into the array returned, without readFileSync's second fstat and copy.
 * A file that says 0 bytes (a /proc file) is read to its end by readFileSync.
 */
const readOpen = (fd: number, size: number): Uint8Array => {
  if (size === 0) return new Uint8Array(readFileSync(fd));
  const out = new Uint8Array(size);
  let n = 0;
  while (n < size) {
    const got = readSync(fd, out, n, size - n, null);
    if (got === 0) break;
    n += got;
  }
  return n === size ? out : out.slice(0, n);
};

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
    if (s.isFile() && s.size <= SYNC_READ_MAX) return readOpen(fd, s.size);
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
 * `cacheRoot` (the resolved cache dir with a trailing separator) limits the
 * sidecar lookup to files under it.
 */
export const readSource = async (path: string, cacheRoot?: string): Promise<Uint8Array | SourceContent> => {
  // Sidecars are the controller cache's own: outside it (certificates, kubeconfigs: thousands of
  // them for a fleet) there is none to look for.
  const cached = cacheRoot === undefined || resolve(path).startsWith(cacheRoot);
  const sha256 = cached ? await verifiedSha256(path) : undefined;
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
 * its cache sidecar) once instead of once per host. With `cacheDir`, only
 * files under it are looked up as verified artifacts.
 */
export const readSourceOnce = (cacheDir?: string): typeof readSource => {
  const seen = new Map<string, Promise<Uint8Array | SourceContent>>();
  // Resolved once for the run: every controller file of every host is checked against it.
  const cacheRoot = cacheDir === undefined ? undefined : `${resolve(cacheDir)}${sep}`;
  return (path) => {
    let r = seen.get(path);
    if (!r) {
      r = readSource(path, cacheRoot);
      seen.set(path, r);
      // A failed read is not remembered: the next host tries again and gets its own error.
      r.catch(() => seen.delete(path));
    }
    return r;
  };
};

/**
 * Runs the plan pipeline. The validation phase comes first: when it finds
 * any problem (a bad inventory, a variable of any selected host, a missing
 * controller file), the problems come back as lines and nothing connects.
 * Then each host is planned as soon as it and the hosts it needs are
 * reached (see planHosts); the plan lists the hosts in selection order.
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
  // The checksum files depend on variables only, and are first needed with the
  // facts: fetch them while the hosts connect, once the connections are under
  // way (see connecting), so that loading fetch itself does not delay them.
  const { started, openTarget, start } = connecting(deps.openTarget);
  const urls = selection.hosts.flatMap((h) => deps.modules.checksumUrls(vars.get(h), groupsOf(h)));
  const texts = started.then(() => fetchTexts(urls, deps.fetch));
  const read = readSourceOnce(deps.cacheDir);
  const outcomes = await planHosts({
    selection,
    vars,
    needed,
    notes,
    deps: { ...deps, openTarget },
    progress,
    concurrency,
    inputs: new ControllerInputs(texts, deps.cacheDir, deps.fetch, progress),
    groupsOf,
    readSource: read,
    allReached: start, // when no host was opened at all
  });

  const resources = new Map<string, readonly Resource[]>();
  const gates = new Map<string, readonly HealthGate[]>();
  const layersOf = (h: string) => selection.layers.get(h) ?? [];
  for (const [i, o] of outcomes.entries()) {
    if (o.resources === undefined) continue;
    const host = selection.hosts[i]!;
    resources.set(host, o.resources);
    const own = rolloutVarsOf(layersOf(host), selection.inventory);
    gates.set(host, [...(o.gates ?? []), ...own.gates]);
  }
  // Its problems (a bad order, hosts that disagree) stopped the run in validation.
  const { groups, rolloutOrder } = rolloutOrderOf(selection.hosts, selection.inventory, layersOf, groupsOf);
  return {
    ...plannedRun(outcomes.map((o) => o.planned)),
    reached: new Map(outcomes.map((o, i) => [selection.hosts[i]!, o.reached])),
    resources,
    gates,
    groups,
    hostGroups: hostGroupsOf(selection.inventory, selection.hosts),
    readSource: read,
    connectionOf: (h) => {
      const c = selection.connections.get(h);
      return c && !isLeft(c) ? c.right : undefined;
    },
    ...(rolloutOrder ? { rolloutOrder } : {}),
  };
};
