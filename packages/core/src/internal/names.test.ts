/**
 * The grammars of names and paths: each accepts what its owner (systemd,
 * the kernel, shadow, dpkg/rpm, curl) accepts and nothing that could leave
 * its place, read as an option, or fail to reach the host intact.
 */
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import {
  AbsPath,
  absPath,
  accountName,
  downloadUrl,
  type Grammar,
  kmodName,
  Mode,
  ownerName,
  packageName,
  problem,
  relPath,
  sysctlKey,
  unitName,
} from "./names.js";

const table: [string, Grammar, string[], string[]][] = [
  [
    "absolute normalised paths",
    absPath,
    ["/", "/etc/x", "/opt/a b/ü", "/a/.hidden", "/a/..b", `/${"n".repeat(255)}`, `/a/${"b/".repeat(2045)}c`],
    [
      "",
      "etc/x",
      "//etc",
      "/etc/",
      "/etc//x",
      "/a/./b",
      "/a/../b",
      "/..",
      "/a\0b",
      "/a\uD800",
      // NAME_MAX and PATH_MAX in bytes (ü is two), and a 20 MB path: refused, never sent to a host.
      `/${"n".repeat(256)}`,
      `/${"ü".repeat(128)}`,
      `/${"a/".repeat(2048)}b`,
      `/${"a".repeat(20 * 1024 * 1024)}`,
    ],
  ],
  [
    "relative member paths",
    relPath,
    ["bin/tool", "a", ".x/y"],
    ["", "/bin", "a//b", "./a", "a/..", "../etc/passwd", "a/", "a\nb", "a\0"],
  ],
  [
    "systemd unit names",
    unitName,
    [
      "docker.service",
      "getty@tty1.service",
      "getty@.service",
      "a:b_c.d-e.socket",
      "x.timer",
      `${"a".repeat(247)}.service`,
    ],
    [
      "",
      "docker",
      ".service",
      "@x.service",
      "a.unknown",
      "../../passwd",
      "a/b.service",
      "--all.service",
      "-.slice",
      "a b.service",
      "a\0.service",
      "a\n.service",
      `${"a".repeat(248)}.service`,
    ],
  ],
  [
    "sysctl keys",
    sysctlKey,
    [
      "net.ipv4.ip_forward",
      "net/ipv4/conf/eth0.100/rp_filter",
      "vm.swappiness",
      "net.ipv6.conf.all.forwarding",
    ],
    [
      "",
      "a/../../../../etc/cron.d/x",
      "net..x",
      ".net",
      "net.",
      "net/./x",
      "/net/x",
      "net.-x",
      "a=b",
      "net.ipv4 ip_forward",
      "net.\0",
      "a\nb",
    ],
  ],
  [
    "kernel module names",
    kmodName,
    ["br_netfilter", "ip_vs", "nf-conntrack", "a".repeat(55)],
    ["", "../../../etc/cron.d/evil", "-r", "a.b", "a/b", "a b", "a".repeat(56), "a\0"],
  ],
  [
    "user and group names",
    accountName,
    ["root", "etcd", "_apt", "kube-proxy", "machine$", "a".repeat(32)],
    ["", "Root", "-r", "1abc", "a b", "a:b", "a/b", "a$b", "a".repeat(33), "a\0"],
  ],
  ["file owners", ownerName, ["root", "0", "1000"], ["-1", "01", "1.5", "", "root\n"]],
  [
    "package names",
    packageName,
    ["curl", "libc6:amd64", "g++", "python3.11", "kernel-core", "NetworkManager"],
    ["", "-o=APT::x", "a b", "a/b", "a;b", "a\0"],
  ],
  [
    "download URLs",
    downloadUrl,
    ["https://dl.k8s.io/v1.30.0/bin/linux/amd64/kubelet", "http://127.0.0.1:8080/x.tgz", "ftp://h/x"],
    [
      "",
      "/etc/passwd",
      "file:///etc/passwd",
      "https://h/a b",
      "https://h/\nx",
      "javascript:alert(1)",
      "-o/tmp/x",
    ],
  ],
];

describe("names and paths follow their owner's grammar", () => {
  for (const [what, grammar, good, bad] of table) {
    it(`${what}: accepts ${good.length} and refuses ${bad.length} samples`, () => {
      expect(good.filter((s) => !grammar.test(s))).toEqual([]);
      expect(bad.filter((s) => grammar.test(s))).toEqual([]);
    });
  }

  it("an error says what was expected and quotes what it got", () => {
    expect(problem(absPath, "a/../b")).toBe('expected an absolute normalised path, got "a/../b"');
    expect(problem(unitName, 7)).toMatch(/^expected a systemd unit name .*, got 7$/);
  });

  it("the codecs refuse with the grammar's phrase", () => {
    const r = AbsPath.decode("/a/");
    expect(E.isLeft(r) && r.left[0]?.message).toBe("expected an absolute normalised path");
    const m = Mode.decode(99999);
    expect(E.isLeft(m) && m.left[0]?.message).toBe("expected a file mode 0..0o7777");
    expect(Mode.decode(0o7777)).toEqual(E.right(0o7777));
    expect([0.5, -1, 0o10000, "644", Number.NaN].map((v) => Mode.is(v))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
