/**
 * Ops that are not safe to run on this machine (accounts, services, kernel,
 * packages) checked at the level of the command line they compile to: a
 * fixture table of op → the exact line in the run script.
 */
import { describe, expect, it } from "vitest";
import type { Op } from "../op.js";
import { opLine } from "./op-script.js";

const paths = { stateDir: "/var/lib/tend", pendingPath: "/var/lib/tend/pending-restarts" };
const line = (op: Op) => opLine(op, 4, "r4", paths);

const table: [promise: string, op: Op, expected: string][] = [
  [
    "daemon-reload takes no unit",
    { op: "systemctl", verb: "daemon-reload" },
    "tend_op 4 'tend_systemctl' 'daemon-reload' < /dev/null",
  ],
  [
    "a systemctl verb quotes its unit",
    { op: "systemctl", verb: "restart", unit: "a b.service" },
    "tend_op 4 'tend_systemctl' 'restart' 'a b.service' < /dev/null",
  ],
  [
    "sysctl sets the key through its /proc/sys path",
    { op: "sysctl", key: "net.ipv4.ip_forward", value: "1" },
    "tend_op 4 'tend_sysctl_set' 'net.ipv4.ip_forward' '/proc/sys/net/ipv4/ip_forward' '1' < /dev/null",
  ],
  [
    "modprobe passes the name as given and with - as _ (for the built-in test)",
    { op: "modprobe", name: "br-netfilter" },
    "tend_op 4 'tend_modprobe' 'br-netfilter' 'br_netfilter' < /dev/null",
  ],
  [
    "groupadd passes gid and -r",
    { op: "groupadd", name: "etcd", gid: 990, system: true },
    "tend_op 4 'groupadd' '-g' '990' '-r' '--' 'etcd' < /dev/null",
  ],
  [
    "groupmod sets the gid",
    { op: "groupmod", name: "etcd", gid: 991 },
    "tend_op 4 'groupmod' '-g' '991' '--' 'etcd' < /dev/null",
  ],
  [
    "useradd passes every given field and creates a given home (-m)",
    {
      op: "useradd",
      name: "etcd",
      uid: 990,
      group: "etcd",
      groups: ["a", "b"],
      shell: "/usr/sbin/nologin",
      home: "/var/lib/etcd",
      system: true,
    },
    "tend_op 4 'useradd' '-u' '990' '-g' 'etcd' '-G' 'a,b' '-s' '/usr/sbin/nologin' '-d' '/var/lib/etcd' '-r' '-m' '--' 'etcd' < /dev/null",
  ],
  [
    "useradd without a home creates none (-M)",
    { op: "useradd", name: "svc" },
    "tend_op 4 'useradd' '-M' '--' 'svc' < /dev/null",
  ],
  [
    "usermod with groups [] clears the supplementary groups",
    { op: "usermod", name: "etcd", groups: [] },
    "tend_op 4 'usermod' '-G' '' '--' 'etcd' < /dev/null",
  ],
  [
    "apt installs through the prelude (update when no lists)",
    { op: "packages", manager: "apt", install: ["curl", "jq"] },
    "tend_op 4 'tend_apt' 'curl' 'jq' < /dev/null",
  ],
  [
    "dnf installs with -y",
    { op: "packages", manager: "dnf", install: ["curl"] },
    "tend_op 4 'dnf' 'install' '-y' '--' 'curl' < /dev/null",
  ],
  ["swapoff turns off all swap", { op: "swapoff" }, "tend_op 4 'swapoff' '-a' < /dev/null"],
  [
    "an intent names the action it was recorded at, quoted as one argument",
    { op: "intent", action: "add", restart: ["a.service"], reload: true, at: "file[/etc/a b]" },
    "tend_op 4 'tend_intent' 'add' '/var/lib/tend/pending-restarts' '/var/lib/tend/.pending-restarts.tend-r4' 'file[/etc/a b]' 'restart a.service' 'daemon-reload' < /dev/null",
  ],
  [
    "a value holding NUL is refused at its op, naming it",
    { op: "exec", argv: ["echo", "a\0b"] },
    `tend_op 4 tend_fail 'refused: cannot pass "a\\u0000b" to the shell: it contains NUL, which no shell argument can carry' < /dev/null`,
  ],
];

describe("ops compile to one quoted call each", () => {
  it.each(table)("%s", (_, op, expected) => {
    expect(line(op)).toBe(expected);
  });

  it("writeFile reads its blob from stdin (no /dev/null) with a temp name beside the path", () => {
    expect(
      opLine(
        { op: "writeFile", path: "/etc/a b", blob: "x", mode: 0o644, owner: "root", group: "root" },
        0,
        "r0",
        paths,
        12,
      ),
    ).toBe("tend_op 0 tend_write '/etc/a b' '/etc' '/etc/.a b.tend-r0' '12' '00644' 'root' 'root'");
  });
});
