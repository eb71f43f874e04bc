/**
 * The seed's cluster as test data: one etcd host, one controller, two
 * workers on a wg0 VPN, with facts as the CLI would gather them. Used by the
 * tests of this package; pure data and small builders, no I/O.
 */
import type { HostFacts } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import type { Cluster, HostContext } from "../context.js";
import { checksumUrlsFor } from "../generations.js";
import type { WorkerVars } from "../vars/codec.js";
import type { VarLayer } from "../vars/defaults.js";
import type { HostVars } from "../vars/host-vars.js";
import { resolveVars } from "../vars/resolve.js";

/** Inventory order of the seed's hosts and their wg0 addresses. */
export const SEED_HOSTS: ReadonlyArray<readonly [string, string]> = [
  ["etcd1", "10.8.0.101"],
  ["controller1", "10.8.0.111"],
  ["worker1", "10.8.0.121"],
  ["worker2", "10.8.0.122"],
];

/** Group → hosts, as the seed's inventory has them (k8s holds the children). */
export const SEED_GROUPS: Readonly<Record<string, readonly string[]>> = {
  k8s_etcd: ["etcd1"],
  k8s_controller: ["controller1"],
  k8s_worker: ["worker1", "worker2"],
  k8s: ["etcd1", "controller1", "worker1", "worker2"],
};

/** The seed's group_vars/all.yml (only what differs from the role defaults). */
export const SEED_GROUP_VARS: VarLayer = {
  origin: "group_vars/all.yml",
  vars: { k8s_interface: "wg0", ansible_user: "deploy" },
};

/** Facts of a Debian host with `ip` on wg0 (and an eth0 that must not be picked). */
export const factsFor = (hostname: string, ip: string | undefined, family = "debian"): HostFacts => ({
  hostname,
  os: { family, id: family === "debian" ? "debian" : "rocky", versionId: "12", prettyName: `${family} test` },
  kernel: "6.1.0",
  arch: "x86_64",
  interfaces: [
    { name: "lo", ipv4: ["127.0.0.1"] },
    { name: "eth0", ipv4: ["192.0.2.10"] },
    ...(ip ? [{ name: "wg0", ipv4: [ip] }] : []),
  ],
  swap: [],
  init: "systemd",
  downloaders: ["curl"],
  packageManager: family === "debian" ? "apt" : "dnf",
  user: "root",
});

/** A cluster view over given host → facts and group → hosts tables. */
export const clusterOf = (
  facts: ReadonlyMap<string, HostFacts>,
  groups: Readonly<Record<string, readonly string[]>> = SEED_GROUPS,
): Cluster => ({
  hostsOf: (g) => groups[g] ?? [],
  factsOf: (h) => facts.get(h),
});

/** The seed's facts for every host. */
export const seedFacts = (): Map<string, HostFacts> =>
  new Map(SEED_HOSTS.map(([h, ip]) => [h, factsFor(h, ip)]));

/** Resolves variables or fails the test with every message. */
export const varsFor = (host: string, layers: readonly VarLayer[] = [SEED_GROUP_VARS]): WorkerVars => {
  const r = resolveVars(layers, host);
  if (E.isLeft(r)) throw new Error(`resolveVars failed: ${JSON.stringify(r.left)}`);
  return r.right;
};

/** A recognisable fake sha256 per URL, as if fetched from `<url>.sha256`. */
export const fakeChecksums = (vars: HostVars): Map<string, string> =>
  new Map(
    checksumUrlsFor(vars).map((u, i) => [u, (i + 1).toString(16).padStart(2, "0").repeat(32)] as const),
  );

/** The HostContext the CLI would build for a seed host. */
export const seedContext = (host: string, overrides: Partial<HostContext> = {}): HostContext => {
  const vars = overrides.vars ?? varsFor(host);
  const facts = seedFacts();
  const groups = Object.entries(SEED_GROUPS)
    .filter(([, hosts]) => hosts.includes(host))
    .map(([g]) => g);
  return {
    inventoryHostname: host,
    groups,
    vars,
    facts: facts.get(host) ?? factsFor(host, "10.8.0.200"),
    cluster: clusterOf(facts),
    checksums: fakeChecksums(vars),
    controllerHome: "/home/da_user",
    cacheDir: "/home/da_user/.cache/tend",
    ...overrides,
  };
};
