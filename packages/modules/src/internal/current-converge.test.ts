/**
 * End to end on a simulated Debian worker, current generation: the current
 * roles' resources plan, apply and converge, and the changes the roles get
 * wrong are planned right (a unit change reloads systemd before containerd
 * restarts; a CNI change restarts kubelet only when cni_restart_kubelet says
 * so). Artifacts are generated here and "served" by the SimHost.
 */
import { createHash } from "node:crypto";
import { apply, type HostFacts, plan } from "@tend/core";
import { freshDebianHost, SimHost, tarArchive } from "@tend/core/testing";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { currentArtifacts } from "./current-downloads.js";
import { checksumUrlsFor } from "./generations.js";
import { resourcesForHost } from "./host.js";
import { WORKER_PACKAGES } from "./modules/base.js";
import { CURRENT_GROUP_VARS, hostVarsFor } from "./testing/current-cluster.js";
import { clusterOf, seedContext, seedFacts } from "./testing/seed-cluster.js";
import { isCurrent } from "./vars/host-vars.js";

const hex = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
const bytes = (s: string) => new TextEncoder().encode(s);
/** Packages the simulated Debian worker can install: the base module's own list. */
const PACKAGES = WORKER_PACKAGES.debian ?? [];

const setup = () => {
  const tgz = (files: string[], prefix: string, tag: string) =>
    tarArchive(
      files.map((m) => ({ path: `${prefix}${m}`, content: `#!/bin/sh\n# ${tag} ${m}\n`, mode: 0o755 })),
      { gzip: true },
    );
  const containerd = tgz(
    ["ctr", "containerd", "containerd-stress", "containerd-shim-runc-v2"],
    "bin/",
    "2.1.4",
  );
  const plugins = [
    "macvlan",
    "static",
    "vlan",
    "portmap",
    "host-local",
    "vrf",
    "bridge",
    "tuning",
    "firewall",
  ];
  const more = [
    "host-device",
    "sbr",
    "loopback",
    "dhcp",
    "ptp",
    "ipvlan",
    "bandwidth",
    "dummy",
    "tap",
    "LICENSE",
  ];
  const cni = tgz([...plugins, ...more], "./", "1.8.0");
  const cniNext = tgz([...plugins, ...more], "./", "1.8.1");
  const binary = (name: string) => bytes(`#!/bin/sh\n# stand-in ${name}\n`);
  const layers = (extra: Record<string, unknown>) => [
    CURRENT_GROUP_VARS,
    { origin: "host_vars/worker1.yml", vars: extra },
  ];
  const bodies = (extra: Record<string, unknown>): Map<string, Uint8Array> => {
    const v = hostVarsFor("worker1", layers(extra));
    if (!isCurrent(v)) throw new Error("not current");
    const out = new Map<string, Uint8Array>();
    for (const a of currentArtifacts(v, new Map())) {
      const body =
        a.name === "containerd archive"
          ? containerd
          : a.name === "CNI plugins archive"
            ? v.cni_version === "1.8.0"
              ? cni
              : cniNext
            : binary(`${a.name} ${a.url}`);
      out.set(a.url, body);
    }
    return out;
  };
  const all = new Map([...bodies({}), ...bodies({ cni_version: "1.8.1" })]);
  const sim = new SimHost(
    freshDebianHost({
      host: { hostname: "worker1" },
      wg0: "10.8.0.121",
      available: {
        packages: Object.fromEntries(PACKAGES.map((p) => [p, "1.0"])),
        urls: Object.fromEntries([...all].map(([u, b]) => [u, b64(b)])),
      },
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
    const vars = hostVarsFor("worker1", layers(extra));
    // The checksum files as the CLI would read them: digests of what is served.
    const checksums = new Map(
      checksumUrlsFor(vars).map((u) => {
        // runc.sha256sum#runc.amd64 names the asset beside it; other files are <artifact>.sha256(sum).
        const hash = u.indexOf("#");
        const served =
          hash >= 0
            ? `${u.slice(0, u.lastIndexOf("/", hash))}/${u.slice(hash + 1)}`
            : u.replace(/\.sha256(sum)?$/, "");
        const body = all.get(served);
        if (!body) throw new Error(`nothing served for ${u}`);
        return [u, hex(body)] as const;
      }),
    );
    const r = resourcesForHost(
      seedContext("worker1", {
        vars,
        facts,
        cluster: clusterOf(seedFacts().set("worker1", facts)),
        checksums,
      }),
    );
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    return r.right;
  };
  const readSource = async (path: string) => bytes(`placeholder for ${path}\n`);
  const planOf = async (extra: Record<string, unknown> = {}) => {
    const p = await plan(resourcesWith(extra), sim, { facts, readSource });
    const hp = p.plan.hosts[0]!;
    if (hp.status === "error") throw new Error(hp.errors.join("\n"));
    return { plan: p, actions: hp.actions.map((a) => `${a.action} ${a.id}`) };
  };
  const converge = async (extra: Record<string, unknown> = {}) =>
    apply((await planOf(extra)).plan, sim, { readSource });
  return { sim, planOf, converge };
};

describe("the current roles' worker on a simulated Debian host", () => {
  it("plans, applies and converges; the next plan is empty", async () => {
    const { sim, planOf, converge } = setup();
    const report = await converge();
    expect(report.hosts[0]).toMatchObject({ status: "applied", verdict: { converged: true } });
    expect(sim.state.services).toMatchObject({
      "containerd.service": { active: "active", enabled: "enabled" },
      "kubelet.service": { active: "active", enabled: "enabled" },
      "kube-proxy.service": { active: "active", enabled: "enabled" },
    });
    const cniFiles = Object.keys(sim.state.files).filter((p) => p.startsWith("/opt/cni/bin/"));
    expect(cniFiles).toHaveLength(18);
    expect(cniFiles).not.toContain("/opt/cni/bin/LICENSE");
    expect(sim.state.files["/usr/local/bin/containerd-shim-runc-v2"]).toMatchObject({ mode: 0o755 });
    expect((await planOf()).actions).toEqual([]);
  });

  it("a new containerd_service_settings entry reloads systemd before containerd restarts", async () => {
    const { planOf, converge } = setup();
    await converge();
    const settings = {
      ExecStart: "/usr/local/bin/containerd",
      Type: "notify",
      Environment: "HTTP_PROXY=http://proxy.example:3128",
    };
    const { actions } = await planOf({ containerd_service_settings: settings });
    expect([...actions].sort()).toEqual([
      "reload systemd[daemon-reload]",
      "restart service[containerd]",
      "update unit[containerd.service]",
    ]);
    expect(actions.indexOf("reload systemd[daemon-reload]")).toBeLessThan(
      actions.indexOf("restart service[containerd]"),
    );
  });

  it("a new cni_version updates the plugins and restarts kubelet only with cni_restart_kubelet: true", async () => {
    const { planOf, converge } = setup();
    await converge();
    expect((await planOf({ cni_version: "1.8.1" })).actions).toEqual(["update archive[/opt/cni/bin]"]);
    expect((await planOf({ cni_version: "1.8.1", cni_restart_kubelet: true })).actions.sort()).toEqual([
      "restart service[kubelet]",
      "update archive[/opt/cni/bin]",
    ]);
  });
});
