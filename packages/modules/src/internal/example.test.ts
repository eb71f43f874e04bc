/**
 * examples/seed-worker is the seed's cluster as an inventory tend reads: its
 * explicit seed values must declare exactly what our role defaults declare,
 * and every controller file it references must exist in the example.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { resourcesForHost } from "./host.js";
import { clusterOf, factsFor, SEED_GROUP_VARS, seedContext } from "./testing/seed-cluster.js";
import { resolveVars } from "./vars/resolve.js";

const dir = fileURLToPath(new URL("../../../../examples/seed-worker/", import.meta.url));
const read = (p: string): unknown => parse(readFileSync(`${dir}${p}`, "utf8"));

type Group = {
  hosts?: Record<string, unknown>;
  children?: Record<string, Group>;
  vars?: Record<string, unknown>;
};
const inventory = read("hosts.yml") as { all: Group };

/** Group → hosts in inventory order, children included (as the CLI computes it). */
const groupsOf = (root: Group): Record<string, string[]> => {
  const out: Record<string, string[]> = {};
  const walk = (name: string, g: Group): string[] => {
    const hosts = [
      ...Object.keys(g.hosts ?? {}),
      ...Object.entries(g.children ?? {}).flatMap(([n, c]) => walk(n, c)),
    ];
    out[name] = [...new Set(hosts)];
    return hosts;
  };
  walk("all", root);
  return out;
};

describe("examples/seed-worker", () => {
  const groups = groupsOf(inventory.all);
  const ips: Record<string, string> = {
    etcd1: "10.8.0.101",
    controller1: "10.8.0.111",
    worker1: "10.8.0.121",
    worker2: "10.8.0.122",
  };
  const facts = new Map(Object.entries(ips).map(([h, ip]) => [h, factsFor(h, ip)]));
  const layers = [
    { origin: "examples/seed-worker/hosts.yml", vars: inventory.all.vars ?? {} },
    {
      origin: "examples/seed-worker/group_vars/all.yml",
      vars: read("group_vars/all.yml") as Record<string, unknown>,
    },
  ];
  const declare = (host: string, ls: typeof layers) => {
    const vars = resolveVars(ls, host);
    if (E.isLeft(vars)) throw new Error(JSON.stringify(vars.left));
    return resourcesForHost(
      seedContext(host, {
        vars: vars.right,
        groups: Object.entries(groups)
          .filter(([, hs]) => hs.includes(host))
          .map(([g]) => g),
        facts: facts.get(host)!,
        cluster: clusterOf(facts, groups),
      }),
    );
  };

  it("has one etcd host, one controller and two workers under k8s", () => {
    expect(groups).toMatchObject({
      k8s_etcd: ["etcd1"],
      k8s_controller: ["controller1"],
      k8s_worker: ["worker1", "worker2"],
      k8s: ["etcd1", "controller1", "worker1", "worker2"],
    });
  });

  it.each(["etcd1", "controller1", "worker1", "worker2"])(
    "on %s the seed's explicit values (templates, JSON and YAML texts included) declare what the role defaults declare",
    (host) => {
      const fromExample = declare(host, layers);
      const fromDefaults = declare(host, [SEED_GROUP_VARS]);
      expect(E.isRight(fromExample)).toBe(true);
      expect(fromExample).toEqual(fromDefaults);
    },
  );

  it("every controller-side file a worker copies exists in the example's certs/ and configs/", () => {
    const rs = declare("worker1", layers);
    if (E.isLeft(rs)) throw new Error("declare failed");
    const sources = rs.right
      .map((r) => (r.props as { source?: string }).source)
      .filter((s): s is string => s !== undefined);
    // 4 etcd + 4 API server + the node's cert and key + 2 kubeconfigs
    expect(sources.length).toBe(12);
    for (const s of sources) {
      const local = s.replace("/home/da_user/k8s/", dir);
      expect(existsSync(local), local).toBe(true);
    }
  });

  it("placeholder keys and kubeconfigs say they are examples", () => {
    expect(readFileSync(`${dir}certs/cert-worker1-key.pem`, "utf8")).toContain("EXAMPLE-ONLY");
    expect(readFileSync(`${dir}configs/worker1.kubeconfig`, "utf8")).toContain("EXAMPLE ONLY");
  });
});
