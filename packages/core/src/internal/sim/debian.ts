/**
 * freshDebianHost: a SimState shaped like a just-installed Debian 12 worker
 * (the debootstrap image the real-host tests use), with a wg0 interface.
 */
import { loadableUnits } from "./ops.js";
import type { SimFile, SimHostInfo, SimState } from "./state.js";
import { withParents } from "./state.js";
import { resolvePath } from "./vfs.js";

/** Changes to a fresh host: records are merged key by key, lists replace, `host` is merged shallowly. */
export interface SimStateOverrides {
  readonly files?: Readonly<Record<string, SimFile>>;
  readonly users?: SimState["users"];
  readonly groups?: SimState["groups"];
  readonly packages?: SimState["packages"];
  readonly available?: {
    readonly packages?: SimState["available"]["packages"];
    readonly urls?: SimState["available"]["urls"];
  };
  readonly services?: SimState["services"];
  readonly sysctls?: SimState["sysctls"];
  readonly kmods?: Partial<SimState["kmods"]>;
  readonly swap?: SimState["swap"];
  readonly host?: Partial<SimHostInfo>;
  /** Shortcut for the IPv4 address of wg0 (default 10.0.0.11). */
  readonly wg0?: string;
}

const dir = (mode = 0o755, owner = "root", group = "root"): SimFile => ({ type: "dir", mode, owner, group });
const text = (s: string, mode = 0o644): SimFile => ({
  type: "file",
  content: Buffer.from(s, "utf8").toString("base64"),
  mode,
  owner: "root",
  group: "root",
});

const OS_RELEASE = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
`;

const FSTAB =
  "# /etc/fstab: static file system information.\n#\n# <file system> <mount point>   <type>  <options>       <dump>  <pass>\n";

const SSH_UNIT = `[Unit]
Description=OpenBSD Secure Shell server
After=network.target auditd.service

[Service]
ExecStart=/usr/sbin/sshd -D $SSHD_OPTS
Type=notify

[Install]
WantedBy=multi-user.target
`;

/** Debian 12 merges /usr: /bin, /sbin and /lib are links into /usr. */
const baseFiles = (hostname: string): Record<string, SimFile> => ({
  "/bin": { type: "link", target: "usr/bin" },
  "/sbin": { type: "link", target: "usr/sbin" },
  "/lib": { type: "link", target: "usr/lib" },
  "/usr/bin": dir(),
  "/usr/sbin": dir(),
  "/usr/local/bin": dir(),
  "/usr/local/sbin": dir(),
  "/usr/lib/systemd/system/ssh.service": text(SSH_UNIT),
  "/etc/systemd/system/multi-user.target.wants": dir(),
  "/etc/sysctl.d": dir(),
  "/etc/modules-load.d": dir(),
  "/etc/default": dir(),
  "/etc/fstab": text(FSTAB),
  // Stand-ins for Debian's skeleton files (useradd -m copies them; the bytes differ from a real image).
  "/etc/skel/.bashrc": text("# ~/.bashrc: executed by bash(1) for non-login shells.\n"),
  "/etc/skel/.profile": text("# ~/.profile: executed by the command interpreter for login shells.\n"),
  "/etc/skel/.bash_logout": text("# ~/.bash_logout: executed by bash(1) when login shell exits.\n"),
  "/etc/hostname": text(`${hostname}\n`),
  "/etc/os-release": text(OS_RELEASE),
  "/var/lib": dir(),
  "/var/log": dir(),
  "/var/cache": dir(),
  "/opt": dir(),
  "/home": dir(),
  "/root": dir(0o700),
  "/tmp": dir(0o1777),
  "/run": dir(),
});

const BASE_PACKAGES: Record<string, string> = {
  apt: "2.6.1",
  "ca-certificates": "20230311",
  curl: "7.88.1-10+deb12u5",
  iproute2: "6.1.0-3",
  kmod: "30+20221128-1",
  "openssh-server": "1:9.2p1-2+deb12u2",
  procps: "2:4.0.2-3",
  sudo: "1.9.13p3-1+deb12u1",
  systemd: "252.22-1~deb12u1",
  "systemd-sysv": "252.22-1~deb12u1",
};

/** What apt could install here beyond the base system (names a worker's modules ask for). */
const REPO_PACKAGES: Record<string, string> = {
  ...BASE_PACKAGES,
  conntrack: "1:1.4.7-1+b2",
  ebtables: "2.0.11-5",
  ethtool: "1:6.1-1",
  ipset: "7.17-1",
  jq: "1.6-2.1",
  "nfs-common": "1:2.6.2-4",
  socat: "1.7.4.4-2",
  "wireguard-tools": "1.0.20210914-1+b1",
  "docker.io": "20.10.24+dfsg1-1+b3",
  containerd: "1.6.20~ds1-1+b1",
};

/** Adds `extra` under their canonical paths, so "/lib/systemd/system/x" lands in /usr/lib like on the host. */
const placeFiles = (
  base: Record<string, SimFile>,
  extra: Readonly<Record<string, SimFile>>,
): Record<string, SimFile> => {
  const out = { ...base };
  for (const [path, entry] of Object.entries(extra)) out[resolvePath(out, path, false)] = entry;
  return withParents(out);
};

/**
 * A realistic fresh Debian 12 host: root and the base system accounts, the
 * usual directories 0755 root:root, /etc/fstab without swap, ssh running,
 * apt/curl/systemd installed, interfaces lo and wg0 (10.0.0.11 unless
 * `overrides.wg0`), overlay/br_netfilter/vxlan built in.
 */
export const freshDebianHost = (overrides: SimStateOverrides = {}): SimState => {
  const hostname = overrides.host?.hostname ?? "node1";
  const host: SimHostInfo = {
    hostname,
    os: { family: "debian", id: "debian", versionId: "12", prettyName: "Debian GNU/Linux 12 (bookworm)" },
    kernel: "6.1.0-18-amd64",
    arch: "x86_64",
    interfaces: [
      { name: "lo", ipv4: ["127.0.0.1"] },
      { name: "wg0", ipv4: [overrides.wg0 ?? "10.0.0.11"] },
    ],
    init: "systemd",
    downloaders: ["curl"],
    packageManager: "apt",
    user: "root",
    ...overrides.host,
  };
  const state: SimState = {
    files: placeFiles(withParents(baseFiles(hostname)), overrides.files ?? {}),
    users: {
      root: { uid: 0, gid: 0, home: "/root", shell: "/bin/bash", groups: [] },
      daemon: { uid: 1, gid: 1, home: "/usr/sbin", shell: "/usr/sbin/nologin", groups: [] },
      bin: { uid: 2, gid: 2, home: "/bin", shell: "/usr/sbin/nologin", groups: [] },
      sys: { uid: 3, gid: 3, home: "/dev", shell: "/usr/sbin/nologin", groups: [] },
      nobody: { uid: 65534, gid: 65534, home: "/nonexistent", shell: "/usr/sbin/nologin", groups: [] },
      sshd: { uid: 100, gid: 65534, home: "/run/sshd", shell: "/usr/sbin/nologin", groups: [] },
      ...overrides.users,
    },
    groups: {
      root: { gid: 0, members: [] },
      daemon: { gid: 1, members: [] },
      bin: { gid: 2, members: [] },
      sys: { gid: 3, members: [] },
      adm: { gid: 4, members: [] },
      tty: { gid: 5, members: [] },
      disk: { gid: 6, members: [] },
      sudo: { gid: 27, members: [] },
      users: { gid: 100, members: [] },
      systemd_journal: { gid: 999, members: [] },
      nogroup: { gid: 65534, members: [] },
      ...overrides.groups,
    },
    packages: { ...BASE_PACKAGES, ...overrides.packages },
    available: {
      packages: { ...REPO_PACKAGES, ...overrides.available?.packages },
      urls: { ...overrides.available?.urls },
    },
    services: { "ssh.service": { active: "active", enabled: "enabled" }, ...overrides.services },
    loadedUnits: {},
    sysctls: {
      "kernel.panic": "0",
      "fs.inotify.max_user_watches": "8192",
      "net.bridge.bridge-nf-call-iptables": "1",
      "net.bridge.bridge-nf-call-ip6tables": "1",
      "net.ipv4.conf.all.forwarding": "0",
      "net.ipv4.ip_forward": "0",
      "net.ipv6.conf.all.forwarding": "0",
      "vm.overcommit_memory": "0",
      "vm.swappiness": "60",
      ...overrides.sysctls,
    },
    kmods: {
      loaded: [],
      builtin: ["overlay", "br_netfilter", "vxlan"],
      loadable: ["wireguard", "ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh", "nf_conntrack"],
      ...overrides.kmods,
    },
    swap: [...(overrides.swap ?? [])],
    host,
  };
  // systemd read every unit file present at boot.
  return { ...state, loadedUnits: loadableUnits(state) };
};
