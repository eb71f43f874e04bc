/**
 * The modules' health gates: one per declared service, with the ports and
 * paths the variables set (flanneld's subnet file and optional healthz,
 * docker's /_ping on its socket, kubelet and kube-proxy healthz on the
 * host's address), and none for a service a host does not run.
 */
import type { HealthGate } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { healthGatesFor } from "./health.js";
import { resourcesForHost } from "./host.js";
import { currentContext } from "./testing/current-cluster.js";
import { SEED_GROUP_VARS, seedContext, varsFor } from "./testing/seed-cluster.js";
import type { VarLayer } from "./vars/defaults.js";

const gatesOf = (
  host: string,
  layers: readonly VarLayer[] = [SEED_GROUP_VARS],
  ip = "10.8.0.121",
): HealthGate[] => {
  const ctx = seedContext(host, { vars: varsFor(host, layers) });
  const resources = resourcesForHost(ctx);
  if (E.isLeft(resources)) throw new Error(JSON.stringify(resources.left));
  return healthGatesFor(ctx.vars, ip, resources.right);
};

const brief = (gates: readonly HealthGate[]) => gates.map((g) => [g.name, g.service, g.check]);

describe("modules' health gates", () => {
  it("a seed worker waits for flanneld's subnet file, docker /_ping, kubelet and kube-proxy healthz on its address", () => {
    expect(brief(gatesOf("worker1"))).toEqual([
      ["flanneld subnet file", "flanneld.service", { kind: "file", path: "/run/flannel/subnet.env" }],
      [
        "docker ping",
        "docker.service",
        { kind: "unix-http", socket: "/var/run/docker.sock", path: "/_ping", status: 200 },
      ],
      [
        "kubelet healthz",
        "kubelet.service",
        { kind: "http", url: "http://10.8.0.121:10248/healthz", status: 200 },
      ],
      [
        "kube-proxy healthz",
        "kube-proxy.service",
        { kind: "http", url: "http://10.8.0.121:10256/healthz", status: 200 },
      ],
    ]);
  });

  it("an etcd host (no worker) waits only for flanneld and docker", () => {
    expect(gatesOf("etcd1", [SEED_GROUP_VARS], "10.8.0.101").map((g) => g.name)).toEqual([
      "flanneld subnet file",
      "docker ping",
    ]);
  });

  it("flanneld's healthz, when its port is set, and ports the variables move", () => {
    const layer: VarLayer = {
      origin: "host_vars/worker1.yml",
      vars: {
        flannel_settings_user: { "healthz-port": "8471" },
        k8s_worker_kubelet_conf_yaml: {
          kind: "KubeletConfiguration",
          healthzPort: 10999,
          healthzBindAddress: "127.0.0.1",
        },
      },
    };
    const gates = gatesOf("worker1", [SEED_GROUP_VARS, layer]);
    expect(gates.find((g) => g.name === "flanneld healthz")?.check).toEqual({
      kind: "http",
      url: "http://127.0.0.1:8471/healthz",
      status: 200,
    });
    expect(gates.find((g) => g.name === "kubelet healthz")?.check).toMatchObject({
      url: "http://127.0.0.1:10999/healthz",
    });
  });

  it("a worker of the current roles waits for containerd to answer ctr, and kubelet healthz", () => {
    const ctx = currentContext("worker1");
    const resources = resourcesForHost(ctx);
    if (E.isLeft(resources)) throw new Error(JSON.stringify(resources.left));
    const gates = healthGatesFor(ctx.vars, "10.8.0.121", resources.right);
    expect(gates.map((g) => g.name)).toEqual(["containerd answers", "kubelet healthz", "kube-proxy healthz"]);
    expect(gates[0]!.check).toEqual({ kind: "command", argv: ["ctr", "version"] });
  });
});
