/** resourcesForHost: group membership, cross-host facts, merges, download modes and errors. */
import type { Resource } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { artifactsFor, requiredChecksumUrls } from "./downloads.js";
import { describeModuleError, type ModuleError } from "./errors.js";
import { mergeDeclarations, resourcesForHost } from "./host.js";
import {
  clusterOf,
  factsFor,
  SEED_GROUP_VARS,
  seedContext,
  seedFacts,
  varsFor,
} from "./testing/seed-cluster.js";
import type { VarLayer } from "./vars/defaults.js";

const ok = (r: E.Either<ModuleError[], Resource[]>): Resource[] => {
  if (E.isLeft(r)) throw new Error(r.left.map(describeModuleError).join("\n"));
  return r.right;
};
const bad = (r: E.Either<ModuleError[], Resource[]>): ModuleError[] => {
  if (E.isRight(r)) throw new Error("expected errors");
  return r.left;
};
const ids = (rs: readonly Resource[]) => rs.map((r) => `${r.kind}[${r.name}]`);
const find = (rs: readonly Resource[], id: string) => rs.find((r) => `${r.kind}[${r.name}]` === id);
const unitText = (rs: readonly Resource[], name: string): string => {
  const unit = find(rs, `unit[${name}]`);
  if (!unit) throw new Error(`unit[${name}] is not declared`);
  return (unit.props as { content: string }).content;
};
const withVars = (host: string, vars: Record<string, unknown>): VarLayer[] => [
  SEED_GROUP_VARS,
  { origin: `host_vars/${host}.yml`, vars },
];
const flanneldFlag = (rs: readonly Resource[], flag: string) =>
  unitText(rs, "flanneld.service")
    .split("\n")
    .find((l) => l.trim().startsWith(`-${flag}=`))
    ?.trim()
    .replace(/ \\$/, "");

describe("group membership decides the modules", () => {
  it("an etcd host gets flanneld and Docker but no worker resources", () => {
    const rs = ok(resourcesForHost(seedContext("etcd1")));
    expect(ids(rs)).toContain("service[flanneld]");
    expect(ids(rs)).toContain("service[docker]");
    expect(ids(rs).filter((i) => /kubelet|kube-proxy|swap|package|sysctl/.test(i))).toEqual([]);
  });

  it("a host in no k8s group gets nothing", () => {
    expect(ok(resourcesForHost(seedContext("bastion", { groups: ["ungrouped"] })))).toEqual([]);
  });

  it("membership of k8s alone (no child group) is enough for flanneld and Docker", () => {
    const rs = ok(resourcesForHost(seedContext("controller1", { groups: ["k8s"] })));
    expect(ids(rs)).toContain("service[docker]");
  });

  it("shared declarations (k8s_conf_dir, /opt/tmp) appear once per host", () => {
    const rs = ok(resourcesForHost(seedContext("worker1")));
    expect(new Set(ids(rs)).size).toBe(rs.length);
    expect(find(rs, "directory[/var/lib/kubernetes]")?.origin).toBe(
      "@tend/modules/flannel, @tend/modules/kubernetes-worker",
    );
  });
});

describe("etcd, across hosts", () => {
  const groups = {
    k8s_etcd: ["etcd2", "etcd1", "etcd3"],
    k8s_worker: ["worker1"],
    k8s: ["etcd2", "etcd1", "etcd3", "worker1"],
  };
  const facts = new Map([
    ["etcd1", factsFor("etcd1", "10.8.0.1")],
    ["etcd2", factsFor("etcd2", "10.8.0.2")],
    ["etcd3", factsFor("etcd3", "10.8.0.3")],
    ["worker1", factsFor("worker1", "10.8.0.9")],
  ]);
  const ctx = (host: string) =>
    seedContext(host, {
      groups: Object.entries(groups)
        .filter(([, hs]) => hs.includes(host))
        .map(([g]) => g),
      facts: facts.get(host)!,
      cluster: clusterOf(facts, groups),
    });

  it("flanneld's etcd-endpoints are every k8s_etcd host's address, in inventory order", () => {
    const rs = ok(resourcesForHost(ctx("worker1")));
    expect(flanneldFlag(rs, "etcd-endpoints")).toBe(
      "-etcd-endpoints=https://10.8.0.2:2379,https://10.8.0.1:2379,https://10.8.0.3:2379",
    );
  });

  it("the flannel network key is declared on the first k8s_etcd host only", () => {
    const withKey = ["etcd2", "etcd1", "etcd3", "worker1"].filter((h) =>
      ok(resourcesForHost(ctx(h))).some((r) => r.kind === "etcdKey"),
    );
    expect(withKey).toEqual(["etcd2"]);
    const key = ok(resourcesForHost(ctx("etcd2"))).find((r) => r.kind === "etcdKey")!;
    expect(key.name).toBe("/kubernetes-cluster/network/config");
    expect(JSON.parse((key.props as { value: string }).value)).toEqual({
      Network: "10.200.0.0/16",
      Backend: { Type: "vxlan" },
    });
    expect(find(ok(resourcesForHost(ctx("etcd2"))), "service[flanneld]")?.deps).toContain(
      "etcdKey[/kubernetes-cluster/network/config]",
    );
  });

  it("an etcd host without facts or without the interface is an error naming that host", () => {
    const noFacts = new Map(facts);
    noFacts.delete("etcd1");
    const e1 = bad(resourcesForHost({ ...ctx("worker1"), cluster: clusterOf(noFacts, groups) }));
    expect(e1).toEqual([
      { _tag: "MissingHostFacts", host: "etcd1", neededBy: "worker1", why: "flanneld's etcd-endpoints" },
    ]);
    const noIface = new Map(facts).set("etcd3", factsFor("etcd3", undefined));
    const e2 = bad(resourcesForHost({ ...ctx("worker1"), cluster: clusterOf(noIface, groups) }));
    expect(e2.map(describeModuleError)).toEqual([
      "host etcd3: interface wg0 has no IPv4 address, needed by worker1 (etcd endpoints)",
    ]);
  });

  it("a cluster without etcd hosts is an error", () => {
    const e = bad(
      resourcesForHost({ ...ctx("worker1"), cluster: clusterOf(facts, { k8s_worker: ["worker1"] }) }),
    );
    expect(e[0]?._tag).toBe("NoEtcdHosts");
  });
});

describe("the host's own address", () => {
  it("a missing k8s_interface address is an error naming host and interface", () => {
    const e = bad(resourcesForHost(seedContext("worker1", { facts: factsFor("worker1", undefined) })));
    expect(e.map(describeModuleError)).toEqual([
      "host worker1: interface wg0 has no IPv4 address (k8s_interface)",
    ]);
  });

  it("an address of another interface is needed only where a declared resource uses it", () => {
    const extra = { k8s_worker_kubelet_settings_user: { "node-ip": "{{ ansible_eth9.ipv4.address }}" } };
    const on = (host: string) =>
      resourcesForHost(seedContext(host, { vars: varsFor(host, withVars(host, extra)) }));
    // etcd1 declares no kubelet, so its missing eth9 does not matter there...
    expect(E.isRight(on("etcd1"))).toBe(true);
    // ...but on a worker it does.
    expect(bad(on("worker1"))).toEqual([
      { _tag: "MissingInterfaceAddress", host: "worker1", interface: "eth9", neededBy: "worker1" },
    ]);
  });

  it("public-ip, node-ip and the configs follow the interface named by k8s_interface", () => {
    const all = new Map(
      [...seedFacts()].map(([h, f], i) => [
        h,
        { ...f, interfaces: [...f.interfaces, { name: "tap0", ipv4: [`172.16.0.${i + 5}`] }] },
      ]),
    );
    const vars = varsFor("worker1", [{ origin: "group_vars/all.yml", vars: { k8s_interface: "tap0" } }]);
    const rs = ok(
      resourcesForHost(seedContext("worker1", { vars, facts: all.get("worker1")!, cluster: clusterOf(all) })),
    );
    expect(flanneldFlag(rs, "etcd-endpoints")).toBe("-etcd-endpoints=https://172.16.0.5:2379");
    expect(flanneldFlag(rs, "public-ip")).toBe("-public-ip=172.16.0.7");
    expect(unitText(rs, "kubelet.service")).toContain("--node-ip=172.16.0.7");
  });
});

describe("settings_user", () => {
  it("changing dockerd_settings_user.mtu changes exactly the docker.service content", () => {
    const before = ok(resourcesForHost(seedContext("worker1")));
    const vars = varsFor("worker1", withVars("worker1", { dockerd_settings_user: { mtu: "1450" } }));
    const after = ok(resourcesForHost(seedContext("worker1", { vars })));
    expect(ids(after)).toEqual(ids(before));
    const changed = after
      .filter((r, i) => JSON.stringify(r) !== JSON.stringify(before[i]))
      .map((r) => `${r.kind}[${r.name}]`);
    expect(changed).toEqual(["unit[docker.service]"]);
    expect(unitText(after, "docker.service")).toContain("  --mtu=1450 \\\n");
    expect(unitText(before, "docker.service").replace("--mtu=1472", "--mtu=1450")).toBe(
      unitText(after, "docker.service"),
    );
  });

  it("a new flannel setting is inserted in key order", () => {
    const vars = varsFor(
      "worker1",
      withVars("worker1", { flannel_settings_user: { "kubeconfig-file": "/etc/k8s/k8s.cfg" } }),
    );
    const lines = unitText(ok(resourcesForHost(seedContext("worker1", { vars }))), "flanneld.service").split(
      "\n",
    );
    const flags = lines.filter((l) => l.startsWith("  -")).map((l) => l.trim().split("=")[0]);
    expect(flags).toEqual([...flags].sort());
    expect(flags).toContain("-kubeconfig-file");
  });

  it("a value with spaces or $ is quoted for systemd", () => {
    const vars = varsFor(
      "worker1",
      withVars("worker1", { dockerd_settings_user: { label: "a b", "x-y": "$HOME%" } }),
    );
    const text = unitText(ok(resourcesForHost(seedContext("worker1", { vars }))), "docker.service");
    expect(text).toContain('  "--label=a b" \\\n');
    expect(text).toContain("  --x-y=$$HOME%%\n");
  });
});

describe("downloads", () => {
  it("one mirror base replaces every upstream URL with the documented layout", () => {
    const vars = varsFor(
      "worker1",
      withVars("worker1", { tend_download_mirror: "http://127.0.0.1:8080/mirror/" }),
    );
    const rs = ok(resourcesForHost(seedContext("worker1", { vars })));
    const urls = rs.map((r) => (r.props as { url?: string }).url).filter((u) => u !== undefined);
    expect(urls.sort()).toEqual([
      "http://127.0.0.1:8080/mirror/cni-plugins/v0.7.5/cni-plugins-amd64-v0.7.5.tgz",
      "http://127.0.0.1:8080/mirror/docker/docker-18.09.6.tgz",
      "http://127.0.0.1:8080/mirror/flannel/v0.10.0/flanneld-amd64",
      "http://127.0.0.1:8080/mirror/kubernetes/v1.17.4/bin/linux/amd64/kube-proxy",
      "http://127.0.0.1:8080/mirror/kubernetes/v1.17.4/bin/linux/amd64/kubectl",
      "http://127.0.0.1:8080/mirror/kubernetes/v1.17.4/bin/linux/amd64/kubelet",
    ]);
    expect(requiredChecksumUrls(vars)).toEqual([
      "http://127.0.0.1:8080/mirror/kubernetes/v1.17.4/bin/linux/amd64/kube-proxy.sha256",
      "http://127.0.0.1:8080/mirror/kubernetes/v1.17.4/bin/linux/amd64/kubelet.sha256",
      "http://127.0.0.1:8080/mirror/kubernetes/v1.17.4/bin/linux/amd64/kubectl.sha256",
    ]);
  });

  it("a per-artifact URL wins over the mirror, and a flannel checksum is used when given", () => {
    const sha = "ab".repeat(32);
    const vars = varsFor(
      "worker1",
      withVars("worker1", {
        tend_download_mirror: "http://127.0.0.1:8080/m",
        flannel_download_url: "http://127.0.0.1:9/flanneld-{{ flannel_version }}",
        flannel_checksum: sha.toUpperCase(),
      }),
    );
    const rs = ok(resourcesForHost(seedContext("worker1", { vars })));
    expect(find(rs, "download[/usr/local/sbin/flanneld]")?.props).toMatchObject({
      url: "http://127.0.0.1:9/flanneld-v0.10.0",
      checksum: { algo: "sha256", hex: sha },
    });
  });

  it.each(["host", "controller"])(
    "a Kubernetes binary without a fetched or configured checksum is an error (download mode %s)",
    (mode) => {
      const vars = varsFor("worker1", withVars("worker1", { tend_download_mode: mode }));
      const e = bad(resourcesForHost(seedContext("worker1", { vars, checksums: new Map() })));
      expect(e.map((x) => x._tag === "MissingChecksum" && x.artifact)).toEqual([
        "kube-proxy",
        "kubelet",
        "kubectl",
      ]);
    },
  );

  it("k8s_worker_binary_checksums overrides fetching: those binaries need no .sha256", () => {
    const sha = "cd".repeat(32);
    const vars = varsFor(
      "worker1",
      withVars("worker1", { k8s_worker_binary_checksums: { kubelet: sha, "kube-proxy": sha, kubectl: sha } }),
    );
    expect(requiredChecksumUrls(vars)).toEqual([]);
    const rs = ok(resourcesForHost(seedContext("worker1", { vars, checksums: new Map() })));
    expect(find(rs, "download[/usr/local/bin/kubelet]")?.props).toMatchObject({
      checksum: { algo: "sha256", hex: sha },
    });
  });

  it("controller mode uploads cached artifacts as files and extracts archives from the uploaded copy", () => {
    const vars = varsFor("worker1", withVars("worker1", { tend_download_mode: "controller" }));
    const ctx = seedContext("worker1", { vars });
    const rs = ok(resourcesForHost(ctx));
    expect(rs.filter((r) => r.kind === "download")).toEqual([]);
    const cached = artifactsFor(vars, { checksums: ctx.checksums });
    const sources = rs
      .map((r) => (r.props as { source?: string }).source)
      .filter((s) => s?.startsWith(ctx.cacheDir));
    expect(sources.sort()).toEqual(cached.map((a) => `${ctx.cacheDir}/${a.cacheName}`).sort());
    expect(find(rs, "file[/usr/local/sbin/flanneld]")).toMatchObject({
      props: { mode: 0o750 },
      notify: ["service[flanneld]"],
    });
    expect(find(rs, "archive[/usr/local/bin]")?.props).toMatchObject({
      archive: "/opt/tmp/docker-18.09.6.tgz",
      strip: 1,
    });
    expect(find(rs, "archive[/opt/cni/bin]")?.props).toMatchObject({ archive: "/opt/tmp/0.7.5.tgz" });
    expect(
      cached.every((a) => a.checksum !== null || a.name === "flanneld" || a.name === "docker archive"),
    ).toBe(true);
  });
});

describe("docker extras and OS families", () => {
  it("registry CA certificates are copied, and update-ca-certificates is guarded by the bundle's content", () => {
    const vars = varsFor("worker1", withVars("worker1", { docker_ca_certificates: ["registry.crt"] }));
    const rs = ok(resourcesForHost(seedContext("worker1", { vars })));
    expect(find(rs, "file[/usr/local/share/ca-certificates/registry.crt]")?.props).toMatchObject({
      source: "/home/da_user/docker-ca-certificates/registry.crt",
      mode: 0o644,
    });
    const cmd = find(rs, "command[update-ca-certificates]")!;
    expect(cmd.props).toMatchObject({ argv: ["update-ca-certificates"] });
    expect((cmd.props as { unless: string[] }).unless.at(-1)).toBe(
      "/usr/local/share/ca-certificates/registry.crt",
    );
    expect(find(rs, "service[docker]")?.deps).toContain("command[update-ca-certificates]");
  });

  it("RedHat hosts get the RedHat package list; an unknown family is an error", () => {
    const rs = ok(
      resourcesForHost(seedContext("worker1", { facts: factsFor("worker1", "10.8.0.121", "redhat") })),
    );
    expect(ids(rs).filter((i) => i.startsWith("package["))).toEqual(
      ["ebtables", "ethtool", "ipset", "conntrack", "iptables", "iptstate", "net-tools"].map(
        (p) => `package[${p}]`,
      ),
    );
    const e = bad(
      resourcesForHost(seedContext("worker1", { facts: factsFor("worker1", "10.8.0.121", "arch") })),
    );
    expect(e).toEqual([{ _tag: "UnsupportedOsFamily", host: "worker1", family: "arch" }]);
  });

  it("tend_kernel_modules can drop IPVS modules for kernels without them", () => {
    const vars = varsFor("worker1", withVars("worker1", { tend_kernel_modules: ["br_netfilter"] }));
    const rs = ok(resourcesForHost(seedContext("worker1", { vars })));
    expect(ids(rs).filter((i) => i.startsWith("kmod["))).toEqual(["kmod[overlay]", "kmod[br_netfilter]"]);
  });

  it("an unsafe inventory hostname is refused before it reaches a file name", () => {
    const e = bad(resourcesForHost(seedContext("../etc", { groups: ["k8s_worker"] })));
    expect(e[0]?._tag).toBe("InvalidHostName");
  });
});

describe("mergeDeclarations", () => {
  it("different props under one id are a conflict naming both origins", () => {
    const r = (mode: number, origin: string) => ({ kind: "directory", name: "/x", props: { mode }, origin });
    expect(bad(mergeDeclarations("h", [r(0o700, "a"), r(0o755, "b")]))).toEqual([
      { _tag: "ConflictingResource", host: "h", id: "directory[/x]", origins: ["a", "b"] },
    ]);
  });

  it("the same props under one id merge, uniting deps and notify", () => {
    const a = { kind: "file", name: "/x", props: { mode: 1 }, deps: ["a"], origin: "m1" };
    const b = {
      kind: "file",
      name: "/x",
      props: { mode: 1 },
      deps: ["b"],
      notify: ["service[s]"],
      origin: "m2",
    };
    expect(ok(mergeDeclarations("h", [a, b]))).toEqual([
      {
        kind: "file",
        name: "/x",
        props: { mode: 1 },
        deps: ["a", "b"],
        notify: ["service[s]"],
        origin: "m1, m2",
      },
    ]);
  });
});

it("the seed facts fixture covers every seed host", () => {
  expect([...seedFacts().keys()]).toEqual(["etcd1", "controller1", "worker1", "worker2"]);
});
