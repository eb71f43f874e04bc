/**
 * One op validation for both targets: an op that does not decode through the
 * refined `Op` codec is refused by ShellTarget (before any script is sent)
 * and by SimHost (before the state changes) in the same way, naming the
 * op's index and what was expected.
 */
import { existsSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plan } from "./engine/plan.js";
import { describeOp, type Op, opProblems } from "./op.js";
import { decodePlan, encodePlan } from "./plan/codec.js";
import { ShTransport, tempDir } from "./shell/sh-transport.test.js";
import { ShellTarget } from "./shell/target.js";
import { SimHost } from "./sim/simhost.js";

const own = { owner: "root", group: "root" };
const ok = { op: "mkdir", path: "/srv", mode: 0o755, ...own };
const extract = {
  op: "extract",
  archive: "/a.tgz",
  dest: "/opt",
  members: null,
  strip: 0,
  manifest: "/m",
  source: "",
  ...own,
  mode: 0o755,
};

/** [what, op, the field and expectation its refusal names]. */
const invalid: [string, unknown, string][] = [
  ["a mode above 0o7777", { ...ok, mode: 99999 }, "mode: expected a file mode 0..0o7777, got 99999"],
  ["a fractional mode", { ...ok, mode: 4.5 }, "mode: expected a file mode 0..0o7777"],
  ["a relative path", { ...ok, path: "a/../b" }, 'path: expected an absolute normalised path, got "a/../b"'],
  [
    "a path with ..",
    { op: "remove", path: "/etc/../etc/passwd" },
    "path: expected an absolute normalised path",
  ],
  ["a path with NUL", { op: "remove", path: "/etc/x\0y" }, "path: expected an absolute normalised path"],
  ["a trailing slash", { op: "remove", path: "/etc/" }, "path: expected an absolute normalised path"],
  [
    "a path past PATH_MAX (a 20 MB value)",
    { op: "remove", path: `/${"a".repeat(20 * 1024 * 1024)}` },
    "path: expected an absolute normalised path",
  ],
  [
    "an intent with no entry",
    { op: "intent", action: "add", restart: [], reload: false, at: "unit[a.service]" },
    "expected an intent op with an entry",
  ],
  [
    "an intent recorded at two lines",
    { op: "intent", action: "add", restart: ["a.service"], reload: false, at: "unit[a]\nrestart evil" },
    "at: expected one non-empty line",
  ],
  ["an unknown op", { op: "format", path: "/" }, "op: expected a known op (mkdir, writeFile"],
  ["no op at all", { path: "/" }, "op: expected a known op"],
  ["not an object", "rm -rf /", "op: expected a known op"],
  [
    "a unit that reads as an option",
    { op: "systemctl", verb: "start", unit: "--all" },
    "unit: expected a systemd unit name",
  ],
  [
    "a unit that is a path",
    { op: "systemctl", verb: "enable", unit: "../../passwd" },
    "unit: expected a systemd unit name",
  ],
  ["an unknown systemctl verb", { op: "systemctl", verb: "isolate", unit: "a.target" }, "verb: expected"],
  [
    "a sysctl key leaving /proc/sys",
    { op: "sysctl", key: "a/../../../../etc/cron.d/x", value: "1" },
    "key: expected a sysctl key",
  ],
  [
    "a module name that is a path",
    { op: "modprobe", name: "../../../etc/cron.d/evil" },
    "name: expected a kernel module name",
  ],
  ["a module that reads as an option", { op: "modprobe", name: "-r" }, "name: expected a kernel module name"],
  [
    "a package that reads as an option",
    { op: "packages", manager: "apt", install: ["-o=APT::x"] },
    "install[0]: expected a package name",
  ],
  ["an unknown package manager", { op: "packages", manager: "pip", install: ["x"] }, "manager: expected"],
  ["a user name with a colon", { op: "useradd", name: "a:b" }, "name: expected a user or group name"],
  [
    "a supplementary group that reads as an option",
    { op: "usermod", name: "etcd", groups: ["-x"] },
    "groups[0]: expected a user or group name",
  ],
  [
    "a relative login shell",
    { op: "useradd", name: "svc", shell: "bash" },
    "shell: expected an absolute normalised path",
  ],
  ["a negative gid", { op: "groupmod", name: "g", gid: -1 }, "gid: expected an integer ≥ 0"],
  ["an owner with a space", { ...ok, owner: "a b" }, "owner: expected a user or group name or a numeric id"],
  ["an empty argv", { op: "exec", argv: [] }, "argv: expected a non-empty argv"],
  ["an argv holding NUL", { op: "exec", argv: ["echo", "a\0b"] }, "argv[1]: expected text without NUL"],
  [
    "a member leaving the archive",
    { ...extract, members: ["../etc/passwd"] },
    "members[0]: expected a relative path",
  ],
  ["a negative strip", { ...extract, strip: -1 }, "strip: expected an integer ≥ 0"],
  ["a manifest source of two lines", { ...extract, source: "a\nb" }, "source: expected one line of text"],
  [
    "a file url",
    {
      op: "download",
      url: "file:///etc/shadow",
      checksum: null,
      path: "/x",
      record: "/r",
      mode: 0o644,
      ...own,
    },
    "url: expected an http, https or ftp URL",
  ],
  [
    "a checksum that is not hex",
    {
      op: "download",
      url: "https://h/x",
      checksum: { algo: "sha256", hex: "zz" },
      path: "/x",
      record: "/r",
      mode: 0o644,
      ...own,
    },
    "checksum.hex: expected hex digits",
  ],
];

let root: { dir: string; cleanup: () => void };
beforeAll(() => {
  root = tempDir("tend-op-");
});
afterAll(() => root.cleanup());

describe("ShellTarget and SimHost refuse the same invalid ops, before any op runs", () => {
  it.each(invalid)("%s", async (_what, bad, expected) => {
    expect(opProblems(bad).join("; ")).toContain(expected);
    const before = `${root.dir}/${Math.random().toString(16).slice(2)}`;
    const batch = [{ ...ok, path: before }, bad, { ...ok, path: `${before}-after` }] as Op[];

    const transport = new ShTransport();
    const shell = await new ShellTarget(transport, { stateDir: `${root.dir}/state` }).run(batch, new Map());
    const sim = new SimHost();
    const state = sim.state;
    const simmed = await sim.run(batch, new Map());

    const refusal = {
      _tag: "OpFailed",
      index: 1,
      op: bad,
      exitCode: -1,
      stderr: expect.stringContaining(expected),
    };
    expect(shell).toEqual(E.left({ ...refusal, host: transport.host }));
    expect(simmed).toEqual(E.left({ ...refusal, host: sim.host }));
    expect(
      E.isLeft(shell) && E.isLeft(simmed) && shell.left._tag === "OpFailed" && simmed.left._tag === "OpFailed"
        ? shell.left.stderr === simmed.left.stderr
        : false,
    ).toBe(true);
    // Nothing ran: no script reached the shell, the first op's directory is absent, SimHost's state is the same object.
    expect(transport.scripts).toEqual([]);
    expect(existsSync(before)).toBe(false);
    expect(sim.state).toBe(state);
  });

  it("an invalid op is described by its JSON, never by a crash or `undefined`", () => {
    expect(describeOp({ op: "packages", manager: "apt", install: "x" } as unknown as Op)).toBe(
      'invalid op {"op":"packages","manager":"apt","install":"x"}',
    );
  });

  it("valid ops of every kind pass the codec", () => {
    const valid: Op[] = [
      ok as Op,
      { op: "writeFile", path: "/etc/x", blob: "ab12", mode: 0o600, owner: "1000", group: "root" },
      { op: "setAttrs", path: "/" },
      { op: "systemctl", verb: "daemon-reload" },
      { op: "systemctl", verb: "restart", unit: "getty@tty1.service" },
      { op: "sysctl", key: "net/ipv4/conf/eth0.100/rp_filter", value: "1" },
      { op: "modprobe", name: "br_netfilter" },
      {
        op: "useradd",
        name: "etcd",
        groups: ["docker"],
        shell: "/usr/sbin/nologin",
        home: "/var/lib/etcd",
        system: true,
      },
      { op: "packages", manager: "dnf", install: ["kernel-core", "libc6:amd64"] },
      { op: "swapoff" },
      { op: "exec", argv: ["/usr/bin/etcdctl", "--endpoints=https://10.0.0.1:2379", "set", "/k", "{}"] },
      extract as Op,
    ];
    expect(valid.map(opProblems)).toEqual(valid.map(() => []));
  });

  it("a plan file holding an op the targets would refuse does not decode", async () => {
    const { plan: made } = await plan([{ kind: "directory", name: "/srv/data", props: {} }], new SimHost());
    const text = encodePlan(made);
    expect(E.isRight(decodePlan(text))).toBe(true);
    const edits: [string, string][] = [
      ['"mode": 493', '"mode": 99999'],
      ['"path": "/srv/data"', '"path": "/srv/../etc"'],
      ['"op": "mkdir"', '"op": "format"'],
    ];
    for (const [from, to] of edits) {
      expect(text).toContain(from);
      expect(E.isLeft(decodePlan(text.replaceAll(from, to)))).toBe(true);
    }
  });
});
