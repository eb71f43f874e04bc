/**
 * The bin npm links (packages/cli/bin/tend.js) runs the bundle
 * (dist/bundle/tend.mjs) only while it is at least as new as every compiled
 * package of the clone, and the compiled dist/bin.js otherwise, so a
 * `tsc -b` after a bundle never leaves tend running old code. Checked on a
 * copy of the launcher beside a stand-in bundle and dist that say which ran.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type CliIo, main } from "@tend/cli";
import { afterEach, describe, expect, it } from "vitest";

const run = promisify(execFile);
const launcher = join(import.meta.dirname, "..", "..", "packages", "cli", "bin", "tend.js");
const SIBLINGS = ["core", "modules", "transport-local", "transport-ssh", "transport-docker"];

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

/** packages/{cli,…} with the launcher, a bundle and a dist that print their names; returns the cli dir. */
const layout = async (options: { bundle: boolean; stamps: boolean }): Promise<string> => {
  root = await mkdtemp(join(tmpdir(), "tend-launcher-test-"));
  const cli = join(root, "packages", "cli");
  await mkdir(join(cli, "bin"), { recursive: true });
  await mkdir(join(cli, "dist", "bundle"), { recursive: true });
  await copyFile(launcher, join(cli, "bin", "tend.js"));
  await writeFile(join(cli, "package.json"), '{ "type": "module" }\n');
  await writeFile(join(cli, "dist", "bin.js"), 'process.stdout.write("dist\\n");\n');
  if (options.bundle)
    await writeFile(join(cli, "dist", "bundle", "tend.mjs"), 'process.stdout.write("bundle\\n");\n');
  if (options.stamps)
    for (const p of ["cli", ...SIBLINGS]) {
      await mkdir(join(root, "packages", p), { recursive: true });
      await writeFile(join(root, "packages", p, "tsconfig.tsbuildinfo"), "{}");
    }
  return cli;
};

const at = (cli: string, path: string, seconds: number) => utimes(join(cli, path), seconds, seconds);
const tend = async (cli: string) => (await run(process.execPath, [join(cli, "bin", "tend.js")])).stdout;

describe("the tend launcher", () => {
  it("runs the bundle when it is as new as every compiled package", async () => {
    const cli = await layout({ bundle: true, stamps: true });
    for (const p of ["cli", ...SIBLINGS]) await at(cli, `../${p}/tsconfig.tsbuildinfo`, 1_000);
    await at(cli, "dist/bundle/tend.mjs", 2_000);
    expect(await tend(cli)).toBe("bundle\n");
  });

  it("runs dist/bin.js once any package was compiled after the bundle", async () => {
    const cli = await layout({ bundle: true, stamps: true });
    await at(cli, "dist/bundle/tend.mjs", 2_000);
    for (const p of ["cli", ...SIBLINGS]) await at(cli, `../${p}/tsconfig.tsbuildinfo`, 1_000);
    await at(cli, "../transport-ssh/tsconfig.tsbuildinfo", 3_000);
    expect(await tend(cli)).toBe("dist\n");
  });

  it("runs the bundle of an installed package, which has no build stamps", async () => {
    expect(await tend(await layout({ bundle: true, stamps: false }))).toBe("bundle\n");
  });

  it("runs dist/bin.js when there is no bundle", async () => {
    expect(await tend(await layout({ bundle: false, stamps: true }))).toBe("dist\n");
  });
});

/** main() in this process, from the sources, with its stdout collected. */
const inProcess = async (argv: readonly string[]): Promise<string> => {
  let out = "";
  const io: CliIo = {
    stdout: (t) => {
      out += t;
    },
    stderr: () => {},
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdinIsTTY: false,
    env: {},
    cwd: process.cwd(),
    prompt: async () => undefined,
  };
  await main(argv, io);
  return out;
};

describe("the real bin (bundle or dist, whichever the launcher picks)", () => {
  for (const argv of [["--help"], ["--version"], ["plan", "--help"], ["apply", "--help"]])
    it(`prints for ${argv.join(" ")} exactly what main() prints`, async () => {
      const bin = await run(process.execPath, [launcher, ...argv], { env: { PATH: process.env.PATH ?? "" } });
      expect(bin.stdout).toBe(await inProcess(argv));
    });
});
