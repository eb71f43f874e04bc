/**
 * The probe script's sha256 cache (probes/hash-cache.ts) against the real
 * /bin/sh, coreutils and awk: a second probe of unchanged files answers the
 * same without hashing them, any change of content is seen, and the record
 * is host input that is trusted only when it may be, line by line.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Probe } from "../probe.js";
import type { Observation } from "../target.js";
import { shellQuote } from "./quote.js";
import { ShTransport, tempDir } from "./sh-transport.test.js";
import { ShellTarget } from "./target.js";

const sum = (b: string | Uint8Array) => createHash("sha256").update(b).digest("hex");
const isRoot = process.getuid?.() === 0;

let dir: string;
let cleanup: () => void;
let bin: string;
beforeAll(() => {
  ({ dir, cleanup } = tempDir("tend-hash-cache-"));
  bin = join(dir, "bin");
  mkdirSync(bin);
  // Logs the number of arguments of every sha256sum: files hashed have some, the digest's stdin none.
  const real = execFileSync("sh", ["-c", "command -v sha256sum"], { encoding: "utf8" }).trim();
  writeFileSync(
    join(bin, "sha256sum"),
    `#!/bin/sh\necho "$#" >> ${shellQuote(join(dir, "sha.log"))}\nexec ${shellQuote(real)} "$@"\n`,
  );
  chmodSync(join(bin, "sha256sum"), 0o755);
});
afterAll(() => cleanup());

/**
 * A target with its own state and run dirs (so its own record, in `state`:
 * `<runDir>/cache`) whose shell finds the logging sha256sum first.
 */
const setup = (name: string) => {
  const root = join(dir, name);
  const options = { stateDir: join(root, "var"), runDir: join(root, "run") };
  const state = join(options.runDir, "cache");
  mkdirSync(root);
  const transport = new ShTransport("hc", root, [
    "env",
    `PATH=${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
  ]);
  const target = new ShellTarget(transport, options);
  const record = join(state, "sha256-cache");
  const observe = async (probes: readonly Probe[]): Promise<Observation> => {
    writeFileSync(join(dir, "sha.log"), "");
    const r = await target.observe(probes);
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    return r.right;
  };
  /** How many sha256sum runs hashed files (had arguments) since the last observe. */
  const filesHashed = () =>
    readFileSync(join(dir, "sha.log"), "utf8")
      .split("\n")
      .filter((l) => l !== "" && l !== "0").length;
  return { root, options, state, record, observe, filesHashed };
};

/** Waits until every path's mtime and ctime are more than 2 s old in whole seconds (the cache's rule). */
const age = async (...paths: string[]) => {
  const newest = Math.max(...paths.map((p) => Math.max(statSync(p).mtimeMs, statSync(p).ctimeMs)));
  const until = (Math.floor(newest / 1000) + 3) * 1000 + 150;
  await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now())));
};

/** The record's key of a file, as the probe stat's it. */
const keyOf = (path: string) =>
  execFileSync("stat", ["-L", "-c", "%d %i %s %.9Y %.9Z", "--", path], { encoding: "utf8" }).trim();

const fileProbe = (path: string): Probe => ({ type: "file", path, hash: "sha256" });
const hashOf = (o: Observation, i: number) => (o.results[i] as { hash?: string }).hash;

/** Names an injection or a line-based parser would trip on. */
const HOSTILE = [
  "a\nb",
  "sp ace",
  "it's",
  'say "hi"',
  "-n",
  "--",
  "$(touch PWNED)",
  "`touch PWNED`",
  "back\\slash",
];

describe("the sha256 cache", () => {
  it("answers a second probe of unchanged files (hostile names, manifest members) identically without hashing them", async () => {
    const s = setup("second");
    const files = HOSTILE.map((n, i) => {
      const p = join(s.root, n);
      writeFileSync(p, `${n} ${i}\n`);
      return p;
    });
    // Manifest members: every name but the one with a newline (manifests are line-based); one altered.
    const members = files.filter((p) => !p.includes("\n"));
    const manifest = join(s.root, "manifest");
    writeFileSync(
      manifest,
      `# source s\n${members.map((p, i) => `${i === 0 ? sum("other") : sum(readFileSync(p))}  ${p}\n`).join("")}`,
    );
    const probes: Probe[] = [
      ...files.map(fileProbe),
      { type: "file", path: files[1] as string, hash: "sha256", content: true },
      { type: "manifest", path: manifest },
    ];
    const want = [
      ...files.map((p) => ({ hash: sum(readFileSync(p)) })),
      { hash: sum(readFileSync(files[1] as string)) },
      {
        exists: true,
        source: "s",
        members: members.map((p, i) => ({
          path: p,
          sha256: i === 0 ? sum("other") : sum(readFileSync(p)),
          ok: i !== 0,
        })),
      },
    ];
    await age(...files, manifest);
    const first = await s.observe(probes);
    expect(first.results).toMatchObject(want);
    expect(s.filesHashed()).toBeGreaterThan(0);
    // One line per distinct file hashed, none naming a path; only this user may read it.
    const lines = readFileSync(s.record, "utf8").trim().split("\n");
    expect(lines).toHaveLength(files.length);
    expect(new Set(lines.map((l) => l.split(" ").slice(1, 6).join(" ")))).toEqual(new Set(files.map(keyOf)));
    expect(statSync(s.record).mode & 0o777).toBe(0o600);
    const mtime = statSync(s.record).mtimeMs;

    const second = await s.observe(probes);
    expect(second).toEqual(first);
    expect(s.filesHashed()).toBe(0);
    // Nothing changed: the record is not rewritten.
    expect(statSync(s.record).mtimeMs).toBe(mtime);
    expect(existsSync(join(s.root, "PWNED"))).toBe(false);
  });

  it("sees a same-size rewrite whose mtime was set back (only ctime moved)", async () => {
    const s = setup("samesize");
    const p = join(s.root, "conf");
    writeFileSync(p, "value = 1\n");
    await age(p);
    const before = keyOf(p).split(" ");
    expect(hashOf(await s.observe([fileProbe(p)]), 0)).toBe(sum("value = 1\n"));
    expect(readFileSync(s.record, "utf8")).toContain(before.join(" "));

    writeFileSync(p, "value = 2\n");
    execFileSync("touch", ["-m", "-d", `@${before[3]}`, "--", p]);
    const after = keyOf(p).split(" ");
    // The setup holds: same device, inode, size and mtime; only ctime tells.
    expect(after.slice(0, 4)).toEqual(before.slice(0, 4));
    expect(after[4]).not.toBe(before[4]);
    expect(hashOf(await s.observe([fileProbe(p)]), 0)).toBe(sum("value = 2\n"));
  });

  it("does not store what a path reached when a link was swapped between the key and the hash", async () => {
    const s = setup("swap");
    for (const v of ["v1", "v2"]) {
      mkdirSync(join(s.root, v));
      writeFileSync(join(s.root, v, "f"), `${v}\n`);
    }
    symlinkSync("v1", join(s.root, "cur"));
    const p = join(s.root, "cur", "f");
    await age(join(s.root, "v1", "f"), join(s.root, "v2", "f"));
    // A sha256sum that, the first time it hashes files, swaps cur to v2 first (a deploy racing the probe).
    const swapBin = join(s.root, "bin");
    mkdirSync(swapBin);
    const real = execFileSync("sh", ["-c", "command -v sha256sum"], { encoding: "utf8" }).trim();
    const flag = join(s.root, "swap-once");
    writeFileSync(flag, "");
    writeFileSync(
      join(swapBin, "sha256sum"),
      `#!/bin/sh\nif [ "$#" -gt 0 ] && [ -e ${shellQuote(flag)} ]; then rm -f ${shellQuote(flag)}; ln -sfn v2 ${shellQuote(join(s.root, "cur"))}; fi\nexec ${shellQuote(real)} "$@"\n`,
    );
    chmodSync(join(swapBin, "sha256sum"), 0o755);
    const racing = new ShellTarget(
      new ShTransport("hc", s.root, ["env", `PATH=${swapBin}:${process.env.PATH ?? "/usr/bin:/bin"}`]),
      s.options,
    );
    // What plain hashing answers in that race: the file the path reached when it was read.
    expect(await racing.probe([fileProbe(p)])).toEqual(
      E.right([expect.objectContaining({ hash: sum("v2\n") })]),
    );
    expect(existsSync(flag)).toBe(false);
    // Swapped back: v1's file is unchanged (same key as before the race), and must not answer v2's digest.
    execFileSync("ln", ["-sfn", "v1", join(s.root, "cur")]);
    expect(hashOf(await s.observe([fileProbe(p)]), 0)).toBe(sum("v1\n"));
  });

  it("does not store a file written in the last 2 s, and stores it once it aged", async () => {
    const s = setup("racy");
    const old = join(s.root, "old");
    writeFileSync(old, "old\n");
    await age(old);
    const fresh = join(s.root, "fresh");
    writeFileSync(fresh, "fresh\n");
    const o = await s.observe([fileProbe(old), fileProbe(fresh)]);
    expect(o.results).toMatchObject([{ hash: sum("old\n") }, { hash: sum("fresh\n") }]);
    const text = readFileSync(s.record, "utf8");
    expect(text).toContain(keyOf(old));
    expect(text).not.toContain(keyOf(fresh).split(" ").slice(0, 2).join(" "));
    await age(fresh);
    await s.observe([fileProbe(old), fileProbe(fresh)]);
    expect(readFileSync(s.record, "utf8")).toContain(keyOf(fresh));
  });

  describe.skipIf(!isRoot)("a forged line (right key, wrong digest)", () => {
    const forged = "f".repeat(64);
    const cases: [string, (s: ReturnType<typeof setup>) => void][] = [
      ["in a record owned by another user", (s) => chownSync(s.record, 65534, 65534)],
      ["in a group-writable record", (s) => chmodSync(s.record, 0o620)],
      ["in an other-writable record", (s) => chmodSync(s.record, 0o602)],
      ["in a record under an other-writable dir", (s) => chmodSync(s.state, 0o777)],
      ["in a record under another user's dir", (s) => chownSync(s.state, 65534, 65534)],
      [
        "reached through a symlink as the record",
        (s) => {
          rmSync(s.record);
          writeFileSync(`${s.record}.real`, readFileSync(`${s.record}.forged`), { mode: 0o600 });
          symlinkSync(`${s.record}.real`, s.record);
        },
      ],
    ];
    const forge = async (name: string) => {
      const s = setup(name);
      const p = join(s.root, "f");
      writeFileSync(p, "real\n");
      await age(p);
      await s.observe([fileProbe(p)]);
      const line = `v1 ${keyOf(p)} ${forged}\n`;
      writeFileSync(`${s.record}.forged`, line);
      writeFileSync(s.record, line, { mode: 0o600 });
      return { s, p };
    };

    it("is answered when the record is this user's and not writable by others (so the cases below test the guard)", async () => {
      const { s, p } = await forge("forged-trusted");
      expect(hashOf(await s.observe([fileProbe(p)]), 0)).toBe(forged);
    });

    it.each(cases)("is ignored %s: the file is hashed", async (name, spoil) => {
      const { s, p } = await forge(`forged-${name.replaceAll(" ", "-")}`);
      spoil(s);
      expect(hashOf(await s.observe([fileProbe(p)]), 0)).toBe(sum("real\n"));
      expect(s.filesHashed()).toBe(1);
    });
  });

  it("skips malformed lines (loose spacing, short or upper-case digests, keys without nanoseconds) and still answers", async () => {
    const s = setup("malformed");
    const p = join(s.root, "f");
    writeFileSync(p, "real\n");
    await age(p);
    await s.observe([fileProbe(p)]);
    const [dev, ino, size, mt, ct] = keyOf(p).split(" ") as [string, string, string, string, string];
    const f = "f".repeat(64);
    const bad = [
      `v1  ${dev} ${ino} ${size} ${mt} ${ct} ${f}`,
      `v1 ${dev}\t${ino} ${size} ${mt} ${ct} ${f}`,
      `v1 ${dev} ${ino} ${size} ${mt} ${ct} ${f.slice(1)}`,
      `v1 ${dev} ${ino} ${size} ${mt} ${ct} ${f.toUpperCase()}`,
      `v1 ${dev} ${ino} ${size} ${mt} ${ct} ${f}f`,
      `v2 ${dev} ${ino} ${size} ${mt} ${ct} ${f}`,
      `v1 ${dev} ${ino} ${size} ${mt.split(".")[0]} ${ct} ${f}`,
      `v1 ${dev} ${ino} ${size} ${mt} ${ct} ${f} extra`,
      `v1 ${dev} ${ino} ${size} ${mt} ${ct}`,
      "\0\0\0",
      "",
    ];
    writeFileSync(s.record, `${bad.join("\n")}\n`, { mode: 0o600 });
    expect(hashOf(await s.observe([fileProbe(p)]), 0)).toBe(sum("real\n"));
    expect(s.filesHashed()).toBe(1);
    // Rewritten with the one good entry.
    expect(readFileSync(s.record, "utf8")).toBe(`v1 ${keyOf(p)} ${sum("real\n")}\n`);
  });

  it("keeps the entries of every exec of a batch split past the script limit, so none is hashed again", async () => {
    const s = setup("split");
    // 700 paths of ~190 bytes: more than one exec's 96 KiB of script.
    const files = Array.from({ length: 700 }, (_, i) =>
      join(s.root, `${String(i).padStart(4, "0")}${"x".repeat(180)}`),
    );
    for (const [i, p] of files.entries()) writeFileSync(p, `file ${i}\n`);
    await age(...files);
    const transport = new ShTransport("hc", s.root, [
      "env",
      `PATH=${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    ]);
    const target = new ShellTarget(transport, s.options);
    const probe = async () => {
      writeFileSync(join(dir, "sha.log"), "");
      const r = await target.probe(files.map(fileProbe));
      if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
      return r.right;
    };
    const before = transport.roundTrips;
    const first = await probe();
    expect(transport.roundTrips - before).toBeGreaterThan(1);
    expect(first.map((r) => (r as { hash?: string }).hash)).toEqual(files.map((_, i) => sum(`file ${i}\n`)));
    expect(readFileSync(s.record, "utf8").trim().split("\n")).toHaveLength(files.length);
    expect(await probe()).toEqual(first);
    expect(s.filesHashed()).toBe(0);
  });

  it("removes the temp records killed execs left, not those of a live one", async () => {
    const s = setup("reap");
    const p = join(s.root, "f");
    writeFileSync(p, "f");
    await age(p);
    await s.observe([fileProbe(p)]);
    const gone = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" }).stdout.trim();
    writeFileSync(join(s.state, `.sha256-cache.${gone}`), "v1 half");
    writeFileSync(join(s.state, `.sha256-cache.${process.pid}`), "v1 half");
    await s.observe([fileProbe(p)]);
    expect(existsSync(join(s.state, `.sha256-cache.${gone}`))).toBe(false);
    expect(existsSync(join(s.state, `.sha256-cache.${process.pid}`))).toBe(true);
  });

  it("keeps only the entries of the last exec's files, and none when it cannot make its dir", async () => {
    const s = setup("bounded");
    const a = join(s.root, "a");
    const b = join(s.root, "b");
    writeFileSync(a, "a");
    writeFileSync(b, "b");
    await age(a, b);
    await s.observe([fileProbe(a), fileProbe(b)]);
    expect(readFileSync(s.record, "utf8").trim().split("\n")).toHaveLength(2);
    await s.observe([fileProbe(b)]);
    expect(readFileSync(s.record, "utf8")).toBe(`v1 ${keyOf(b)} ${sum("b")}\n`);
    // A cache dir that cannot be made (a file is in its place): the probe hashes and answers.
    mkdirSync(join(s.root, "run2"));
    writeFileSync(join(s.root, "run2", "cache"), "");
    const blocked = new ShellTarget(new ShTransport("hc", s.root), {
      stateDir: join(s.root, "var2"),
      runDir: join(s.root, "run2"),
    });
    const r = await blocked.probe([fileProbe(b)]);
    expect(r).toEqual(E.right([expect.objectContaining({ hash: sum("b") })]));
    // No temp record is left beside the record.
    expect(spawnSync("ls", ["-a", s.state], { encoding: "utf8" }).stdout).not.toMatch(/\.sha256-cache\./);
  });
});
