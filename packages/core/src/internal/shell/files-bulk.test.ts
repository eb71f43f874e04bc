/**
 * Bulk file probes (`tend_files`) against the real /bin/sh and the real
 * coreutils: many paths cost one stat, one sha256sum, one sha512sum, one cat
 * and one base64 per call, not a few processes per path, and every answer is
 * the one a lone probe (or the per-path fallback) gives, whatever the name.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTENT_LIMIT, type FileFact, type Probe, type ProbeResult } from "../probe.js";
import { ShTransport, tempDir } from "./sh-transport.test.js";
import { ShellTarget } from "./target.js";

const numRuns = Math.max(1, Math.floor(Number(process.env.TEND_PROP_RUNS ?? 200) / 4));
const TOOLS = ["stat", "sha256sum", "sha512sum", "base64", "cat", "readlink", "head", "wc", "xargs"];

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir, cleanup } = tempDir("tend-files-bulk-"));
});
afterAll(() => cleanup());

/** Runs scripts with `bin` first on PATH. */
class PathTransport extends ShTransport {
  constructor(private readonly bin: string) {
    super("local-sh-path");
  }
  override exec(req: Parameters<ShTransport["exec"]>[0]) {
    return super.exec({ ...req, env: { ...req.env, PATH: `${this.bin}:${process.env.PATH ?? ""}` } });
  }
}

/**
 * A dir of wrappers, one per tool: each appends its name to `log` and execs
 * the real tool (found now, before the wrappers shadow it).
 */
const wrapperDir = (name: string): { bin: string; log: string; counts: () => Record<string, number> } => {
  const bin = join(dir, name);
  const log = join(dir, `${name}.log`);
  mkdirSync(bin);
  writeFileSync(log, "");
  for (const tool of TOOLS) {
    const real = execFileSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim();
    writeFileSync(join(bin, tool), `#!/bin/sh\necho ${tool} >> '${log}'\nexec '${real}' "$@"\n`);
    chmodSync(join(bin, tool), 0o755);
  }
  const counts = () => {
    const c: Record<string, number> = Object.fromEntries(TOOLS.map((t) => [t, 0]));
    for (const l of readFileSync(log, "utf8").split("\n")) if (l) c[l] = (c[l] ?? 0) + 1;
    writeFileSync(log, "");
    return c;
  };
  return { bin, log, counts };
};

const sha = (algo: string, b: Uint8Array) => createHash(algo).update(b).digest("hex");

/** What a file probe must answer, from node's own lstat and reads. */
const expected = (p: Extract<Probe, { type: "file" }>): FileFact => {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(p.path);
  } catch {
    return { type: "absent" };
  }
  if (st.isSymbolicLink()) return { type: "link", target: readlinkSync(p.path, "utf8") };
  const common = { mode: st.mode & 0o7777, owner: "root", group: "root" };
  if (st.isDirectory()) return { type: "dir", ...common };
  if (!st.isFile()) return { type: "other" };
  const bytes = readFileSync(p.path);
  return {
    type: "file",
    ...common,
    size: bytes.length,
    ...(p.hash ? { hash: sha(p.hash, bytes) } : {}),
    ...(p.content && bytes.length <= CONTENT_LIMIT ? { contentBase64: bytes.toString("base64") } : {}),
  };
};

const probeAll = async (target: ShellTarget, probes: readonly Probe[]): Promise<readonly ProbeResult[]> => {
  const r = await target.probe(probes);
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};

/** n file probes under `sub` of every kind: sha256 + content, sha512, plain, big, dir, link, missing, fifo. */
const mixed = (sub: string, n: number): Probe[] => {
  const d = join(dir, sub);
  mkdirSync(d);
  return Array.from({ length: n }, (_, i): Probe => {
    const path = join(d, `f ${i}`);
    switch (i % 8) {
      case 0:
        writeFileSync(path, `key${i} = value${i}\n`);
        return { type: "file", path, hash: "sha256", content: true };
      case 1:
        writeFileSync(path, Buffer.alloc(i, i));
        return { type: "file", path, hash: "sha512" };
      case 2:
        writeFileSync(path, `plain ${i}`);
        chmodSync(path, 0o4711);
        return { type: "file", path, content: true };
      case 3:
        writeFileSync(path, Buffer.alloc(CONTENT_LIMIT + (i % 3), 1));
        return { type: "file", path, hash: "sha256", content: true };
      case 4:
        mkdirSync(path);
        chmodSync(path, 0o1750);
        return { type: "file", path, hash: "sha256", content: true };
      case 5:
        symlinkSync(`../target ${i}\n`, path);
        return { type: "file", path, hash: "sha256", content: true };
      case 6:
        return { type: "file", path, hash: "sha512", content: true };
      default:
        writeFileSync(path, Buffer.alloc(CONTENT_LIMIT, 2));
        return { type: "file", path, hash: "sha256", content: true };
    }
  });
};

describe("tend_files answers many file probes with a constant number of processes", () => {
  it("200 file probes of every kind spawn one sha256sum, sha512sum, cat, wc and base64, four stats (readlink per link only), as do 24", async () => {
    const w = wrapperDir("bin-count");
    const target = new ShellTarget(new PathTransport(w.bin));
    const perCount: Record<string, number>[] = [];
    for (const n of [24, 200]) {
      const probes = mixed(`count${n}`, n);
      expect(await probeAll(target, probes)).toEqual(probes.map((p) => expected(p as never)));
      perCount.push(w.counts());
    }
    const links = (n: number) => Math.ceil((n - 5) / 8);
    expect(perCount).toEqual(
      [24, 200].map((n) => ({
        // The modes and sizes; the hash cache's check of its record (once per exec) and the
        // keys of the sha256 files before and after hashing them (all were just written: misses).
        stat: 4,
        // One for the file probes, one for the exec's digest of its answers (stale check).
        sha256sum: 2,
        sha512sum: 1,
        // One for the contents blob, one per link target.
        base64: 1 + links(n),
        // Two for the file probes, one printing the answers the digest covers.
        cat: 3,
        readlink: links(n),
        head: 0,
        wc: 1,
        xargs: 6,
      })),
    );
  });

  it("names with newlines, backslashes, quotes, dashes and unicode answer as alone and as by the per-path fallback", async () => {
    const d = join(dir, "names");
    mkdirSync(d);
    const names = [
      "a\nb",
      "back\\slash",
      "new\nline\\and",
      "it's",
      'say "hi"',
      "-n",
      "--",
      " lead",
      "ü ✓ 𝄞",
      "$(x)",
    ];
    const probes: Probe[] = names.flatMap((name, i): Probe[] => {
      const path = join(d, name);
      writeFileSync(path, `${name}\n${i}`);
      return [
        { type: "file", path, hash: i % 2 ? "sha256" : "sha512", content: true },
        { type: "file", path, hash: i % 2 ? "sha512" : "sha256" },
      ];
    });
    const want = probes.map((p) => expected(p as never));
    const bulk = await probeAll(new ShellTarget(new ShTransport()), probes);
    expect(bulk).toEqual(want);
    const alone = await Promise.all(probes.map((p) => probeAll(new ShellTarget(new ShTransport()), [p])));
    expect(alone.map((r) => r[0])).toEqual(want);
    // An xargs that always fails forces the per-path fallback (tend_file) for every listed path.
    const broken = join(dir, "bin-broken");
    mkdirSync(broken);
    writeFileSync(join(broken, "xargs"), "#!/bin/sh\nexit 1\n");
    chmodSync(join(broken, "xargs"), 0o755);
    expect(await probeAll(new ShellTarget(new PathTransport(broken)), probes)).toEqual(want);
  });

  it.each([
    ["xargs fails", "xargs", "exit 1"],
    // The contents read back disagree with the sizes stat saw (a file changed in between).
    ["the contents' length disagrees with stat", "wc", "echo 1"],
  ])(
    "when %s, every listed path is answered alone (tend_file), exactly as the bulk path answers",
    async (_, tool, body) => {
      const probes = mixed(`fb-${tool}`, 24);
      const broken = join(dir, `bin-broken-${tool}`);
      mkdirSync(broken);
      writeFileSync(join(broken, tool), `#!/bin/sh\n${body}\n`);
      chmodSync(join(broken, tool), 0o755);
      const want = probes.map((p) => expected(p as never));
      expect(await probeAll(new ShellTarget(new ShTransport()), probes)).toEqual(want);
      const transport = new PathTransport(broken);
      expect(await probeAll(new ShellTarget(transport), probes)).toEqual(want);
      // The same script traced: the regular files went through tend_file with their digest.
      const traced = (transport.scripts[0] ?? "").replace("\n'tend_files' ", "\nset -x\n'tend_files' ");
      const r = await transport.exec({ script: traced });
      expect(E.isRight(r) && Buffer.from(r.right.stderr).toString()).toMatch(/tend_file .* sha512 0 65537/);
    },
  );

  it("property: a batch of arbitrary names and contents answers like node's lstat and reads", async () => {
    const text = fc.string({ unit: "binary", minLength: 1, maxLength: 30 }).filter((s) => !s.includes("\0"));
    const segment = text
      .map((s) => s.replaceAll("/", "_"))
      .filter((s) => s !== "." && s !== ".." && Buffer.byteLength(s) <= 200);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(segment, fc.uint8Array({ maxLength: 300 }), fc.nat(5)), {
          minLength: 1,
          maxLength: 8,
          selector: ([name]) => name,
        }),
        async (entries) => {
          const d = join(dir, `prop${run++}`);
          mkdirSync(d);
          const probes: Probe[] = entries.map(([name, bytes, k]) => {
            const path = join(d, name);
            if (k === 4) mkdirSync(path);
            else if (k !== 5) writeFileSync(path, bytes);
            return k % 2
              ? { type: "file", path, hash: "sha512", content: k > 2 }
              : { type: "file", path, hash: "sha256", content: true };
          });
          expect(await probeAll(new ShellTarget(new ShTransport()), probes)).toEqual(
            probes.map((p) => expected(p as never)),
          );
        },
      ),
      { numRuns },
    );
  }, 600_000);
});
