/**
 * tend as its users install it: each package's `npm pack` tarball, installed
 * with `npm install -g` into a throwaway prefix (dependencies from the npm
 * cache `npm ci` filled), gives a working `tend`; and the launcher npm links
 * on the first install of a clone says how to build when dist/ is missing.
 * Needs the build (`npm test` runs `tsc -b` first).
 */
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");
const PACKAGES = ["core", "transport-local", "transport-ssh", "transport-docker", "modules", "cli"];

/** npm's environment without the npm_* variables an enclosing `npm test` sets (a prefix, a global flag). */
const npmEnv = (): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_"))),
  npm_config_update_notifier: "false",
  npm_config_fund: "false",
  npm_config_audit: "false",
});

/** Runs a command and returns its exit code and output, never throwing on a non-zero exit. */
const exec = async (
  file: string,
  args: readonly string[],
  cwd = root,
): Promise<{ code: number; stdout: string; stderr: string }> => {
  try {
    const r = await run(file, [...args], { cwd, env: npmEnv(), maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string };
    return {
      code: typeof err.code === "number" ? err.code : 1,
      stdout: err.stdout ?? "",
      stderr: err.stderr ?? "",
    };
  }
};

let scratch: string;
const tarballs: string[] = [];
const packed = new Map<string, readonly string[]>();

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "tend-install-test-"));
  for (const p of PACKAGES) {
    const r = await exec("npm", ["pack", "-w", `packages/${p}`, "--pack-destination", scratch, "--json"]);
    expect(r.code, `npm pack of packages/${p} failed: ${r.stderr}`).toBe(0);
    const [info] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
    tarballs.push(join(scratch, info!.filename));
    packed.set(
      p,
      info!.files.map((f) => f.path),
    );
  }
});
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("npm pack", () => {
  it("ships the launcher, the built code and its types, and no sources or tests", () => {
    const cli = packed.get("cli")!;
    expect(cli).toEqual(
      expect.arrayContaining(["bin/tend.js", "dist/bin.js", "dist/index.js", "dist/index.d.ts"]),
    );
    for (const [p, files] of packed) {
      expect(
        files.filter((f) => f.startsWith("src/") || /\.test\.(js|d\.ts)$/.test(f)),
        p,
      ).toEqual([]);
      expect(files, p).toContain("package.json");
    }
  });
});

describe("npm install -g of the tarballs", () => {
  let prefix: string;
  beforeAll(async () => {
    prefix = join(scratch, "prefix");
    // --prefer-offline: every third-party dependency is in the cache `npm ci` filled.
    const r = await exec(
      "npm",
      ["install", "-g", "--prefix", prefix, "--prefer-offline", ...tarballs],
      scratch,
    );
    expect(r.code, `npm install -g failed:\n${r.stderr}`).toBe(0);
  });

  it("gives a tend that prints the cli package's version", async () => {
    const { version } = JSON.parse(await readFile(join(root, "packages/cli/package.json"), "utf8"));
    const r = await exec(join(prefix, "bin", "tend"), ["--version"], scratch);
    expect(r).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it("gives a tend whose help has examples and exit codes", async () => {
    const r = await exec(join(prefix, "bin", "tend"), ["--help"], scratch);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Examples:");
    expect(r.stdout).toContain("Exit codes:");
  });

  it("gives a tend that loads its modules and transports and names a missing inventory", async () => {
    const missing = join(scratch, "no-such-inventory.yml");
    const r = await exec(join(prefix, "bin", "tend"), ["plan", "-i", missing], scratch);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(missing);
    expect(r.stderr).not.toContain("internal error");
  });

  it("uses the packed @tend packages, not copies from a registry", async () => {
    const global = join(prefix, "lib", "node_modules");
    expect((await readdir(join(global, "@tend"))).sort()).toEqual([...PACKAGES].sort());
    const nested = await readdir(join(global, "@tend", "cli", "node_modules")).catch(() => []);
    expect(nested).not.toContain("@tend");
  });
});

describe("the launcher npm links before the first build", () => {
  it("says how to build when dist/ is missing, and exits 1", async () => {
    const pkg = join(scratch, "unbuilt-cli");
    await mkdir(join(pkg, "bin"), { recursive: true });
    await cp(join(root, "packages/cli/bin/tend.js"), join(pkg, "bin", "tend.js"));
    await cp(join(root, "packages/cli/package.json"), join(pkg, "package.json"));
    const r = await exec(process.execPath, [join(pkg, "bin", "tend.js"), "--version"], scratch);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(join(pkg, "dist", "bin.js"));
    expect(r.stderr).toContain("npm run build");
  });
});
