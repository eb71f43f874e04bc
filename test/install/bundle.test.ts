/**
 * The one-file bundle (`npm run bundle` → dist/tend.mjs) runs alone: copied
 * into an empty directory, with no node_modules anywhere above it, it prints
 * its version, its help, and loads its modules and transports. Needs the
 * build (`npm test` runs `tsc -b` first).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");

const node = async (cwd: string, args: readonly string[]) => {
  try {
    const r = await run(process.execPath, [...args], { cwd, env: { PATH: process.env.PATH ?? "" } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
};

let dir: string;
let bundle: string;
beforeAll(async () => {
  // tmpdir() has no node_modules above it, so nothing can be resolved from outside the file.
  dir = await mkdtemp(join(tmpdir(), "tend-bundle-test-"));
  bundle = join(dir, "tend.mjs");
  const r = await node(root, [join(root, "scripts", "bundle.mjs"), bundle]);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the one-file bundle", () => {
  it("prints the cli package's version, baked in", async () => {
    const { version } = JSON.parse(await readFile(join(root, "packages/cli/package.json"), "utf8"));
    expect(await node(dir, [bundle, "--version"])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it("has every command in its help", async () => {
    const r = await node(dir, [bundle, "--help"]);
    expect(r.code).toBe(0);
    for (const c of ["plan", "apply", "facts", "graph"]) expect(r.stdout).toContain(`  ${c} [options]`);
  });

  it("loads its modules and transports from itself and names a missing inventory", async () => {
    const missing = join(dir, "no-such-inventory.yml");
    const r = await node(dir, [bundle, "plan", "-i", missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(missing);
    expect(r.stderr).not.toContain("internal error");
  });
});
