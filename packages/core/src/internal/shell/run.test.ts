/**
 * ShellTarget.run against the real /bin/sh: every op kind that is safe on
 * this machine runs inside a temp dir, in one exec per batch.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Op } from "../op.js";
import type { BlobStore } from "../target.js";
import { ShTransport, tempDir } from "./sh-transport.test.js";
import { ShellTarget } from "./target.js";

const sha256 = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
const own = { owner: "root", group: "root" };
const modeOf = (p: string) => statSync(p).mode & 0o7777;

let root: string;
let cleanup: () => void;
let d: string;
let n = 0;
beforeAll(() => {
  ({ dir: root, cleanup } = tempDir());
});
afterAll(() => cleanup());
beforeEach(() => {
  d = `${root}/t${n++}`;
  mkdirSync(d);
});

/** A target whose state dir (extract temp dirs, pending restarts) is inside the test dir. */
const target = (transport = new ShTransport()) => ({
  t: new ShellTarget(transport, { stateDir: `${d}/state` }),
  transport,
});
const blobsOf = (...contents: (string | Uint8Array)[]): { store: BlobStore; ids: string[] } => {
  const entries = contents.map((c) => {
    const bytes = typeof c === "string" ? new TextEncoder().encode(c) : c;
    return [sha256(bytes), bytes] as const;
  });
  return { store: new Map(entries), ids: entries.map(([k]) => k) };
};
const ok = async (ops: Op[], blobs: BlobStore = new Map()) => {
  const { t, transport } = target();
  const r = await t.run(ops, blobs);
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  expect(r.right.completed).toBe(ops.length);
  expect(transport.roundTrips).toBe(1);
};
/** Entries of a directory that look like tend temp files. */
const temps = (dir: string) => readdirSync(dir).filter((f) => f.includes(".tend-"));

describe("file ops", () => {
  it("mkdir creates every level and sets mode of the final directory", async () => {
    await ok([{ op: "mkdir", path: `${d}/a/b/c`, mode: 0o2750, ...own }]);
    expect(modeOf(`${d}/a/b/c`)).toBe(0o2750);
    expect(modeOf(`${d}/a`)).toBe(0o755);
  });

  it("writeFile writes several blobs from stdin in one exec, byte-exact, with mode, creating the parent", async () => {
    const bin = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) % 256);
    const { store, ids } = blobsOf("first\n", bin, "");
    await ok(
      [
        { op: "writeFile", path: `${d}/one`, blob: ids[0] as string, mode: 0o600, ...own },
        { op: "writeFile", path: `${d}/new/dir/two`, blob: ids[1] as string, mode: 0o755, ...own },
        { op: "writeFile", path: `${d}/three`, blob: ids[2] as string, mode: 0o644, ...own },
        { op: "writeFile", path: `${d}/again`, blob: ids[0] as string, mode: 0o644, ...own },
      ],
      store,
    );
    expect(readFileSync(`${d}/one`, "utf8")).toBe("first\n");
    expect(modeOf(`${d}/one`)).toBe(0o600);
    expect(new Uint8Array(readFileSync(`${d}/new/dir/two`))).toEqual(bin);
    expect(modeOf(`${d}/new/dir/two`)).toBe(0o755);
    expect(readFileSync(`${d}/three`, "utf8")).toBe("");
    expect(readFileSync(`${d}/again`, "utf8")).toBe("first\n");
    expect(temps(d)).toEqual([]);
  });

  it("writeFile replaces an existing file by rename (a new inode), never writing into it", async () => {
    writeFileSync(`${d}/f`, "old");
    const before = statSync(`${d}/f`).ino;
    const { store, ids } = blobsOf("new");
    await ok([{ op: "writeFile", path: `${d}/f`, blob: ids[0] as string, mode: 0o644, ...own }], store);
    expect(readFileSync(`${d}/f`, "utf8")).toBe("new");
    expect(statSync(`${d}/f`).ino).not.toBe(before);
  });

  it("writeFile onto a directory fails and leaves the directory as it was", async () => {
    mkdirSync(`${d}/dir`);
    const { store, ids } = blobsOf("x");
    const r = await target().t.run(
      [{ op: "writeFile", path: `${d}/dir`, blob: ids[0] as string, mode: 0o644, ...own }],
      store,
    );
    expect(r).toEqual(
      E.left(expect.objectContaining({ _tag: "OpFailed", index: 0, stderr: `${d}/dir is a directory` })),
    );
    expect(readdirSync(`${d}/dir`)).toEqual([]);
  });

  it("writeFile over a symlink to a directory replaces the link, never writing into the directory", async () => {
    mkdirSync(`${d}/real`);
    execFileSync("ln", ["-s", "real", `${d}/link`]);
    const { store, ids } = blobsOf("x");
    await ok([{ op: "writeFile", path: `${d}/link`, blob: ids[0] as string, mode: 0o644, ...own }], store);
    expect(lstatSync(`${d}/link`).isFile()).toBe(true);
    expect(readdirSync(`${d}/real`)).toEqual([]);
  });

  it("setAttrs changes only the given fields", async () => {
    writeFileSync(`${d}/f`, "x", { mode: 0o644 });
    execFileSync("chgrp", ["daemon", `${d}/f`]);
    await ok([{ op: "setAttrs", path: `${d}/f`, mode: 0o640 }]);
    expect(modeOf(`${d}/f`)).toBe(0o640);
    expect(statSync(`${d}/f`).gid).toBe(1);
    await ok([{ op: "setAttrs", path: `${d}/f`, group: "root" }]);
    expect(statSync(`${d}/f`).gid).toBe(0);
    expect(modeOf(`${d}/f`)).toBe(0o640);
  });

  it("remove deletes a tree, and a missing path is not an error", async () => {
    mkdirSync(`${d}/tree/sub`, { recursive: true });
    writeFileSync(`${d}/tree/sub/f`, "x");
    await ok([
      { op: "remove", path: `${d}/tree` },
      { op: "remove", path: `${d}/never` },
    ]);
    expect(existsSync(`${d}/tree`)).toBe(false);
  });
});

describe("download", () => {
  let server: Server;
  let base: string;
  const payload = "binary payload\n";
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/file") res.end(payload);
      else res.writeHead(404).end("no");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const dl = (url: string, hex: string | null): Extract<Op, { op: "download" }> => ({
    op: "download",
    url,
    checksum: hex === null ? null : { algo: "sha256", hex },
    path: `${d}/bin/tool`,
    record: `${d}/rec/tool`,
    mode: 0o755,
    ...own,
  });

  it("lands at its path with mode once the checksum matches, then records the url", async () => {
    await ok([dl(`${base}/file`, sha256(payload).toUpperCase())]);
    expect(readFileSync(`${d}/bin/tool`, "utf8")).toBe(payload);
    expect(modeOf(`${d}/bin/tool`)).toBe(0o755);
    expect(readFileSync(`${d}/rec/tool`, "utf8")).toBe(`${base}/file\n`);
  });

  it("without a checksum lands unverified", async () => {
    await ok([dl(`${base}/file`, null)]);
    expect(readFileSync(`${d}/bin/tool`, "utf8")).toBe(payload);
  });

  it("a checksum mismatch fails naming url, expected and actual digest, and the destination never exists", async () => {
    const wrong = "0".repeat(64);
    const r = await target().t.run([dl(`${base}/file`, wrong)], new Map());
    expect(r).toEqual(
      E.left(
        expect.objectContaining({
          _tag: "OpFailed",
          index: 0,
          stderr: `checksum mismatch for ${base}/file: expected ${wrong}, got ${sha256(payload)}`,
        }),
      ),
    );
    expect(existsSync(`${d}/bin/tool`)).toBe(false);
    expect(existsSync(`${d}/rec/tool`)).toBe(false);
    expect(temps(`${d}/bin`)).toEqual([]);
  });

  it("uses wget when curl is missing, and verifies a sha512 checksum", async () => {
    // A PATH with every tool of /usr/bin except curl.
    const bin = `${d}/bin-no-curl`;
    mkdirSync(bin);
    for (const f of readdirSync("/usr/bin")) if (f !== "curl") symlinkSync(`/usr/bin/${f}`, `${bin}/${f}`);
    class NoCurl extends ShTransport {
      override exec(req: Parameters<ShTransport["exec"]>[0]) {
        return super.exec({ ...req, env: { PATH: `${bin}:/usr/sbin` } });
      }
    }
    const t = new ShellTarget(new NoCurl(), { stateDir: `${d}/state` });
    const hex = createHash("sha512").update(payload).digest("hex");
    const op = { ...dl(`${base}/file`, null), checksum: { algo: "sha512" as const, hex } };
    expect(await t.run([op], new Map())).toEqual(E.right({ completed: 1 }));
    expect(readFileSync(`${d}/bin/tool`, "utf8")).toBe(payload);
    const bad = await t.run([{ ...op, checksum: { algo: "sha512", hex: "0".repeat(128) } }], new Map());
    expect(bad).toEqual(E.left(expect.objectContaining({ stderr: expect.stringContaining(`got ${hex}`) })));
  });

  it("an HTTP error fails and leaves nothing behind", async () => {
    const r = await target().t.run([dl(`${base}/missing`, null)], new Map());
    expect(E.isLeft(r) && r.left._tag).toBe("OpFailed");
    expect(readdirSync(`${d}/bin`)).toEqual([]);
  });
});

describe("write-ahead intents", () => {
  /** The record with each UTC time stamp replaced by TIME. */
  const record = () =>
    readFileSync(`${d}/state/pending-restarts`, "utf8").replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, "TIME");

  it("add keeps a line already due (an older record's bare unit too) and appends the others stamped with time and action", async () => {
    mkdirSync(`${d}/state`, { recursive: true });
    writeFileSync(`${d}/state/pending-restarts`, "old.service\n");
    const at = "file[/etc/a b\\x]";
    await ok([{ op: "intent", action: "add", restart: ["k.service", "old.service"], reload: true, at }]);
    expect(record()).toBe(`old.service\nrestart k.service TIME ${at}\ndaemon-reload TIME ${at}\n`);
    await ok([{ op: "intent", action: "add", restart: ["k.service"], reload: true, at: "unit[later]" }]);
    expect(record()).toBe(`old.service\nrestart k.service TIME ${at}\ndaemon-reload TIME ${at}\n`);
    expect(temps(`${d}/state`)).toEqual([]);
  });

  it("remove drops the entries (a bare unit by its name) and deletes the record when it empties", async () => {
    mkdirSync(`${d}/state`, { recursive: true });
    writeFileSync(`${d}/state/pending-restarts`, "old.service\n");
    await ok([{ op: "intent", action: "add", restart: ["k.service"], reload: true, at: "unit[k.service]" }]);
    await ok([{ op: "intent", action: "remove", restart: ["old.service", "never.service"], reload: true }]);
    expect(record()).toBe("restart k.service TIME unit[k.service]\n");
    await ok([{ op: "intent", action: "remove", restart: ["k.service"], reload: false }]);
    expect(existsSync(`${d}/state/pending-restarts`)).toBe(false);
    expect(temps(`${d}/state`)).toEqual([]);
  });
});

describe("exec and batch failure", () => {
  it("exec passes argv exactly and gives the command /dev/null as stdin", async () => {
    const { store, ids } = blobsOf("stdin blob must not leak");
    await ok(
      [
        {
          op: "exec",
          argv: ["sh", "-c", 'printf "%s|" "$@" > "$0.args"; cat > "$0.stdin"', `${d}/x`, "a b", "$(x)", "'"],
        },
        { op: "writeFile", path: `${d}/after`, blob: ids[0] as string, mode: 0o644, ...own },
      ],
      store,
    );
    expect(readFileSync(`${d}/x.args`, "utf8")).toBe("a b|$(x)|'|");
    expect(readFileSync(`${d}/x.stdin`, "utf8")).toBe("");
    expect(readFileSync(`${d}/after`, "utf8")).toBe("stdin blob must not leak");
  });

  it("a failure at op k names op k with its own stderr; ops before ran, ops after did not", async () => {
    const ops: Op[] = [
      { op: "exec", argv: ["sh", "-c", `echo noise >&2; touch ${d}/before`] },
      { op: "mkdir", path: `${d}/made`, mode: 0o755, ...own },
      { op: "exec", argv: ["sh", "-c", "echo out; echo the reason >&2; exit 7"] },
      { op: "exec", argv: ["touch", `${d}/after`] },
    ];
    const { t, transport } = target();
    const r = await t.run(ops, new Map());
    expect(r).toEqual(
      E.left({ _tag: "OpFailed", host: "local-sh", index: 2, op: ops[2], exitCode: 7, stderr: "the reason" }),
    );
    expect(existsSync(`${d}/before`) && existsSync(`${d}/made`)).toBe(true);
    expect(existsSync(`${d}/after`)).toBe(false);
    expect(transport.roundTrips).toBe(1);
  });

  it("a batch past MAX_SCRIPT_BYTES runs in several execs, each carrying its own blobs", async () => {
    const long = `${"d".repeat(200)}/${"e".repeat(200)}`;
    const ops: Op[] = [];
    const contents: string[] = [];
    for (let i = 0; i < 150; i++) {
      contents.push(`file ${i}\n`);
      ops.push(
        { op: "mkdir", path: `${d}/${long}/${i}`, mode: 0o755, ...own },
        { op: "writeFile", path: `${d}/${long}/${i}/f`, blob: sha256(`file ${i}\n`), mode: 0o644, ...own },
      );
    }
    const { t, transport } = target();
    const r = await t.run(ops, blobsOf(...contents).store);
    expect(r).toEqual(E.right({ completed: ops.length }));
    expect(transport.roundTrips).toBeGreaterThan(1);
    expect(contents.every((c, i) => readFileSync(`${d}/${long}/${i}/f`, "utf8") === c)).toBe(true);
  });

  it("modprobe of a built-in module succeeds without /lib/modules; of an unknown one fails", async () => {
    await ok([{ op: "modprobe", name: "overlay" }]);
    const r = await target().t.run([{ op: "modprobe", name: "tend-no-such-module" }], new Map());
    expect(E.isLeft(r) && r.left._tag === "OpFailed" && r.left.index).toBe(0);
  });

  it("a writeFile whose blob is missing is refused before any op runs", async () => {
    const { t, transport } = target();
    const r = await t.run(
      [
        { op: "mkdir", path: `${d}/m`, mode: 0o755, ...own },
        { op: "writeFile", path: `${d}/f`, blob: "f".repeat(64), mode: 0o644, ...own },
      ],
      new Map(),
    );
    expect(r).toEqual(
      E.left(
        expect.objectContaining({
          _tag: "OpFailed",
          index: 1,
          stderr: expect.stringContaining("no op of this batch ran"),
        }),
      ),
    );
    expect(transport.roundTrips).toBe(0);
    expect(existsSync(`${d}/m`)).toBe(false);
  });

  it("a batch holding an invalid op is refused at that op's index before any op of it runs", async () => {
    const ops: Op[] = [
      { op: "mkdir", path: `${d}/m`, mode: 0o755, ...own },
      { op: "sysctl", key: "../../../etc/hostname", value: "pwned" },
      { op: "mkdir", path: `${d}/n`, mode: 0o755, ...own },
    ];
    const r = await target().t.run(ops, new Map());
    expect(r).toEqual(
      E.left(
        expect.objectContaining({
          _tag: "OpFailed",
          index: 1,
          exitCode: -1,
          stderr: expect.stringContaining("key: expected a sysctl key"),
        }),
      ),
    );
    expect([existsSync(`${d}/m`), existsSync(`${d}/n`)]).toEqual([false, false]);
  });

  it("a timeout mid-run is Interrupted, not a failure of an op", async () => {
    const r = await new ShellTarget(new ShTransport(), { timeoutMs: 300, stateDir: `${d}/state` }).run(
      [{ op: "exec", argv: ["sleep", "5"] }],
      new Map(),
    );
    expect(r).toEqual(E.left(expect.objectContaining({ _tag: "Interrupted", completed: 0 })));
  });
});
