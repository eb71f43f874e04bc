/**
 * The apply lock, the stale check and the no-leftovers promise of
 * ShellTarget, against the real /bin/sh and flock(1) of this machine. Each
 * test has its own state dir, so its lock is its own.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { describeTargetError } from "../engine/errors.js";
import type { Op } from "../op.js";
import type { Probe } from "../probe.js";
import type { ExecRequest } from "../transport.js";
import { ShTransport, tempDir } from "./sh-transport.test.js";
import { ShellTarget } from "./target.js";

let root: string;
let cleanup: () => void;
let d: string;
let n = 0;
beforeAll(() => {
  ({ dir: root, cleanup } = tempDir("tend-lock-"));
});
afterAll(() => cleanup());
beforeEach(() => {
  d = `${root}/t${n++}`;
  mkdirSync(d);
});

/**
 * Scripts run in a private network namespace: the digest covers the host's
 * links (`ip -o link`), and on this machine other suites add and remove veth
 * pairs at any moment, which would make a plan stale between two steps here.
 */
const isolated = () => new ShTransport("local-sh", undefined, ["unshare", "--net", "--"]);
const target = (transport: ShTransport = isolated()) =>
  new ShellTarget(transport, { stateDir: `${d}/state` });
const sh = (script: string): Op => ({ op: "exec", argv: ["sh", "-c", script] });
const waitFor = async (path: string): Promise<void> => {
  for (let i = 0; i < 2000 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 10));
  if (!existsSync(path)) throw new Error(`${path} never appeared`);
};
const mkdirOp = (path: string): Op => ({ op: "mkdir", path, mode: 0o755, owner: "root", group: "root" });
/** An op that holds its run until `release` exists, after saying it started (and its script's pid). */
const holdUntil = (started: string, release: string): Op =>
  sh(
    `echo "$PPID" > '${started}.tmp' && mv '${started}.tmp' '${started}'; i=0; while [ ! -e '${release}' ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i+1)); done`,
  );

describe("one apply per host at a time", () => {
  it("a run while another holds the lock is refused naming the holder (controller, pid, time), and runs no op", async () => {
    const a = target().run([holdUntil(`${d}/started`, `${d}/release`)], new Map(), {
      holder: { controller: "ci-7", pid: 4242 },
    });
    await waitFor(`${d}/started`);
    const b = await target().run([mkdirOp(`${d}/b-ran`)], new Map(), {
      holder: { controller: "ci-8", pid: 1 },
    });
    writeFileSync(`${d}/release`, "");
    expect(E.isRight(await a)).toBe(true);
    expect(b).toEqual(
      E.left({
        _tag: "Locked",
        host: "local-sh",
        holder: {
          controller: "ci-7",
          pid: 4242,
          since: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        },
      }),
    );
    if (E.isLeft(b))
      expect(describeTargetError(b.left)).toMatch(
        /^local-sh: another apply holds the lock: controller ci-7 pid 4242 since \d{4}-/,
      );
    expect(existsSync(`${d}/b-ran`)).toBe(false);
    // Released at the end of the run: the next one goes ahead.
    expect(E.isRight(await target().run([mkdirOp(`${d}/c-ran`)], new Map()))).toBe(true);
    expect(existsSync(`${d}/c-ran`)).toBe(true);
  });

  it("SIGKILL of the holder's script group releases the lock (the kernel drops flock), and the next run proceeds and removes its temp dir", async () => {
    const a = target().run([holdUntil(`${d}/started`, `${d}/never`)], new Map());
    await waitFor(`${d}/started`);
    const pid = Number(readFileSync(`${d}/started`, "utf8").trim());
    const runTmp = `${d}/state/run/tmp`;
    expect(readdirSync(runTmp)).toEqual([`run.${pid}`]);
    process.kill(-pid, "SIGKILL");
    const killed = await a;
    expect(E.isLeft(killed) && killed.left._tag).toBe("OpFailed");
    // The killed script could not remove its temp dir; the next run, under the lock, does.
    expect(readdirSync(runTmp)).toEqual([`run.${pid}`]);
    expect(E.isRight(await target().run([mkdirOp(`${d}/b-ran`)], new Map()))).toBe(true);
    expect(existsSync(`${d}/b-ran`)).toBe(true);
    expect(readdirSync(runTmp)).toEqual([]);
  });

  it("with lockWaitMs a run waits for the holder, then runs", async () => {
    const a = target().run([holdUntil(`${d}/started`, `${d}/release`)], new Map());
    await waitFor(`${d}/started`);
    const b = target().run([mkdirOp(`${d}/b-ran`)], new Map(), { lockWaitMs: 60_000 });
    // Released only once b is waiting in flock -w on this test's lock file.
    for (let i = 0; i < 2000; i++) {
      const waiting = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
        .split("\n")
        .some((l) => l.startsWith("flock -w 60 9"));
      if (waiting) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(existsSync(`${d}/b-ran`)).toBe(false);
    writeFileSync(`${d}/release`, "");
    expect(E.isRight(await a)).toBe(true);
    expect(E.isRight(await b)).toBe(true);
    expect(existsSync(`${d}/b-ran`)).toBe(true);
  });

  it("a host without flock(1) is refused with LockUnavailable naming flock, and no op runs", async () => {
    // A PATH with every tool of this machine but flock.
    const bin = `${d}/bin`;
    mkdirSync(bin);
    for (const dir of ["/usr/bin", "/bin", "/usr/sbin", "/sbin"])
      for (const f of existsSync(dir) ? readdirSync(dir) : [])
        if (f !== "flock" && !existsSync(`${bin}/${f}`)) symlinkSync(`${dir}/${f}`, `${bin}/${f}`);
    class NoFlock extends ShTransport {
      override exec(req: ExecRequest) {
        return super.exec({ ...req, env: { PATH: bin } });
      }
    }
    const r = await target(new NoFlock()).run([mkdirOp(`${d}/ran`)], new Map());
    expect(E.isLeft(r) && r.left._tag).toBe("LockUnavailable");
    if (E.isLeft(r)) expect(describeTargetError(r.left)).toContain("flock(1) is not installed");
    expect(existsSync(`${d}/ran`)).toBe(false);
  });
});

describe("a batch too big for one exec", () => {
  const many = () =>
    Array.from({ length: 500 }, (_, i) => mkdirOp(`${d}/${"long-dir-name-".repeat(16)}${i}`));

  it("runs its chunks each under the lock, and all of them", async () => {
    const transport = new ShTransport();
    const r = await target(transport).run(many(), new Map());
    expect(r).toEqual(E.right({ completed: 500 }));
    expect(transport.roundTrips).toBeGreaterThan(1);
  });

  it("stops as Stale, naming the ops done, when another apply took the lock between two chunks", async () => {
    class Interloper extends ShTransport {
      override async exec(req: ExecRequest) {
        const r = await super.exec(req);
        // After the first chunk: another apply takes the lock and records itself.
        if (this.roundTrips === 1)
          writeFileSync(`${d}/state/lock/tend.lock.holder`, "ci-9\n99\nnow\nother\n");
        return r;
      }
    }
    const r = await target(new Interloper()).run(many(), new Map());
    expect(E.isLeft(r) && r.left._tag).toBe("Stale");
    if (E.isLeft(r) && r.left._tag === "Stale") {
      expect(r.left.completed).toBeGreaterThan(0);
      expect(r.left.completed).toBeLessThan(500);
      expect(existsSync(`${d}/${"long-dir-name-".repeat(16)}${r.left.completed}`)).toBe(false);
    }
  });
});

describe("the stale check runs under the lock, in the ops' own exec", () => {
  it("observe gives the same digest for an unchanged host, and run refuses (Stale, no op) once a probed file changed", async () => {
    const f = `${d}/conf`;
    writeFileSync(f, "one\n");
    const probes: Probe[] = [
      { type: "file", path: f, hash: "sha256", content: true },
      { type: "swap" },
      { type: "unit", name: "nonexistent-tend-test.service" },
    ];
    const transport = isolated();
    const t = target(transport);
    const first = await t.observe(probes);
    const second = await t.observe(probes);
    if (E.isLeft(first) || E.isLeft(second)) throw new Error("observe failed");
    expect(second.right.digest).toBe(first.right.digest);
    const expectNow = { probes, digest: first.right.digest };
    // Unchanged: the ops run, in one round trip with the check.
    const before = transport.roundTrips;
    expect(E.isRight(await t.run([mkdirOp(`${d}/one`)], new Map(), { expect: expectNow }))).toBe(true);
    expect(transport.roundTrips - before).toBe(1);
    writeFileSync(f, "two\n");
    const r = await t.run([mkdirOp(`${d}/two`)], new Map(), { expect: expectNow });
    expect(r).toEqual(E.left({ _tag: "Stale", host: "local-sh", completed: 0 }));
    expect(existsSync(`${d}/two`)).toBe(false);
  });

  it("a batch of probes split across several execs checks as one digest", async () => {
    const probes: Probe[] = Array.from({ length: 1500 }, (_, i) => ({
      type: "file",
      path: `${d}/${"long-name-".repeat(8)}${i}`,
    }));
    writeFileSync(`${d}/${"long-name-".repeat(8)}7`, "x");
    const transport = isolated();
    const t = target(transport);
    const seen = await t.observe(probes);
    if (E.isLeft(seen)) throw new Error("observe failed");
    expect(transport.roundTrips).toBeGreaterThan(1);
    const expectNow = { probes, digest: seen.right.digest };
    expect(E.isRight(await t.run([mkdirOp(`${d}/one`)], new Map(), { expect: expectNow }))).toBe(true);
    writeFileSync(`${d}/${"long-name-".repeat(8)}1499`, "new");
    const r = await t.run([mkdirOp(`${d}/two`)], new Map(), { expect: expectNow });
    expect(E.isLeft(r) && r.left._tag).toBe("Stale");
  });
});

describe("no leftovers", () => {
  it("probe execs make no temp dir outside the run dir, and remove dirs of dead execs (probe or op) but not of live ones", async () => {
    const tmp = `${d}/tmp`;
    mkdirSync(tmp);
    class TmpEnv extends ShTransport {
      override exec(req: ExecRequest) {
        return super.exec({ ...req, env: { TMPDIR: tmp } });
      }
    }
    const runTmp = `${d}/state/run/tmp`;
    mkdirSync(runTmp, { recursive: true });
    // pid 2^22+1 is above pid_max: never a live process.
    mkdirSync(`${runTmp}/probe.4194305`);
    mkdirSync(`${runTmp}/run.4194306`);
    mkdirSync(`${runTmp}/probe.${process.pid}`);
    mkdirSync(`${runTmp}/run.${process.pid}`);
    const r = await target(new TmpEnv()).observe([{ type: "check", argv: ["true"] }, { type: "swap" }]);
    expect(E.isRight(r)).toBe(true);
    expect(readdirSync(tmp)).toEqual([]);
    expect(readdirSync(runTmp).sort()).toEqual([`probe.${process.pid}`, `run.${process.pid}`]);
  });

  it("temp files a killed apply left beside the files a run writes are removed; other dot files stay", async () => {
    const data = new TextEncoder().encode("new\n");
    const sha = "f2c4e2a8b0cf2d1b4f1e21d5bb2d1f8f3b8b1f3a4c7b3f8e6c9f4e2d6b8a9c1d";
    mkdirSync(`${d}/etc`);
    const leftovers = [`${d}/etc/.app.conf.tend-0123abcd0`, `${d}/etc/.app.conf.tend-89abcdef3`];
    const kept = [
      `${d}/etc/.app.conf.tend-notes`,
      `${d}/etc/.other.conf.tend-0123abcd0`,
      `${d}/etc/.app.conf`,
    ];
    for (const p of [...leftovers, ...kept]) writeFileSync(p, "x");
    const op: Op = {
      op: "writeFile",
      path: `${d}/etc/app.conf`,
      blob: sha,
      mode: 0o644,
      owner: "root",
      group: "root",
    };
    const r = await target().run([op], new Map([[sha, data]]));
    expect(E.isRight(r)).toBe(true);
    expect(readFileSync(`${d}/etc/app.conf`, "utf8")).toBe("new\n");
    expect(leftovers.filter((p) => existsSync(p))).toEqual([]);
    expect(kept.filter((p) => existsSync(p))).toEqual(kept);
  });
});
