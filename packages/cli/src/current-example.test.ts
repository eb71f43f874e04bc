/**
 * examples/current-worker through main() with the real modules, read
 * unchanged: its certificates are generated under a temporary $HOME (the
 * example reads `~/k8s/certs`), upstream's checksum files come from an
 * injected fetch and the artifacts from the SimHosts' simulated network, at
 * the URLs the current roles use.
 */
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodePlan, type Plan } from "@tend/core";
import { freshDebianHost, SimHost, tarArchive } from "@tend/core/testing";
import { WORKER_PACKAGES } from "@tend/modules";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "./index.js";
import { workerModules } from "./internal/engine-bridge.js";
import { fileOn, recordingIo, simDeps, tempDir } from "./test-support.js";

const EXAMPLE = fileURLToPath(new URL("../../../examples/current-worker/", import.meta.url));
const INVENTORY = join(EXAMPLE, "hosts.yml");
const WORKERS = ["worker1", "worker2"];
const ADDRESSES: Record<string, string> = {
  etcd1: "10.8.0.101",
  controller1: "10.8.0.111",
  worker1: "10.8.0.121",
  worker2: "10.8.0.122",
};

const bytes = (s: string) => new TextEncoder().encode(s);
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const stub = (name: string) => bytes(`#!/bin/sh\n# stand-in ${name}\n`);
const tgz = (names: readonly string[], prefix: string) =>
  tarArchive(
    names.map((n) => ({ path: `${prefix}${n}`, content: `#!/bin/sh\n# ${n}\n`, mode: 0o755 })),
    { gzip: true },
  );

/** What cni-plugins-linux-amd64-v1.8.0.tgz holds besides LICENSE and README.md. */
const CNI_PLUGINS = [
  "bandwidth",
  "bridge",
  "dhcp",
  "dummy",
  "firewall",
  "host-device",
  "host-local",
  "ipvlan",
  "loopback",
  "macvlan",
  "portmap",
  "ptp",
  "sbr",
  "static",
  "tap",
  "tuning",
  "vlan",
  "vrf",
];

/** The artifacts at the current roles' upstream URLs, and their checksum files as upstream publishes them. */
const upstream = () => {
  const gh = "https://github.com";
  const containerdUrl = `${gh}/containerd/containerd/releases/download/v2.1.4/containerd-2.1.4-linux-amd64.tar.gz`;
  const runcBase = `${gh}/opencontainers/runc/releases/download/v1.4.0`;
  const cniUrl = `${gh}/containernetworking/plugins/releases/download/v1.8.0/cni-plugins-linux-amd64-v1.8.0.tgz`;
  const artifacts = new Map<string, Uint8Array>([
    [containerdUrl, tgz(["containerd", "containerd-shim-runc-v2", "containerd-stress", "ctr"], "bin/")],
    [`${runcBase}/runc.amd64`, stub("runc")],
    [`${runcBase}/runc.arm64`, stub("runc arm64")],
    [cniUrl, tgz([...CNI_PLUGINS, "LICENSE", "README.md"], "./")],
    ...["kube-proxy", "kubelet", "kubectl"].map(
      (b) => [`https://dl.k8s.io/v1.34.4/bin/linux/amd64/${b}`, stub(b)] as const,
    ),
  ]);
  const line = (url: string) => `${sha256(artifacts.get(url) as Uint8Array)}  ${url.split("/").pop()}\n`;
  const checksums = new Map<string, string>([
    [`${containerdUrl}.sha256sum`, line(containerdUrl)],
    [`${runcBase}/runc.sha256sum`, line(`${runcBase}/runc.arm64`) + line(`${runcBase}/runc.amd64`)],
    [`${cniUrl}.sha256`, line(cniUrl)],
    ...["kube-proxy", "kubelet", "kubectl"].map((b) => {
      const url = `https://dl.k8s.io/v1.34.4/bin/linux/amd64/${b}`;
      return [`${url}.sha256`, sha256(artifacts.get(url) as Uint8Array)] as const;
    }),
  ]);
  return { artifacts, checksums };
};

/** Debian hosts with the worker's packages and the artifacts reachable, addressed on wg0 as the example says. */
const fleet = () => {
  const { artifacts, checksums } = upstream();
  const available = {
    packages: Object.fromEntries((WORKER_PACKAGES.debian ?? []).map((p) => [p, "1.0"])),
    urls: Object.fromEntries([...artifacts].map(([u, b]) => [u, Buffer.from(b).toString("base64")])),
  };
  const hosts = Object.fromEntries(
    Object.entries(ADDRESSES).map(([name, wg0]) => [
      name,
      new SimHost(freshDebianHost({ host: { hostname: name }, wg0, available }), { name }),
    ]),
  );
  const deps = {
    ...simDeps(hosts, workerModules),
    fetch: async (url: string) => {
      // A fragment never reaches the server, as with a real HTTP fetch.
      const body = checksums.get(url.split("#")[0] as string);
      return body === undefined ? new Response("not found", { status: 404 }) : new Response(body);
    },
  };
  return { hosts, deps };
};

/** What ansible-role-kubernetes-ca leaves in ~/k8s/certs for these workers (placeholders). */
const CERTS = [
  "ca-k8s-apiserver.pem",
  "cert-k8s-proxy.pem",
  "cert-k8s-proxy-key.pem",
  ...WORKERS.flatMap((w) => [`cert-${w}.pem`, `cert-${w}-key.pem`]),
];

describe("examples/current-worker, unchanged, through the CLI", () => {
  const savedHome = process.env.HOME;
  beforeAll(() => {
    const home = tempDir("home-");
    mkdirSync(join(home, "k8s", "certs"), { recursive: true });
    for (const c of CERTS) writeFileSync(join(home, "k8s", "certs", c), `-----BEGIN ${c} (test)-----\n`);
    process.env.HOME = home;
  });
  afterAll(() => {
    process.env.HOME = savedHome;
  });

  it("tend validate exits 0 once the certificates it names are in ~/k8s/certs", async () => {
    const { deps } = fleet();
    const io = recordingIo();
    expect(await main(["validate", "-i", INVENTORY], io, deps), io.err()).toBe(0);
  });

  it("tend validate without a worker's certificate in ~/k8s/certs exits 1 naming it", async () => {
    const { deps } = fleet();
    const io = recordingIo();
    const cert = join(process.env.HOME as string, "k8s", "certs", "cert-worker2-key.pem");
    rmSync(cert);
    try {
      expect(await main(["validate", "-i", INVENTORY], io, deps)).toBe(1);
      expect(io.err()).toContain(cert);
    } finally {
      writeFileSync(cert, "-----BEGIN cert-worker2-key.pem (test)-----\n");
    }
  });

  it("plan --limit worker1 gathers controller1's facts for the API endpoint default and plans worker1 alone", async () => {
    const { deps } = fleet();
    const io = recordingIo();
    expect(
      await main(["plan", "-i", INVENTORY, "--limit", "worker1", "--json", "--detailed-exitcode"], io, deps),
      io.err(),
    ).toBe(2);
    const decoded = decodePlan(io.out());
    if (decoded._tag === "Left") throw new Error(io.err());
    const hosts = (decoded.right as Plan).hosts;
    expect(hosts.map((h) => [h.host, h.status])).toEqual([["worker1", "ready"]]);
    const kubeconfig = JSON.stringify(hosts[0]);
    expect(kubeconfig).not.toContain("no facts gathered");
  });

  it("plans the current generation for both workers and nothing for etcd1 and controller1; applied, the next plan is empty", async () => {
    const { hosts, deps } = fleet();
    const planIo = recordingIo();
    expect(
      await main(["plan", "-i", INVENTORY, "--json", "--detailed-exitcode"], planIo, deps),
      planIo.err(),
    ).toBe(2);
    const decoded = decodePlan(planIo.out());
    if (decoded._tag === "Left") throw new Error(planIo.err());
    const byHost = new Map((decoded.right as Plan).hosts.map((h) => [h.host, h]));
    for (const name of Object.keys(ADDRESSES)) {
      const hp = byHost.get(name);
      if (hp?.status !== "ready") throw new Error(`${name}: ${JSON.stringify(hp)}`);
      const origins = new Set(hp.resources.map((r) => r.origin));
      if (WORKERS.includes(name)) {
        expect(origins).toContain("@tend/modules/containerd");
        expect(origins).toContain("@tend/modules/runc");
        expect(origins).toContain("@tend/modules/cni");
        expect(origins).toContain("@tend/modules/kubernetes-worker-current");
        for (const seedOnly of ["docker", "flannel", "kubernetes-worker"])
          expect(origins).not.toContain(`@tend/modules/${seedOnly}`);
      } else expect([hp.resources, hp.actions]).toEqual([[], []]);
    }

    const applyIo = recordingIo();
    expect(
      await main(["apply", "-i", INVENTORY, "--yes"], applyIo, deps),
      applyIo.out() + applyIo.err(),
    ).toBe(0);
    for (const w of WORKERS) {
      const h = hosts[w] as SimHost;
      expect(applyIo.out()).toMatch(new RegExp(`${w}: applied \\d+ ops; converged`));
      expect(h.state.services["containerd.service"]?.active).toBe("active");
      expect(h.state.services["kubelet.service"]?.active).toBe("active");
      expect(fileOn(h, "/etc/kubernetes/worker/kubelet/kubelet-config.yaml")).toContain(
        "containerRuntimeEndpoint: unix:///run/containerd/containerd.sock",
      );
      // The roles' fact expression in the example's template, resolved per host.
      expect(fileOn(h, "/etc/kubernetes/worker/kubelet/kubelet-config.yaml")).toContain(
        `address: ${ADDRESSES[w]}\n`,
      );
      expect(fileOn(h, "/etc/kubernetes/worker/kubelet/kubeconfig")).toContain("k8s-01");
      expect(fileOn(h, "/etc/kubernetes/worker/kubelet/kubeconfig")).toContain("https://10.8.0.111:6443");
    }

    const againIo = recordingIo();
    expect(await main(["plan", "-i", INVENTORY, "--detailed-exitcode"], againIo, deps), againIo.out()).toBe(
      0,
    );
    expect(againIo.out()).toContain("no changes");
  });

  it("with one seed-only variable added, validate and plan refuse it naming both variables and their files, contacting no host", async () => {
    const dir = tempDir("mixed-");
    cpSync(EXAMPLE, dir, { recursive: true });
    const file = join(dir, "group_vars", "all.yml");
    const before = readFileSync(file, "utf8");
    writeFileSync(file, `${before}# left over from the seed's docker role\ndocker_version: "18.09.6"\n`);
    const line = before.split("\n").length + 1;
    const { deps } = fleet();
    let opened = 0;
    const counting = {
      ...deps,
      openTarget: (c: Parameters<typeof deps.openTarget>[0]) => {
        opened++;
        return deps.openTarget(c);
      },
    };
    for (const command of ["validate", "plan"]) {
      const io = recordingIo();
      expect(await main([command, "-i", join(dir, "hosts.yml")], io, counting)).toBe(1);
      const err = io.err();
      expect(err).toContain(`${file}:${line}: docker_version: a variable of the seed's roles, but `);
      const others = [
        ...err.matchAll(/but (\w+) in (\S+) is one of the current roles'; use one generation's names/g),
      ];
      expect(others.length).toBeGreaterThan(0);
      // Each variable it clashes with really is set in the file the message names.
      for (const [, variable, where] of others) {
        expect(where?.startsWith(dir)).toBe(true);
        expect(readFileSync(where as string, "utf8")).toMatch(new RegExp(`^${variable}:`, "m"));
      }
      // On the workers the two variables come from two files.
      expect(others.map((m) => m[2])).toContain(join(dir, "group_vars", "k8s_worker.yml"));
    }
    expect(opened).toBe(0);
  });
});
