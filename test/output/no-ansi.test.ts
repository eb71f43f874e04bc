/**
 * The real bin (packages/cli/bin/tend.js, bundle or dist, whichever the
 * launcher picks) with stdout and stderr pipes, as in a CI log or `| less`:
 * no ANSI escape byte in anything it prints, for every command, unless
 * FORCE_COLOR asks for colour (and NO_COLOR still beats it). Hosts: this
 * machine through --local, with the real modules; a host in no group is
 * declared nothing, so nothing on this machine changes.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const bin = join(root, "packages", "cli", "bin", "tend.js");
const demo = join(root, "scripts", "demo.mjs");
const ESC = "\u001b";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tend-no-ansi-"));
  // A host in a group no module applies to: validate checks it and contacts nothing.
  await writeFile(join(dir, "hosts.ini"), "[web]\nweb1 ansible_host=127.0.0.1\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the bin with piped output and only the environment given (a terminal's TERM, no CI or colour variables). */
const tend = (argv: readonly string[], env: Record<string, string> = {}): Promise<Ran> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...argv],
      {
        env: { PATH: process.env.PATH ?? "", HOME: dir, TERM: "xterm-256color", ...env },
        cwd: dir,
        timeout: 120_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: typeof error?.code === "number" ? error.code : error ? -1 : 0, stdout, stderr }),
    );
  });

const COMMANDS: readonly (readonly string[])[] = [
  ["--help"],
  ["plan", "--help"],
  ["apply", "--help"],
  ["validate", "-i", "hosts.ini"],
  ["validate", "-i", "missing.ini"],
  ["plan", "--local"],
  ["plan", "--local", "--json"],
  ["apply", "--local", "--yes"],
  ["graph", "--local"],
  ["plan", "-i", "hosts.ini", "--limit", "nosuchhost"],
];

describe("output into a pipe has no ANSI escapes", () => {
  for (const argv of COMMANDS)
    it(`tend ${argv.join(" ")}: no escape byte on stdout or stderr`, async () => {
      const r = await tend(argv);
      expect(r.stdout.length + r.stderr.length).toBeGreaterThan(0);
      expect(r.stdout.includes(ESC)).toBe(false);
      expect(r.stderr.includes(ESC)).toBe(false);
    });

  it("plan --local prints its summary in plain text, the 'Plan:' totals line included", async () => {
    const r = await tend(["plan", "--local"]);
    expect(r.stdout).toMatch(/^Plan: \d+ to create/m);
    // This machine is in no group: the real modules declare nothing, and plan says why.
    expect(r.stdout).toContain("it is in no inventory group");
  });
});

describe("FORCE_COLOR and NO_COLOR", () => {
  it("FORCE_COLOR=1 colours even a pipe (so the checks above can see an escape when there is one)", async () => {
    const r = await tend(["plan", "--local"], { FORCE_COLOR: "1" });
    expect(r.stdout.includes(ESC)).toBe(true);
  });

  it("FORCE_COLOR=0 and NO_COLOR (which beats FORCE_COLOR) keep a pipe plain", async () => {
    const envs: Record<string, string>[] = [{ FORCE_COLOR: "0" }, { NO_COLOR: "1", FORCE_COLOR: "1" }];
    for (const env of envs) {
      const r = await tend(["plan", "--local"], env);
      expect(r.stdout.includes(ESC) || r.stderr.includes(ESC)).toBe(false);
    }
  });
});

/**
 * `npm run demo`'s own headings, into a pipe. With a PATH that has no bash
 * the demo stops at its first step, having printed its first heading and
 * the one of its clean-up, and starts no host.
 */
const runDemo = (env: Record<string, string>): Promise<Ran> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [demo],
      { env: { PATH: "/nonexistent", ...env }, cwd: dir },
      (error, stdout, stderr) =>
        resolve({ code: typeof error?.code === "number" ? error.code : error ? -1 : 0, stdout, stderr }),
    );
  });

describe("npm run demo into a pipe", () => {
  it("prints its headings without escapes", async () => {
    const r = await runDemo({ TERM: "xterm-256color" });
    expect(r.stdout).toContain("== system prerequisites and test image\n");
    expect(r.stdout).toContain("== removing the demo hosts\n");
    expect(r.stdout.includes(ESC) || r.stderr.includes(ESC)).toBe(false);
  });

  it("and in bold with FORCE_COLOR=1, as tend itself would", async () => {
    const r = await runDemo({ FORCE_COLOR: "1" });
    expect(r.stdout).toContain(`${ESC}[1m== system prerequisites and test image`);
  });
});

/**
 * The bin with stdout a pipe whose reader is already gone, as in
 * `tend --help | head -1` once head has exited: EPIPE on every write.
 */
const tendIntoClosedPipe = (argv: readonly string[]): Promise<Ran> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...argv], {
      env: { PATH: process.env.PATH ?? "", HOME: dir, TERM: "xterm-256color" },
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Close our end of stdout at once: the child's writes get EPIPE.
    child.stdout.destroy();
    const err: Buffer[] = [];
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("close", (code) =>
      resolve({ code: code ?? -1, stdout: "", stderr: Buffer.concat(err).toString() }),
    );
  });

describe("a reader that goes away", () => {
  for (const argv of [["--help"], ["plan", "--help"], ["plan", "--local"]])
    it(`tend ${argv.join(" ")} into a closed pipe ends as it would have (exit 0), without a stack trace`, async () => {
      const r = await tendIntoClosedPipe(argv);
      expect(r.stderr).not.toMatch(/EPIPE|Unhandled|^\s+at /m);
      expect(r.code).toBe(0);
    });
});
