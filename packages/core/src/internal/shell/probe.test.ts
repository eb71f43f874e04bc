/**
 * ShellTarget.probe against the real /bin/sh of this machine: each probe kind
 * answers from real files in a temp dir (or from this machine's own state).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTENT_LIMIT, type Probe, type ProbeResult } from "../probe.js";
import { compileProbes } from "./probe-script.js";
import { ShTransport, tempDir } from "./sh-transport.test.js";
import { ShellTarget } from "./target.js";

const sha = (algo: string, b: Uint8Array | string) => createHash(algo).update(b).digest("hex");
const b64 = (b: Uint8Array | string) => Buffer.from(b).toString("base64");

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir, cleanup } = tempDir());
});
afterAll(() => cleanup());

/** Answers one probe, failing the test on a Left. */
const answer = async (p: Probe): Promise<ProbeResult> => {
  const r = await new ShellTarget(new ShTransport()).probe([p]);
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right[0] as ProbeResult;
};

interface Row {
  readonly promise: string;
  readonly setup?: (d: string) => void;
  readonly probe: (d: string) => Probe;
  readonly expected: (d: string) => unknown;
}

const bigBytes = Buffer.alloc(CONTENT_LIMIT + 1, 7);
const exactBytes = Buffer.alloc(CONTENT_LIMIT, 9);
const oddBytes = Buffer.from([0, 1, 10, 13, 39, 34, 92, 36, 96, 255, 254, 10]);

const files: Row[] = [
  {
    promise: "a missing path is absent",
    probe: (d) => ({ type: "file", path: `${d}/none` }),
    expected: () => ({ type: "absent" }),
  },
  {
    promise: "a regular file reports mode, owner, group, size, the requested digest and its bytes",
    setup: (d) => {
      writeFileSync(`${d}/f`, oddBytes);
      chmodSync(`${d}/f`, 0o4751);
    },
    probe: (d) => ({ type: "file", path: `${d}/f`, hash: "sha512", content: true }),
    expected: () => ({
      type: "file",
      mode: 0o4751,
      owner: "root",
      group: "root",
      size: oddBytes.length,
      hash: sha("sha512", oddBytes),
      contentBase64: b64(oddBytes),
    }),
  },
  {
    promise: "content is returned up to exactly CONTENT_LIMIT bytes",
    setup: (d) => writeFileSync(`${d}/exact`, exactBytes),
    probe: (d) => ({ type: "file", path: `${d}/exact`, content: true }),
    expected: () => ({
      type: "file",
      mode: 0o644,
      owner: "root",
      group: "root",
      size: CONTENT_LIMIT,
      contentBase64: b64(exactBytes),
    }),
  },
  {
    promise: "a file over CONTENT_LIMIT is hashed but its content is not returned",
    setup: (d) => writeFileSync(`${d}/big`, bigBytes),
    probe: (d) => ({ type: "file", path: `${d}/big`, hash: "sha256", content: true }),
    expected: () => ({
      type: "file",
      mode: 0o644,
      owner: "root",
      group: "root",
      size: bigBytes.length,
      hash: sha("sha256", bigBytes),
    }),
  },
  {
    promise: "an empty file has empty content",
    setup: (d) => writeFileSync(`${d}/empty`, ""),
    probe: (d) => ({ type: "file", path: `${d}/empty`, content: true }),
    expected: () => ({ type: "file", mode: 0o644, owner: "root", group: "root", size: 0, contentBase64: "" }),
  },
  {
    promise: "a directory reports mode, owner and group",
    setup: (d) => {
      mkdirSync(`${d}/sub`);
      chmodSync(`${d}/sub`, 0o1750);
    },
    probe: (d) => ({ type: "file", path: `${d}/sub`, hash: "sha256" }),
    expected: () => ({ type: "dir", mode: 0o1750, owner: "root", group: "root" }),
  },
  {
    promise: "a symlink is reported as a link (lstat), its target exact even with a trailing newline",
    setup: (d) => symlinkSync("../x y\n", `${d}/ln`),
    probe: (d) => ({ type: "file", path: `${d}/ln`, hash: "sha256", content: true }),
    expected: () => ({ type: "link", target: "../x y\n" }),
  },
  {
    promise: "a fifo is other",
    setup: (d) => execFileSync("mkfifo", [`${d}/fifo`]),
    probe: (d) => ({ type: "file", path: `${d}/fifo` }),
    expected: () => ({ type: "other" }),
  },
];

const manifestText = (d: string, ok: string, altered: string) =>
  `# source cafe01\n${sha("sha256", "one\n")}  ${d}/m/${ok}\n${sha("sha256", "two\n")}  ${d}/m/${altered}\n${sha("sha256", "3\n")}  ${d}/m/gone\n`;

const others: Row[] = [
  {
    promise: "a manifest reports its source and re-hashes each member: ok, altered, missing",
    setup: (d) => {
      mkdirSync(`${d}/m`);
      writeFileSync(`${d}/m/one`, "one\n");
      writeFileSync(`${d}/m/two words`, "changed\n");
      writeFileSync(`${d}/manifest`, manifestText(d, "one", "two words"));
    },
    probe: (d) => ({ type: "manifest", path: `${d}/manifest` }),
    expected: (d) => ({
      exists: true,
      source: "cafe01",
      members: [
        { path: `${d}/m/one`, sha256: sha("sha256", "one\n"), ok: true },
        { path: `${d}/m/two words`, sha256: sha("sha256", "two\n"), ok: false },
        { path: `${d}/m/gone`, sha256: sha("sha256", "3\n"), ok: false },
      ],
    }),
  },
  {
    promise: "a missing manifest does not exist",
    probe: (d) => ({ type: "manifest", path: `${d}/nomanifest` }),
    expected: () => ({ exists: false }),
  },
  {
    promise: "check reports exit code and stdout, never stderr, and reads no stdin",
    probe: () => ({ type: "check", argv: ["sh", "-c", "cat; printf 'out\\n'; echo err >&2; exit 5"] }),
    expected: () => ({ exitCode: 5, stdout: "out\n" }),
  },
  {
    promise: "check cuts stdout at CONTENT_LIMIT bytes",
    probe: () => ({ type: "check", argv: ["head", "-c", String(CONTENT_LIMIT + 100), "/dev/zero"] }),
    expected: () => ({ exitCode: 0, stdout: "\0".repeat(CONTENT_LIMIT) }),
  },
  {
    promise: "check of a missing command exits 127 and does not call a prelude function of the same name",
    probe: () => ({ type: "check", argv: ["tend_file", "/"] }),
    expected: () => ({ exitCode: 127, stdout: "" }),
  },
  {
    promise: 'an unknown unit is not-found, inactive, enabled ""',
    probe: () => ({ type: "unit", name: "tend-no-such.service" }),
    expected: () => ({ load: "not-found", active: "inactive", enabled: "" }),
  },
  {
    promise: "a sysctl reads /proc/sys with whitespace runs collapsed",
    probe: () => ({ type: "sysctl", key: "net.ipv4.ip_local_port_range" }),
    expected: () => ({
      value: readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).join(" "),
    }),
  },
  {
    promise: "a missing sysctl is null",
    probe: () => ({ type: "sysctl", key: "net.tend.none" }),
    expected: () => ({ value: null }),
  },
  {
    promise: "a sysctl key cannot leave /proc/sys",
    probe: () => ({ type: "sysctl", key: "../../etc/hostname" }),
    expected: () => ({ value: null }),
  },
  {
    promise:
      "a built-in module (overlay, also in /proc/filesystems) is builtin, not loaded, without /proc/modules",
    probe: () => ({ type: "kmod", name: "overlay" }),
    expected: () => ({ loaded: false, builtin: true, persisted: false, available: true }),
  },
  {
    promise: "a built-in br_netfilter, seen only through /proc/sys/net/bridge, is builtin",
    probe: () => ({ type: "kmod", name: "br_netfilter" }),
    expected: () => ({
      loaded: false,
      builtin: existsSync("/proc/sys/net/bridge/bridge-nf-call-iptables"),
      persisted: false,
      // Built in, or (on a kernel with modules on disk) loadable.
      available: existsSync("/proc/sys/net/bridge/bridge-nf-call-iptables") || existsSync("/lib/modules"),
    }),
  },
  {
    promise: "module names treat - and _ alike (a /sys/module entry asked for with dashes)",
    probe: () => ({
      type: "kmod",
      name: (readdirSync("/sys/module").find((m) => m.includes("_")) ?? "none").replaceAll("_", "-"),
    }),
    expected: () => ({ loaded: false, builtin: true, persisted: false, available: true }),
  },
  {
    promise: "a module name that is a path (.., with /) names no module",
    probe: () => ({ type: "kmod", name: ".." }),
    expected: () => ({ loaded: false, builtin: false, persisted: false, available: false }),
  },
  {
    promise: "an unknown module is neither loaded, builtin, persisted nor available",
    probe: () => ({ type: "kmod", name: "tend_no_such_module" }),
    expected: () => ({ loaded: false, builtin: false, persisted: false, available: false }),
  },
  {
    promise: "user root reports uid, gid, home, shell and supplementary groups without the primary",
    probe: () => ({ type: "user", name: "root" }),
    expected: () => {
      const [, , , , , home, shell] = execFileSync("getent", ["passwd", "root"], { encoding: "utf8" })
        .trim()
        .split(":");
      const groups = execFileSync("id", ["-Gn", "root"], { encoding: "utf8" })
        .trim()
        .split(" ")
        .filter((g) => g !== "root");
      return { exists: true, uid: 0, gid: 0, home, shell, groups };
    },
  },
  {
    promise: "a missing user does not exist",
    probe: () => ({ type: "user", name: "tend-nobody" }),
    expected: () => ({ exists: false }),
  },
  {
    promise: "a numeric user name is not looked up as a uid",
    probe: () => ({ type: "user", name: "0" }),
    expected: () => ({ exists: false }),
  },
  {
    promise: "group root reports gid and members",
    probe: () => ({ type: "group", name: "root" }),
    expected: () => ({
      exists: true,
      gid: 0,
      members: (execFileSync("getent", ["group", "root"], { encoding: "utf8" }).trim().split(":")[3] ?? "")
        .split(",")
        .filter(Boolean),
    }),
  },
  {
    promise: "a missing group does not exist",
    probe: () => ({ type: "group", name: "tend-nogroup" }),
    expected: () => ({ exists: false }),
  },
  {
    promise: "an installed deb reports its version",
    probe: () => ({ type: "package", name: "dash", manager: "apt" }),
    expected: () => ({
      version: execFileSync("dpkg-query", ["-W", "-f", "$" + "{Version}", "dash"], { encoding: "utf8" }),
    }),
  },
  {
    promise: "a package that is not installed has version null",
    probe: () => ({ type: "package", name: "tend-no-such-pkg", manager: "apt" }),
    expected: () => ({ version: null }),
  },
  {
    promise: "dnf packages on a host without rpm are not installed",
    probe: () => ({ type: "package", name: "bash", manager: "dnf" }),
    expected: () => ({ version: null }),
  },
  {
    promise: "swap lists the devices of /proc/swaps after its header",
    probe: () => ({ type: "swap" }),
    expected: () => ({
      active: readFileSync("/proc/swaps", "utf8")
        .split("\n")
        .slice(1)
        .map((l) => l.split(/\s+/)[0])
        .filter(Boolean),
    }),
  },
];

describe("ShellTarget.probe answers each kind from the real host", () => {
  it.each([...files, ...others].map((r) => [r.promise, r] as const))("%s", async (_, row) => {
    row.setup?.(dir);
    expect(await answer(row.probe(dir))).toEqual(row.expected(dir));
  });
});

describe("ShellTarget.probe batching", () => {
  it("answers a whole batch in one round trip, in order", async () => {
    const transport = new ShTransport();
    const probes: Probe[] = [...files, ...others].map((r) => r.probe(dir));
    const r = await new ShellTarget(transport).probe(probes);
    expect(E.isRight(r) && r.right.length).toBe(probes.length);
    expect(transport.roundTrips).toBe(1);
  });

  it("splits a batch past MAX_SCRIPT_BYTES into several execs and still answers in order", async () => {
    const transport = new ShTransport();
    // Distinct paths: identical probes would share one call.
    mkdirSync(`${dir}/split`, { recursive: true });
    for (let i = 1; i < 1500; i += 2) writeFileSync(join(dir, "split", `${i}`), "x");
    const long = (i: number) => `${dir}/${"d".repeat(100)}/../split/${i}`;
    mkdirSync(`${dir}/${"d".repeat(100)}`, { recursive: true });
    const probes: Probe[] = Array.from({ length: 1500 }, (_, i) =>
      i % 2 ? { type: "file", path: long(i) } : { type: "sysctl", key: `net.tend.k${i}` },
    );
    const r = await new ShellTarget(transport).probe(probes);
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    expect(transport.roundTrips).toBeGreaterThan(1);
    expect(transport.scripts.every((s) => Buffer.byteLength(s) <= 96 * 1024)).toBe(true);
    expect(r.right).toEqual(
      probes.map((_, i) =>
        i % 2 ? { type: "file", mode: 0o644, owner: "root", group: "root", size: 1 } : { value: null },
      ),
    );
  });

  it("shares calls: one tend_units for plain unit names, one tend_files for every path and digest, identical probes once", async () => {
    writeFileSync(`${dir}/shared`, "shared\n");
    const probes: Probe[] = [
      { type: "unit", name: "a.service" },
      { type: "file", path: `${dir}/shared`, hash: "sha256", content: true },
      { type: "unit", name: "kubelet" },
      { type: "file", path: `${dir}/shared` },
      { type: "unit", name: "b@x.socket" },
      { type: "file", path: `${dir}/shared`, hash: "sha512" },
      { type: "file", path: `${dir}/shared`, hash: "sha256" },
      { type: "unit", name: "a.service" },
      { type: "sysctl", key: "net.tend.none" },
      { type: "sysctl", key: "net.tend.none" },
    ];
    const { calls, frameOf } = compileProbes(probes);
    expect(calls.map((c) => c.text.replaceAll(dir, "D"))).toEqual([
      "'tend_units' '0 4' 'a.service' 'b@x.socket'",
      "'tend_files' '1,sha256,1 5,sha512,0 ' 'D/shared' 'D/shared'",
      "tend_frame 2 'tend_unit' 'kubelet'",
      "tend_frame 8 'tend_sysctl' '/proc/sys/net/tend/none'",
    ]);
    expect(calls.map((c) => c.frames)).toEqual([[0, 4], [1, 5], [2], [8]]);
    expect(frameOf).toEqual([0, 1, 2, 1, 4, 5, 1, 0, 8, 8]);
    const transport = new ShTransport();
    const together = await new ShellTarget(transport).probe(probes);
    expect(transport.roundTrips).toBe(1);
    const alone = await Promise.all(probes.map(answer));
    expect(together).toEqual(E.right(alone));
  });

  it("file bytes that imitate frames cannot forge an answer", async () => {
    const t = new ShellTarget(new ShTransport());
    const forged = "\nTEND-0 end 0\ntype absent\nTEND-0 begin 1\ntype absent\n";
    writeFileSync(`${dir}/forge`, forged);
    const r = await t.probe([
      { type: "file", path: `${dir}/forge`, content: true },
      { type: "check", argv: ["cat", `${dir}/forge`] },
    ]);
    expect(r).toEqual(
      E.right([
        expect.objectContaining({ type: "file", contentBase64: b64(forged) }),
        { exitCode: 0, stdout: forged },
      ]),
    );
  });

  it("a value no argv can carry (NUL) is a ProbeDecode naming that probe, before any exec", async () => {
    const transport = new ShTransport();
    const bad: Probe = { type: "file", path: "/etc/\0passwd" };
    const r = await new ShellTarget(transport, {}).probe([{ type: "swap" }, bad]);
    expect(r).toEqual(
      E.left(
        expect.objectContaining({
          _tag: "ProbeDecode",
          host: "local-sh",
          probe: bad,
          message: expect.stringContaining("NUL"),
        }),
      ),
    );
    expect(transport.roundTrips).toBe(0);
  });

  it("an answer the parser cannot read is a ProbeDecode naming the probe (host without stat)", async () => {
    class NoToolsTransport extends ShTransport {
      override exec(req: Parameters<ShTransport["exec"]>[0]) {
        return super.exec({ ...req, env: { PATH: "/nonexistent" } });
      }
    }
    const p: Probe = { type: "file", path: "/etc/passwd" };
    const r = await new ShellTarget(new NoToolsTransport("bare")).probe([p]);
    expect(r).toEqual(E.left(expect.objectContaining({ _tag: "ProbeDecode", host: "bare", probe: p })));
  });
});
