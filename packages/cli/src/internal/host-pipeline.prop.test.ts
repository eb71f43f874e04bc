/**
 * The pipelined plan is the plan of each host alone. Whatever order the
 * hosts connect and answer in (random latencies per host), whichever hosts
 * are unreachable (an etcd host whose facts the others need included) and
 * whatever --concurrency, planRun over a selection gives, in selection
 * order, exactly the host plans, resources and health gates that planning
 * each selected host alone (with --limit HOST: itself and the hosts whose
 * facts it needs, nothing else reached) gives. The modules below put the
 * whole cluster view a host's resources get into its file, so a host that
 * saw other facts than its own and its needed hosts' (whatever happened to
 * be reached so far) plans differently and fails the property.
 *
 * Along the way: at no moment are more hosts busy (connecting, gathering
 * facts, probing) than --concurrency allows, and a host reached only for
 * its facts is closed once and asked nothing after.
 */
import type { HealthGate, Resource, Target } from "@tend/core";
import { freshDebianHost, SimHost } from "@tend/core/testing";
import fc from "fast-check";
import { left, right } from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { inventoryFile, motdModules, recordingIo, simDeps } from "../test-support.js";
import type { ClusterInput, Deps, Modules } from "./facade.js";
import { hostsOfGroup } from "./inventory/index.js";
import { type PlannedRun, planRun } from "./planning.js";
import { Progress } from "./progress.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 40);
const MIRROR = "http://mirror.test";

/** What a host's resources saw: every host of its cluster view with the hostname in its facts, and its inputs. */
const viewOf = (cluster: ClusterInput): string =>
  JSON.stringify({
    hosts: [...cluster.hosts].map(([h, v]) => [h, v.facts?.hostname ?? null, v.vars ?? null]),
    checksums: [...cluster.checksums],
    artifacts: [...cluster.artifacts].map(([url, path]) => [url, path.split("/").pop()]),
  });

/**
 * Modules shaped like the worker modules: every host needs the facts of the
 * etcd hosts, a worker with `api=ctl` those of the first controller too; a
 * worker fetches a checksum file and downloads a tool.
 */
const clusterModules = (events: string[]): Modules =>
  motdModules({
    factHosts: (inventory, hosts, layersOf) => {
      const etcd = hostsOfGroup(inventory, "etcd");
      const ctl = hostsOfGroup(inventory, "ctl")[0];
      const wantsCtl = hosts.some((h) => layersOf(h).some((l) => l.vars.api === "ctl"));
      return ctl !== undefined && wantsCtl && !etcd.includes(ctl) ? [...etcd, ctl] : etcd;
    },
    checksumUrls: (vars, groups) =>
      groups.includes("worker") ? [`${MIRROR}/${(vars as { sums?: string }).sums}.sha256`] : [],
    controllerArtifacts: (vars, checksums, groups) => {
      const tool = (vars as { tool?: string }).tool;
      if (!groups.includes("worker") || tool === undefined) return [];
      const url = `${MIRROR}/tool-${tool}`;
      return [{ name: "tool", url, checksum: null, cacheName: `tool-${tool}-${checksums.size}` }];
    },
    resources: (host, cluster) => {
      events.push(`resources ${host}`);
      const missing = hostsOfGroup(cluster.inventory, "etcd").filter((e) => !cluster.hosts.get(e)?.facts);
      if (missing.length > 0) return left(missing.map((e) => `${host}: no facts gathered for ${e}`));
      const file: Resource = {
        kind: "file",
        name: "/etc/cluster",
        props: { content: `${viewOf(cluster)}\n` },
      };
      return right([file]);
    },
    healthGates: (host, cluster): readonly HealthGate[] => [
      {
        name: `${host} sees ${[...cluster.hosts.keys()].join(",")}`,
        origin: "test",
        check: { kind: "tcp", host: "127.0.0.1", port: 1 },
        timeoutSeconds: 1,
        retries: 0,
        backoffMs: 0,
      },
    ],
  });

const ETCD = ["e1", "e2"];
const CTL = ["c1", "c2"];
const WORKERS = ["w1", "w2", "w3", "w4", "w5"];
const ALL = [...ETCD, ...CTL, ...WORKERS];

interface Fleet {
  readonly inventory: string;
  readonly deps: Deps;
  /** What happened, in order: "busy +h" / "busy -h" around each call on a host, "close h". */
  readonly events: string[];
  readonly maxBusy: () => number;
}

/** The fleet: SimHosts answering after `latency[h]` ms, the `down` ones unreachable, a mirror with good and bad files. */
const fleet = (
  workerVars: readonly { api: boolean; sums: string; tool?: string }[],
  latency: Readonly<Record<string, number>>,
  down: ReadonlySet<string>,
  cacheDir?: string,
): Fleet => {
  const hostLine = (w: string, i: number): string => {
    const v = workerVars[i]!;
    return `${w} sums=${v.sums}${v.tool ? ` tool=${v.tool}` : ""}${v.api ? " api=ctl" : ""}`;
  };
  const inventory = inventoryFile(
    "hosts.ini",
    `[etcd]\n${ETCD.join("\n")}\n[ctl]\n${CTL.join("\n")}\n[worker]\n${WORKERS.map(hostLine).join("\n")}\n`,
  );
  const events: string[] = [];
  let busy = 0;
  let max = 0;
  const during = async <T>(host: string, call: () => Promise<T>): Promise<T> => {
    busy++;
    max = Math.max(max, busy);
    events.push(`busy +${host}`);
    try {
      return await call();
    } finally {
      busy--;
      events.push(`busy -${host}`);
    }
  };
  const sims: Record<string, SimHost> = {};
  for (const h of ALL)
    if (!down.has(h))
      sims[h] = new SimHost(freshDebianHost({ host: { hostname: `${h}.example` } }), {
        name: h,
        latencyMs: () => latency[h] ?? 0,
      });
  const base = simDeps(sims, clusterModules(events));
  const wrap = (t: Target): Target => ({
    host: t.host,
    hostFacts: () => during(t.host, () => t.hostFacts()),
    probe: (p) => during(t.host, () => t.probe(p)),
    observe: (p) => during(t.host, () => t.observe(p)),
    run: (ops, blobs, o) => during(t.host, () => t.run(ops, blobs, o)),
    close: async () => {
      events.push(`close ${t.host}`);
    },
  });
  const files: Record<string, string> = {
    [`${MIRROR}/good.sha256`]: `${"ab".repeat(32)}  tool\n`,
    [`${MIRROR}/tool-good`]: "#!/bin/sh\n",
  };
  const deps: Deps = {
    ...base,
    ...(cacheDir ? { cacheDir } : {}),
    openTarget: (c) =>
      during(c.host, async () => {
        await new Promise((r) => setTimeout(r, latency[c.host] ?? 0));
        const t = await base.openTarget(c);
        return t._tag === "Right" ? right(wrap(t.right)) : t;
      }),
    fetch: async (url) => {
      const body = files[url];
      return body === undefined ? new Response("gone", { status: 404 }) : new Response(body);
    },
  };
  return { inventory, deps, events, maxBusy: () => max };
};

const plan = async (f: Fleet, limit: readonly string[], concurrency: number): Promise<PlannedRun> => {
  const run = await planRun(
    { inventory: f.inventory, limit: [limit.join(",")], local: false },
    f.deps,
    new Progress(recordingIo(), false),
    concurrency,
  );
  if ("errors" in run) throw new Error(run.errors.join("\n"));
  return run;
};

const workerVarsArb = fc.array(
  fc.record({
    api: fc.boolean(),
    sums: fc.constantFrom("good", "bad"),
    tool: fc.option(fc.constantFrom("good", "bad"), { nil: undefined }),
  }),
  { minLength: WORKERS.length, maxLength: WORKERS.length },
);
const latencyArb = fc.dictionary(fc.constantFrom(...ALL), fc.integer({ min: 0, max: 12 }));
const subsetArb = (of: readonly string[]) => fc.subarray([...of]);

describe("the pipelined plan", () => {
  it("is, host for host and in selection order, the plan of each selected host alone", async () => {
    await fc.assert(
      fc.asyncProperty(
        workerVarsArb,
        latencyArb,
        subsetArb(ALL), // unreachable
        subsetArb(ALL).filter((s) => s.length > 0), // selected
        fc.integer({ min: 1, max: 4 }),
        async (workerVars, latency, down, selected, concurrency) => {
          const f = fleet(workerVars, latency, new Set(down));
          const run = await plan(f, selected, concurrency);
          expect(f.maxBusy()).toBeLessThanOrEqual(concurrency);
          expect(run.plan.hosts.map((h) => h.host)).toEqual(selected);

          // Reached for their facts only: closed once, and never asked anything after.
          const closed = f.events.filter((e) => e.startsWith("close ")).map((e) => e.slice(6));
          // The hosts whose facts a host needs, as the modules' factHosts says (an oracle of its own).
          const needsOf = (h: string): string[] =>
            WORKERS.includes(h) && workerVars[WORKERS.indexOf(h)]!.api ? [...ETCD, "c1"] : ETCD;
          const onlyFacts = ALL.filter(
            (h) => !selected.includes(h) && !down.includes(h) && selected.some((s) => needsOf(s).includes(h)),
          );
          expect(closed.sort()).toEqual(onlyFacts.sort());
          for (const h of onlyFacts)
            expect(f.events.slice(f.events.indexOf(`close ${h}`) + 1)).not.toContain(`busy +${h}`);

          // Each selected host alone, on an unhurried fleet, one host at a time.
          const alone = fleet(workerVars, {}, new Set(down), f.deps.cacheDir);
          for (const [i, host] of selected.entries()) {
            const one = await plan(alone, [host], 1);
            expect(run.plan.hosts[i], host).toEqual(one.plan.hosts[0]);
            expect(run.resources.get(host), host).toEqual(one.resources.get(host));
            expect(run.gates.get(host), host).toEqual(one.gates.get(host));
            expect(run.reached.get(host)?.ok, host).toBe(one.reached.get(host)?.ok);
          }
        },
      ),
      // A run that hangs (a host holding a slot while it waits for one) fails with its counterexample.
      { numRuns, timeout: 10_000 },
    );
  });
});
