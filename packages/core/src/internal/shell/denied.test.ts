/**
 * Probes run by a user the host refuses a path: the answer is a typed
 * PermissionDenied naming the path and the user, never a wrong fact (absent,
 * no digest) nor a parser complaint about a missing line. The scripts run
 * with this machine's /bin/sh as `nobody` (through setpriv) and as root.
 */
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeTargetError } from "../engine/errors.js";
import type { Probe } from "../probe.js";
import { ShTransport, tempDir } from "./sh-transport.test.js";
import { ShellTarget } from "./target.js";

const AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"];
const rootOnly = process.getuid?.() === 0;

let dir: string;
let run: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir, cleanup } = tempDir("tend-denied-"));
  chmodSync(dir, 0o755);
  run = `${dir}/run`;
  mkdirSync(run, { mode: 0o777 });
  chmodSync(run, 0o777);
  writeFileSync(`${dir}/secret`, "root only\n", { mode: 0o600 });
  writeFileSync(`${dir}/open`, "anyone\n", { mode: 0o644 });
  mkdirSync(`${dir}/closed`, { mode: 0o700 });
  writeFileSync(`${dir}/closed/inside`, "x", { mode: 0o644 });
  // A hostile name: a newline, quotes and a word that looks like a frame line.
  writeFileSync(`${dir}/we ird\n"denied root x'`, "y", { mode: 0o600 });
});
afterAll(() => cleanup());

const asNobody = (options: { runDir?: string; permissionVariable?: string } = {}) =>
  new ShellTarget(new ShTransport("worker1", undefined, AS_NOBODY), { runDir: run, ...options });

describe.runIf(rootOnly)("probes a user may not answer", () => {
  it("a root-only file whose digest is asked is PermissionDenied naming the path and the user, not a missing hash", async () => {
    const r = await asNobody().probe([{ type: "file", path: `${dir}/secret`, hash: "sha256" }]);
    expect(r).toEqual(
      E.left({
        _tag: "PermissionDenied",
        host: "worker1",
        path: `${dir}/secret`,
        user: "nobody",
        access: "read",
      }),
    );
  });

  it("a root-only file among readable ones in one batch is still refused by path (the bulk route agrees)", async () => {
    const probes: Probe[] = [
      { type: "file", path: `${dir}/open`, hash: "sha256", content: true },
      { type: "file", path: `${dir}/secret`, content: true },
      { type: "file", path: "/etc/hostname", hash: "sha256" },
    ];
    const r = await asNobody().probe(probes);
    expect(r).toEqual(E.left(expect.objectContaining({ _tag: "PermissionDenied", path: `${dir}/secret` })));
  });

  it("a path under a directory the user may not search is refused, not reported absent", async () => {
    const r = await asNobody().probe([{ type: "file", path: `${dir}/closed/inside` }]);
    expect(r).toEqual(
      E.left(
        expect.objectContaining({ _tag: "PermissionDenied", path: `${dir}/closed/inside`, user: "nobody" }),
      ),
    );
    const deeper = await asNobody().probe([{ type: "file", path: `${dir}/closed/no/such/file` }]);
    expect(deeper).toEqual(E.left(expect.objectContaining({ _tag: "PermissionDenied" })));
  });

  it("what the user may see is still answered: a root-only file's stat, a truly absent path", async () => {
    const r = await asNobody().probe([
      { type: "file", path: `${dir}/secret` },
      { type: "file", path: `${dir}/none/at/all` },
    ]);
    expect(r).toEqual(
      E.right([expect.objectContaining({ type: "file", mode: 0o600, owner: "root" }), { type: "absent" }]),
    );
  });

  it("a hostile path comes back byte-exact in the refusal, and cannot forge one for another path", async () => {
    const path = `${dir}/we ird\n"denied root x'`;
    const r = await asNobody().probe([{ type: "file", path, hash: "sha512" }]);
    expect(r).toEqual(E.left(expect.objectContaining({ _tag: "PermissionDenied", path, user: "nobody" })));
  });

  it("an archive manifest the user may not read is refused, not read as empty", async () => {
    const r = await asNobody().probe([{ type: "manifest", path: `${dir}/secret` }]);
    expect(r).toEqual(E.left(expect.objectContaining({ _tag: "PermissionDenied", path: `${dir}/secret` })));
  });

  it("manifests in one batch: an unreadable one is refused by its path, and a readable one's root-only member reads as not ok", async () => {
    const sum = (text: string) => createHash("sha256").update(text).digest("hex");
    const listed = `# source s\n${sum("anyone\n")}  ${dir}/open\n${sum("root only\n")}  ${dir}/secret\n`;
    writeFileSync(`${dir}/listed`, listed, { mode: 0o644 });
    const both = await asNobody().probe([
      { type: "manifest", path: `${dir}/listed` },
      { type: "manifest", path: `${dir}/secret` },
    ]);
    expect(both).toEqual(
      E.left(expect.objectContaining({ _tag: "PermissionDenied", path: `${dir}/secret` })),
    );
    const one = await asNobody().probe([
      { type: "manifest", path: `${dir}/listed` },
      { type: "manifest", path: `${dir}/no-such-manifest` },
    ]);
    expect(one).toEqual(
      E.right([
        {
          exists: true,
          source: "s",
          members: [
            { path: `${dir}/open`, sha256: sum("anyone\n"), ok: true },
            { path: `${dir}/secret`, sha256: sum("root only\n"), ok: false },
          ],
        },
        { exists: false },
      ]),
    );
  });

  it("a probe temp dir the user may not create is PermissionDenied (create) on that dir", async () => {
    const r = await asNobody({ runDir: `${dir}/closed/run` }).probe([{ type: "swap" }]);
    expect(r).toEqual(
      E.left(
        expect.objectContaining({
          _tag: "PermissionDenied",
          path: `${dir}/closed/run/tmp`,
          access: "create",
        }),
      ),
    );
  });

  it("a user who may not create the run dir answers from a temp dir in its own home", async () => {
    const home = `${dir}/home`;
    mkdirSync(home, { mode: 0o777 });
    chmodSync(home, 0o777);
    class WithHome extends ShTransport {
      override exec(req: Parameters<ShTransport["exec"]>[0]) {
        return super.exec({ ...req, env: { ...req.env, HOME: home } });
      }
    }
    const t = new ShellTarget(new WithHome("worker1", undefined, AS_NOBODY), { runDir: `${dir}/closed/run` });
    const r = await t.probe([{ type: "file", path: `${dir}/open`, hash: "sha256" }]);
    expect(r).toEqual(E.right([expect.objectContaining({ type: "file", hash: expect.any(String) })]));
    expect(existsSync(`${home}/.cache/tend/run/tmp`)).toBe(true);
    // Also when root made the run dir earlier and the user may only look into it.
    mkdirSync(`${dir}/rootrun/tmp`, { recursive: true, mode: 0o755 });
    const after = new ShellTarget(new WithHome("worker1", undefined, AS_NOBODY), {
      runDir: `${dir}/rootrun`,
    });
    expect(await after.probe([{ type: "file", path: `${dir}/open` }])).toEqual(
      E.right([expect.objectContaining({ type: "file" })]),
    );
  });

  it("the message names host, path and user in words and the caller's fix, with no probe JSON", async () => {
    const r = await asNobody({ permissionVariable: "ansible_become" }).probe([
      { type: "file", path: `${dir}/secret`, hash: "sha256" },
    ]);
    if (E.isRight(r)) throw new Error("expected a refusal");
    const text = describeTargetError(r.left);
    expect(text).toBe(`worker1: cannot read ${dir}/secret as nobody (permission denied): set ansible_become`);
  });

  it("root is never refused: the same probes answer with digests and contents", async () => {
    const t = new ShellTarget(new ShTransport("worker1"), { runDir: run });
    const r = await t.probe([
      { type: "file", path: `${dir}/secret`, hash: "sha256", content: true },
      { type: "file", path: `${dir}/closed/inside`, hash: "sha256" },
    ]);
    expect(r).toEqual(
      E.right([
        expect.objectContaining({
          type: "file",
          hash: expect.any(String),
          contentBase64: expect.any(String),
        }),
        expect.objectContaining({ type: "file", hash: expect.any(String) }),
      ]),
    );
  });
});

describe.runIf(rootOnly)("runs a user may not lock", () => {
  it("a lock file only root may write stops the run before any op, naming the path, the user and the fix", async () => {
    writeFileSync(`${dir}/root.lock`, "", { mode: 0o644 });
    const t = new ShellTarget(new ShTransport("worker1", undefined, AS_NOBODY), {
      runDir: run,
      stateDir: `${dir}/state`,
      lockPath: `${dir}/root.lock`,
      permissionVariable: "ansible_become",
    });
    const r = await t.run(
      [{ op: "mkdir", path: `${dir}/made`, mode: 0o755, owner: "root", group: "root" }],
      new Map(),
    );
    expect(r).toEqual(
      E.left({
        _tag: "LockUnavailable",
        host: "worker1",
        reason: `cannot write ${dir}/root.lock as nobody (permission denied): set ansible_become`,
      }),
    );
    expect(existsSync(`${dir}/made`)).toBe(false);
  });

  it("a lock file root cannot open either (its directory is a file) is said in words, not 'the script ended'", async () => {
    const t = new ShellTarget(new ShTransport("worker1"), {
      runDir: run,
      stateDir: `${dir}/state`,
      lockPath: `${dir}/open/tend.lock`,
    });
    const r = await t.run(
      [{ op: "mkdir", path: `${dir}/made`, mode: 0o755, owner: "root", group: "root" }],
      new Map(),
    );
    expect(r).toEqual(
      E.left({
        _tag: "LockUnavailable",
        host: "worker1",
        reason: `cannot open the lock file ${dir}/open/tend.lock`,
      }),
    );
    expect(existsSync(`${dir}/made`)).toBe(false);
  });
});
