/**
 * Resolving shares what it does not change: a value without a template comes
 * back as the very object of its layer or of the role defaults, and a value
 * that does not use the host's name is resolved once for every host with the
 * same layers, so a fleet's hosts hold the same group and default values. That is only safe while
 * nothing downstream writes to them. These tests freeze the defaults and the
 * layers (in strict mode a write then throws) and run everything a plan does
 * with a host's variables, for two hosts in a row, of both generations.
 */
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { healthGatesFor } from "../health.js";
import { K8S_GROUPS, resourcesForHost } from "../host.js";
import { CURRENT_GROUP_VARS } from "../testing/current-cluster.js";
import { seedContext } from "../testing/seed-cluster.js";
import { currentRoleDefaults } from "./current-defaults.js";
import { roleDefaults, type VarLayer } from "./defaults.js";
import { resolveHostVars } from "./host-vars.js";
import { controllerSources } from "./sources.js";

const deepFreeze = <T>(v: T): T => {
  if (v !== null && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
};

deepFreeze(roleDefaults);
deepFreeze(currentRoleDefaults);

const seedLayer: VarLayer = deepFreeze({
  origin: "group_vars/all.yml",
  vars: {
    k8s_interface: "wg0",
    etcd_certificates: ["ca-etcd.pem", "cert-etcd.pem", "cert-etcd-key.pem"],
    dockerd_settings_user: { "log-level": "warn" },
    flannel_settings_user: { "healthz-port": "8471" },
    k8s_worker_kubelet_conf_yaml: { healthzPort: 10248, clusterDNS: ["10.32.0.254"] },
    tend_health_retries: 3,
  },
});
const currentLayer: VarLayer = deepFreeze({ ...CURRENT_GROUP_VARS, vars: { ...CURRENT_GROUP_VARS.vars } });

/** Everything a plan does with one host's variables; throws when something writes to a frozen value. */
const planWith = (host: string, layers: readonly VarLayer[]) => {
  const vars = resolveHostVars(layers, host);
  if (E.isLeft(vars)) throw new Error(JSON.stringify(vars.left));
  // What resolving made is shared with the next host of the same layers (see resolve.ts): frozen too.
  deepFreeze(vars.right);
  const ctx = seedContext(host, { vars: vars.right });
  const files = controllerSources(host, ctx.groups, vars.right, "/home/da_user", K8S_GROUPS);
  const resources = resourcesForHost(ctx);
  if (E.isLeft(resources)) throw new Error(JSON.stringify(resources.left));
  const gates = healthGatesFor(vars.right, "10.8.0.121", resources.right, "/home/da_user");
  return JSON.stringify({ vars: vars.right, files, resources: resources.right, gates });
};

describe("shared variable values", () => {
  for (const [generation, layer] of [
    ["seed", seedLayer],
    ["current", currentLayer],
  ] as const) {
    it(`are never written to by a ${generation} host's plan, and each host's result is its own`, () => {
      const alone = planWith("worker2", [layer]);
      const first = planWith("worker1", [layer]);
      const second = planWith("worker2", [layer]);
      expect(second).toBe(alone);
      expect(first).not.toBe(second);
      expect(first).toContain("cert-worker1.pem");
      expect(second).toContain("cert-worker2.pem");
    });
  }
});

describe("values resolved for hosts with the same layers", () => {
  /** A layer object never seen before: nothing was resolved for it yet. */
  const fresh = (l: VarLayer): VarLayer => structuredClone(l);
  const outcome = (host: string, layers: readonly VarLayer[]) =>
    JSON.stringify(resolveHostVars(layers, host));

  const cases: Record<string, VarLayer> = {
    "the host's name through a chain of references": {
      origin: "group_vars/all.yml",
      vars: {
        k8s_interface: "wg0",
        site_name: "n-{{ inventory_hostname }}",
        site_via: "{{ site_name }}",
        k8s_conf_dir: "/etc/{{ site_via }}",
        k8s_config_directory: "/srv/{{ k8s_conf_dir }}/x",
      },
    },
    "an error in a variable every host shares": {
      origin: "group_vars/all.yml",
      vars: { k8s_interface: "wg0", k8s_conf_dir: "{{ nowhere }}", etcd_client_port: "{{ k8s_interface }}" },
    },
    "a bad map every host shares": {
      origin: "group_vars/all.yml",
      vars: { k8s_interface: "wg0", dockerd_settings_user: { mtu: "x" }, etcd_certificates: ["a/b"] },
    },
    "a cycle": {
      origin: "group_vars/all.yml",
      vars: { k8s_interface: "{{ k8s_conf_dir }}", k8s_conf_dir: "/x/{{ k8s_interface }}" },
    },
  };
  for (const [name, layer] of Object.entries(cases)) {
    it(`are each host's own with ${name}`, () => {
      const layers = [layer];
      const first = outcome("worker1", layers);
      const second = outcome("worker2", layers);
      // The same as resolving each alone, and each host's errors name that host.
      expect(first).toBe(outcome("worker1", [fresh(layer)]));
      expect(second).toBe(outcome("worker2", [fresh(layer)]));
      expect(second).toBe(outcome("worker2", layers));
      expect(second).not.toContain("worker1");
    });
  }

  it("use each host's name where a value depends on it", () => {
    const layers = [fresh(cases["the host's name through a chain of references"]!)];
    const dirOf = (host: string) => {
      const r = resolveHostVars(layers, host);
      if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
      return (r.right as { k8s_config_directory: string }).k8s_config_directory;
    };
    expect(dirOf("worker1")).toBe("/srv/etc/n-worker1/x");
    expect(dirOf("worker2")).toBe("/srv/etc/n-worker2/x");
  });
});
