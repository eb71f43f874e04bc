/**
 * The one-file bundle (`npm run bundle` → dist/tend.mjs) runs alone: copied
 * into an empty directory, with no node_modules anywhere above it, it prints
 * its version, its help, and loads its modules and transports. Needs the
 * build (`npm test` runs `tsc -b` first).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
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
let split: string;
beforeAll(async () => {
  // tmpdir() has no node_modules above it, so nothing can be resolved from outside the file.
  dir = await mkdtemp(join(tmpdir(), "tend-bundle-test-"));
  bundle = join(dir, "tend.mjs");
  const r = await node(root, [join(root, "scripts", "bundle.mjs"), bundle]);
  expect(r.code, r.stderr).toBe(0);
  const s = await node(root, [join(root, "scripts", "bundle.mjs"), "--split", join(dir, "split")]);
  expect(s.code, s.stderr).toBe(0);
  split = join(dir, "split", "tend.mjs");
});

/** An inventory of one SSH host on a closed local port: planning it loads ssh2 and connects. */
const closedPortInventory = async (): Promise<string> => {
  const inv = join(dir, "closed-port.yml");
  await writeFile(inv, "all:\n  hosts:\n    h1:\n      ansible_host: 127.0.0.1\n      ansible_port: 1\n");
  return inv;
};
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

  it("loads ssh2 from itself: an SSH host on a closed port is refused, not a crash", async () => {
    const r = await node(dir, [bundle, "plan", "-i", await closedPortInventory()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("h1: cannot connect: connect ECONNREFUSED 127.0.0.1:1");
    expect(r.stderr).not.toContain("Error");
  });
});

describe("the split bundle (npm run build, what the bin prefers)", () => {
  it("prints the version and the same help as the one-file bundle", async () => {
    expect((await node(dir, [split, "--version"])).stdout).toBe(
      (await node(dir, [bundle, "--version"])).stdout,
    );
    expect((await node(dir, [split, "--help"])).stdout).toBe((await node(dir, [bundle, "--help"])).stdout);
  });

  it("loads ssh2 from its chunks: an SSH host on a closed port is refused, not a crash", async () => {
    const r = await node(dir, [split, "plan", "-i", await closedPortInventory()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("h1: cannot connect: connect ECONNREFUSED 127.0.0.1:1");
    expect(r.stderr).not.toContain("Error");
  });
});
