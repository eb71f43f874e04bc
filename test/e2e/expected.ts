/**
 * What the modules declare for an e2e host, computed through @tend/modules
 * directly (not through the CLI under test): the inventory's variable layers,
 * the facts `tend facts` gathered, and the cluster's known topology. Tests
 * compare the files on the real hosts with these resources byte for byte.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { loadInventory } from "@tend/cli";
import type { HostFacts, Resource } from "@tend/core";
import { describe as describeError, resolveVars, resourcesForHost } from "@tend/modules";
import type { Cluster } from "./cluster.js";

const GROUPS: Record<string, readonly string[]> = {
  etcd1: ["k8s", "k8s_etcd"],
  worker1: ["k8s", "k8s_worker"],
  worker2: ["k8s", "k8s_worker"],
};

/** Gathers every host's facts with `tend facts`. */
export const gatherFacts = async (cluster: Cluster): Promise<Record<string, HostFacts>> => {
  const r = await cluster.tend(["facts", "-i", cluster.inventory]);
  if (r.code !== 0) throw new Error(`tend facts exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, HostFacts>;
};

/** The resources @tend/modules declares for `host` with the inventory as it is now. */
export const declaredResources = async (
  cluster: Cluster,
  host: string,
  facts: Record<string, HostFacts>,
): Promise<readonly Resource[]> => {
  const loaded = await loadInventory(cluster.inventory);
  if (loaded._tag === "Left") throw new Error(`inventory: ${JSON.stringify(loaded.left)}`);
  const vars = resolveVars(loaded.right.layers.get(host) ?? [], host);
  if (vars._tag === "Left") throw new Error(vars.left.map(describeError).join("\n"));
  const own = facts[host];
  if (!own) throw new Error(`no facts for ${host}`);
  const declared = resourcesForHost({
    inventoryHostname: host,
    groups: GROUPS[host] ?? [],
    vars: vars.right,
    facts: own,
    cluster: {
      hostsOf: (g) => Object.keys(GROUPS).filter((h) => GROUPS[h]?.includes(g)),
      factsOf: (h) => facts[h],
    },
    // The `.sha256` files the controller fetches, by url.
    checksums: new Map(
      cluster.artifacts
        .filter((a) => a.path.endsWith(".sha256"))
        .map((a) => [`${cluster.server.baseUrl}/${a.path}`, a.bytes.toString().trim()]),
    ),
    controllerHome: homedir(),
    cacheDir: join(cluster.work, "cache", "tend", "artifacts"),
  });
  if (declared._tag === "Left") throw new Error(declared.left.map(describeError).join("\n"));
  return declared.right;
};

/** The content of the declared unit `name` (e.g. docker.service). */
export const unitContent = (resources: readonly Resource[], name: string): string => {
  const r = resources.find((x) => x.kind === "unit" && x.name === name);
  const content = (r?.props as { content?: unknown } | undefined)?.content;
  if (typeof content !== "string")
    throw new Error(`no unit[${name}] with inline content among the declared resources`);
  return content;
};
