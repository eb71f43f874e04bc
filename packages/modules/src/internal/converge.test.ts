/**
 * End to end on a simulated Debian worker: the seed worker's resources plan,
 * apply, and converge (the re-plan after apply is empty), and a second plan
 * after that changes nothing. Artifacts are generated here and "served" by
 * the SimHost; the controller's certificates are placeholders.
 */
import { createHash } from "node:crypto";
import { apply, type HostFacts, plan } from "@tend/core";
import { freshDebianHost, SimHost, tarArchive } from "@tend/core/testing";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { artifactsFor, checksumUrl } from "./downloads.js";
import { resourcesForHost } from "./host.js";
import { WORKER_PACKAGES } from "./modules/base.js";
import { clusterOf, SEED_GROUP_VARS, seedContext, seedFacts, varsFor } from "./testing/seed-cluster.js";

const hex = (algo: "sha256" | "sha512", b: Uint8Array) => createHash(algo).update(b).digest("hex");
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
const bytes = (s: string) => new TextEncoder().encode(s);

/** Packages the simulated Debian worker can install: the base module's own list. */
const PACKAGES = WORKER_PACKAGES.debian ?? [];

/** Generated artifacts, a fresh simulated worker1 serving them, and a way to declare its resources. */
const setup = () => {
  const docker = tarArchive(
    ["containerd", "containerd-shim", "ctr", "docker", "dockerd", "docker-init", "docker-proxy", "runc"].map(
      (m) => ({
        path: `docker/${m}`,
        content: `#!/bin/sh\n# ${m}\n`,
        mode: 0o755,
      }),
    ),
    { gzip: true },
  );
  const cni = tarArchive(
    ["bridge", "flannel", "loopback", "portmap"].map((m) => ({
      path: `./${m}`,
      content: `cni ${m}`,
      mode: 0o755,
    })),
    { gzip: true },
  );
  const binary = (name: string) => bytes(`#!/bin/sh\n# stand-in ${name}\n`);
  const varsWith = (extra: Record<string, unknown>) =>
    varsFor("worker1", [
      SEED_GROUP_VARS,
      {
        origin: "host_vars/worker1.yml",
        vars: {
          k8s_cni_plugin_checksum: hex("sha512", cni),
          docker_checksum: hex("sha256", docker),
          ...extra,
        },
      },
    ]);
  const vars = varsWith({});
  const byName = new Map(artifactsFor(vars).map((a) => [a.name, a.url]));
  const bodies: Record<string, Uint8Array> = {
    flanneld: binary("flanneld"),
    "docker archive": docker,
    "CNI plugins archive": cni,
    "kube-proxy": binary("kube-proxy"),
    kubelet: binary("kubelet"),
    kubectl: binary("kubectl"),
  };
  const urls = Object.fromEntries(Object.entries(bodies).map(([n, b]) => [byName.get(n)!, b64(b)]));
  // A newer flanneld, for the version-change scenario.
  urls["https://github.com/coreos/flannel/releases/download/v0.11.0/flanneld-amd64"] = b64(
    binary("flanneld 0.11"),
  );
  const checksums = new Map(
    ["kube-proxy", "kubelet", "kubectl"].map((b) => [checksumUrl(byName.get(b)!), hex("sha256", bodies[b]!)]),
  );
  const sim = new SimHost(
    freshDebianHost({
      host: { hostname: "worker1" },
      wg0: "10.8.0.121",
      available: { packages: Object.fromEntries(PACKAGES.map((p) => [p, "1.0"])), urls },
      kmods: {
        builtin: ["overlay", "br_netfilter", "nf_conntrack"],
        loadable: ["ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh"],
      },
      sysctls: { "net.bridge.bridge-nf-call-iptables": "0", "net.ipv4.ip_forward": "0" },
    }),
  );
  const h = sim.state.host;
  const facts: HostFacts = {
    ...h,
    os: { ...h.os },
    interfaces: h.interfaces.map((i) => ({ name: i.name, ipv4: [...i.ipv4] })),
    swap: [...sim.state.swap],
    downloaders: [...h.downloaders],
  };
  const resourcesWith = (extra: Record<string, unknown>) => {
    const r = resourcesForHost(
      seedContext("worker1", {
        vars: varsWith(extra),
        facts,
        cluster: clusterOf(seedFacts().set("worker1", facts)),
        checksums,
      }),
    );
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    return r.right;
  };
  const readSource = async (path: string) => bytes(`placeholder for ${path}\n`);
  const planOf = async (extra: Record<string, unknown>) => {
    const p = await plan(resourcesWith(extra), sim, { facts, readSource });
    const hp = p.plan.hosts[0]!;
    if (hp.status === "error") throw new Error(hp.errors.join("\n"));
    return { plan: p, actions: hp.actions.map((a) => `${a.action} ${a.id}`) };
  };
  const converge = async (extra: Record<string, unknown> = {}) => {
    const { plan: p } = await planOf(extra);
    return apply(p, sim, { readSource });
  };
  return { sim, planOf, converge };
};

describe("the seed worker on a simulated Debian host", () => {
  it("plans, applies and converges; the next plan is empty", async () => {
    const { sim, planOf, converge } = setup();
    const report = await converge();
    expect(report.hosts[0]).toMatchObject({ status: "applied", verdict: { converged: true } });

    const after = sim.state;
    expect(after.services).toMatchObject({
      "flanneld.service": { active: "active", enabled: "enabled" },
      "docker.service": { active: "active", enabled: "enabled" },
      "kubelet.service": { active: "active", enabled: "enabled" },
      "kube-proxy.service": { active: "active", enabled: "enabled" },
    });
    expect(
      Object.keys(after.files)
        .filter((p) => p.startsWith("/opt/cni/bin/"))
        .sort(),
    ).toEqual([
      "/opt/cni/bin/bridge",
      "/opt/cni/bin/flannel",
      "/opt/cni/bin/loopback",
      "/opt/cni/bin/portmap",
    ]);
    expect(after.files["/var/lib/kubelet/kubeconfig"]).toMatchObject({ mode: 0o600 });
    expect(after.sysctls["net.ipv4.ip_forward"]).toBe("1");
    expect((await planOf({})).actions).toEqual([]);
  });

  it("a new dockerd_settings_user.mtu plans the docker.service update, one daemon-reload and a docker restart", async () => {
    const { planOf, converge } = setup();
    await converge();
    expect((await planOf({ dockerd_settings_user: { mtu: "1450" } })).actions.sort()).toEqual([
      "reload systemd[daemon-reload]",
      "restart service[docker]",
      "update unit[docker.service]",
    ]);
  });

  it("a new flannel_version plans a binary update and a flanneld restart (the role does neither)", async () => {
    const { planOf, converge } = setup();
    await converge();
    expect((await planOf({ flannel_version: "v0.11.0" })).actions.sort()).toEqual([
      "restart service[flanneld]",
      "update download[/usr/local/sbin/flanneld]",
    ]);
    const report = await converge({ flannel_version: "v0.11.0" });
    expect(report.hosts[0]).toMatchObject({ status: "applied", verdict: { converged: true } });
  });
});
