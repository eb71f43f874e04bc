/**
 * examples/current-worker is an inventory of the current roles as their users
 * keep it: its explicit values (the kubelet and kube-proxy configs as the
 * role's YAML templates included) must declare exactly what tend's defaults
 * of those roles declare, so its comments ("the roles' defaults") hold.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { describeModuleError } from "./errors.js";
import { resourcesForHost } from "./host.js";
import { currentContext } from "./testing/current-cluster.js";
import type { VarLayer } from "./vars/defaults.js";

const dir = fileURLToPath(new URL("../../../../examples/current-worker/", import.meta.url));
const read = (p: string) => parse(readFileSync(`${dir}${p}`, "utf8")) as Record<string, unknown>;

const EXAMPLE: VarLayer[] = [
  {
    origin: "examples/current-worker/hosts.yml",
    vars: (read("hosts.yml").all as { vars: Record<string, unknown> }).vars,
  },
  { origin: "examples/current-worker/group_vars/all.yml", vars: read("group_vars/all.yml") },
  { origin: "examples/current-worker/group_vars/k8s_worker.yml", vars: read("group_vars/k8s_worker.yml") },
];

/** Only what no role defines or the cluster must say; everything else from the defaults. */
const DEFAULTS_ONLY: VarLayer[] = [
  {
    origin: "group_vars/all.yml",
    vars: { k8s_interface: "wg0", k8s_config_cluster_name: "k8s-01", tend_worker_generation: "current" },
  },
];

const declared = (host: string, layers: VarLayer[]) => {
  const r = resourcesForHost(currentContext(host, layers));
  if (E.isLeft(r)) throw new Error(r.left.map(describeModuleError).join("\n"));
  return r.right;
};

describe("examples/current-worker", () => {
  it("names every worker role's variables, and no seed-only one", () => {
    const names = EXAMPLE.flatMap((l) => Object.keys(l.vars));
    for (const prefix of ["containerd_", "runc_", "cni_", "k8s_worker_"])
      expect(
        names.some((n) => n.startsWith(prefix)),
        prefix,
      ).toBe(true);
    expect(names.filter((n) => /^(docker|dockerd|flannel)_|^k8s_release$/.test(n))).toEqual([]);
  });

  it.each(["worker1", "worker2"])(
    "on %s its explicit values (the role's YAML templates included) declare what the current role defaults declare",
    (host) => {
      const fromExample = declared(host, EXAMPLE);
      expect(fromExample.some((r) => r.origin === "@tend/modules/containerd")).toBe(true);
      expect(fromExample).toEqual(declared(host, DEFAULTS_ONLY));
    },
  );
});
