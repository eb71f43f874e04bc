import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { CONTENT_LIMIT } from "../probe.js";
import { sha256 } from "./blobs.js";
import { freshDebianHost } from "./debian.js";
import { formatManifest } from "./manifest.js";
import { SimHost } from "./simhost.js";
import { file, type ProbeRow, runProbeRow } from "./table.fixture.js";

const manifestText = (members: { path: string; content: string }[]) =>
  formatManifest({
    source: "abc123",
    members: members.map((m) => ({ path: m.path, sha256: sha256(m.content) })),
  });

const big = "x".repeat(CONTENT_LIMIT + 1);

const rows: ProbeRow[] = [
  // file
  {
    promise: "a missing path is absent",
    overrides: {},
    probe: { type: "file", path: "/etc/nope" },
    expected: { type: "absent" },
  },
  {
    promise: "a regular file reports mode, owner, group and size without hash or content unless asked",
    overrides: { files: { "/etc/a": file("hello", 0o600, "daemon", "adm") } },
    probe: { type: "file", path: "/etc/a" },
    expected: { type: "file", mode: 0o600, owner: "daemon", group: "adm", size: 5 },
  },
  {
    promise: "a file probe with hash sha256 and content adds the hex digest and base64 bytes",
    overrides: { files: { "/etc/a": file("hello") } },
    probe: { type: "file", path: "/etc/a", hash: "sha256", content: true },
    expected: {
      type: "file",
      mode: 0o644,
      owner: "root",
      group: "root",
      size: 5,
      hash: sha256("hello"),
      contentBase64: Buffer.from("hello").toString("base64"),
    },
  },
  {
    promise: "hash sha512 gives the sha512 hex digest",
    overrides: { files: { "/etc/a": file("hello") } },
    probe: { type: "file", path: "/etc/a", hash: "sha512" },
    expected: {
      type: "file",
      mode: 0o644,
      owner: "root",
      group: "root",
      size: 5,
      hash: "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043",
    },
  },
  {
    promise: "content above CONTENT_LIMIT is hashed but not returned",
    overrides: { files: { "/etc/big": file(big) } },
    probe: { type: "file", path: "/etc/big", hash: "sha256", content: true },
    expected: {
      type: "file",
      mode: 0o644,
      owner: "root",
      group: "root",
      size: big.length,
      hash: sha256(big),
    },
  },
  {
    promise: "a directory reports its mode and owner",
    overrides: {},
    probe: { type: "file", path: "/tmp", hash: "sha256", content: true },
    expected: { type: "dir", mode: 0o1777, owner: "root", group: "root" },
  },
  {
    promise: "a symlink is reported as a link (lstat), not followed",
    overrides: {},
    probe: { type: "file", path: "/bin" },
    expected: { type: "link", target: "usr/bin" },
  },
  {
    promise: "a path through a symlinked directory resolves like the kernel does",
    overrides: { files: { "/usr/bin/tool": file("#!/bin/sh\n", 0o755) } },
    probe: { type: "file", path: "/bin/tool" },
    expected: { type: "file", mode: 0o755, owner: "root", group: "root", size: 10 },
  },
  {
    promise: "a trailing slash and doubled slashes name the same path",
    overrides: {},
    probe: { type: "file", path: "//etc//systemd/system/" },
    expected: { type: "dir", mode: 0o755, owner: "root", group: "root" },
  },
  // unit
  {
    promise: "a unit with a file under /lib/systemd/system is loaded with its service state",
    overrides: {},
    probe: { type: "unit", name: "ssh.service" },
    expected: { load: "loaded", active: "active", enabled: "enabled" },
  },
  {
    promise: "a unit file in /etc/systemd/system without service record is loaded, inactive and disabled",
    overrides: {
      files: { "/etc/systemd/system/x.service": file("[Service]\n[Install]\nWantedBy=multi-user.target\n") },
    },
    probe: { type: "unit", name: "x.service" },
    expected: { load: "loaded", active: "inactive", enabled: "disabled" },
  },
  {
    promise: "a unit file without an [Install] target is static",
    overrides: { files: { "/etc/systemd/system/x.service": file("[Service]\n[Install]\n# nothing\n") } },
    probe: { type: "unit", name: "x.service" },
    expected: { load: "loaded", active: "inactive", enabled: "static" },
  },
  {
    promise: "a unit without a unit file is not-found with an empty enabled word",
    overrides: {},
    probe: { type: "unit", name: "kubelet.service" },
    expected: { load: "not-found", active: "inactive", enabled: "" },
  },
  // sysctl
  {
    promise: "an existing sysctl reports its value",
    overrides: { sysctls: { "net.ipv4.ip_forward": "1" } },
    probe: { type: "sysctl", key: "net.ipv4.ip_forward" },
    expected: { value: "1" },
  },
  {
    promise: "a sysctl value shows whitespace runs as one space, like sysctl -n",
    overrides: { sysctls: { "net.ipv4.ip_local_port_range": "32768\t60999\n" } },
    probe: { type: "sysctl", key: "net.ipv4.ip_local_port_range" },
    expected: { value: "32768 60999" },
  },
  {
    promise: "an unknown sysctl key is null",
    overrides: {},
    probe: { type: "sysctl", key: "net.nope" },
    expected: { value: null },
  },
  // kmod
  {
    promise: "a built-in module is builtin and not loaded",
    overrides: {},
    probe: { type: "kmod", name: "br_netfilter" },
    expected: { loaded: false, builtin: true, persisted: false, available: true },
  },
  {
    promise: "a loaded module persisted in modules-load.d is found with - and _ treated alike",
    overrides: {
      kmods: { loaded: ["ip_vs_rr"] },
      files: { "/etc/modules-load.d/ipvs.conf": file("# ipvs\nip_vs\nip-vs-rr\n") },
    },
    probe: { type: "kmod", name: "ip-vs_rr" },
    expected: { loaded: true, builtin: false, persisted: true, available: true },
  },
  {
    promise: "only *.conf files in modules-load.d count as persisted",
    overrides: { files: { "/etc/modules-load.d/wg.disabled": file("wireguard\n") } },
    probe: { type: "kmod", name: "wireguard" },
    expected: { loaded: false, builtin: false, persisted: false, available: true },
  },
  // user / group
  {
    promise: "a user reports uid, gid, home, shell and its supplementary groups in /etc/group order",
    overrides: {
      users: {
        ada: { uid: 1000, gid: 1000, home: "/home/ada", shell: "/bin/bash", groups: ["sudo", "adm"] },
      },
      groups: {
        ada: { gid: 1000, members: [] },
        adm: { gid: 4, members: ["ada"] },
        sudo: { gid: 27, members: ["ada"] },
      },
    },
    probe: { type: "user", name: "ada" },
    expected: {
      exists: true,
      uid: 1000,
      gid: 1000,
      home: "/home/ada",
      shell: "/bin/bash",
      groups: ["adm", "sudo"],
    },
  },
  {
    promise: "a user's groups leave out its primary group even when /etc/group lists it as a member",
    overrides: {
      users: { ada: { uid: 1000, gid: 100, home: "/home/ada", shell: "/bin/sh", groups: [] } },
      groups: { users: { gid: 100, members: ["ada"] }, adm: { gid: 4, members: ["ada"] } },
    },
    probe: { type: "user", name: "ada" },
    expected: { exists: true, uid: 1000, gid: 100, home: "/home/ada", shell: "/bin/sh", groups: ["adm"] },
  },
  {
    promise: "a file owned by a uid no user holds shows UNKNOWN, as stat %U does",
    overrides: { files: { "/etc/a": file("x", 0o644, "4242", "0") } },
    probe: { type: "file", path: "/etc/a" },
    expected: { type: "file", mode: 0o644, owner: "UNKNOWN", group: "root", size: 1 },
  },
  {
    promise: "a missing user does not exist",
    overrides: {},
    probe: { type: "user", name: "ada" },
    expected: { exists: false },
  },
  {
    promise: "a group reports gid and members",
    overrides: { groups: { docker: { gid: 998, members: ["root"] } } },
    probe: { type: "group", name: "docker" },
    expected: { exists: true, gid: 998, members: ["root"] },
  },
  {
    promise: "a missing group does not exist",
    overrides: {},
    probe: { type: "group", name: "docker" },
    expected: { exists: false },
  },
  // package / swap
  {
    promise: "an installed package reports its version",
    overrides: { packages: { jq: "1.6-2.1" } },
    probe: { type: "package", name: "jq", manager: "apt" },
    expected: { version: "1.6-2.1" },
  },
  {
    promise: "an available but not installed package has no version",
    overrides: {},
    probe: { type: "package", name: "jq", manager: "apt" },
    expected: { version: null },
  },
  {
    promise: "swap lists the active devices",
    overrides: { swap: ["/swapfile"] },
    probe: { type: "swap" },
    expected: { active: ["/swapfile"] },
  },
  // manifest
  {
    promise: "a missing manifest does not exist",
    overrides: {},
    probe: { type: "manifest", path: "/var/lib/tend/manifests/x" },
    expected: { exists: false },
  },
  {
    promise: "a manifest re-hashes members: intact ok, altered or missing not ok",
    overrides: {
      files: {
        "/var/lib/tend/manifests/x": file(
          manifestText([
            { path: "/opt/b/intact", content: "one" },
            { path: "/opt/b/altered", content: "two" },
            { path: "/opt/b/gone", content: "three" },
          ]),
        ),
        "/opt/b/intact": file("one"),
        "/opt/b/altered": file("TWO"),
      },
    },
    probe: { type: "manifest", path: "/var/lib/tend/manifests/x" },
    expected: {
      exists: true,
      source: "abc123",
      members: [
        { path: "/opt/b/altered", sha256: sha256("two"), ok: false },
        { path: "/opt/b/gone", sha256: sha256("three"), ok: false },
        { path: "/opt/b/intact", sha256: sha256("one"), ok: true },
      ],
    },
  },
];

describe("SimHost probes", () => {
  it.each(rows)("$promise", runProbeRow);

  it("answers a batch in probe order in one round trip", async () => {
    const host = new SimHost();
    const r = await host.probe([
      { type: "swap" },
      { type: "sysctl", key: "vm.swappiness" },
      { type: "file", path: "/nope" },
    ]);
    expect(r).toEqual(E.right([{ active: [] }, { value: "60" }, { type: "absent" }]));
    expect(host.roundTrips).toBe(1);
  });

  it("hostFacts reports the host info with the active swap devices", async () => {
    const host = new SimHost(
      freshDebianHost({ wg0: "10.0.0.42", swap: ["/dev/sda2"], host: { hostname: "w1" } }),
    );
    const r = await host.hostFacts();
    expect(E.isRight(r) && r.right).toMatchObject({
      hostname: "w1",
      os: { family: "debian", id: "debian", versionId: "12" },
      interfaces: [
        { name: "lo", ipv4: ["127.0.0.1"] },
        { name: "wg0", ipv4: ["10.0.0.42"] },
      ],
      swap: ["/dev/sda2"],
      init: "systemd",
      downloaders: ["curl"],
      packageManager: "apt",
      user: "root",
    });
    expect(host.host).toBe("w1");
  });
});
