/**
 * The one place argv becomes a string, checked against a real /bin/sh: the
 * remote sshd hands the command string to the login shell, so `sh -c
 * <string>` here is what the host does.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { becomeArgv, becomeTokens } from "@tend/core";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { buildCommand, type CommandContext, shellJoin, shellQuote, uploadScript } from "./command.js";

const sh = (commandLine: string, stdin = "") => {
  const r = spawnSync("/bin/sh", ["-c", commandLine], { input: stdin, timeout: 20_000 });
  return { code: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
};

// NUL cannot travel in argv at all; everything else must survive.
const word = fc.string({ unit: "grapheme", maxLength: 40 }).filter((s) => !s.includes("\0"));
const asRoot: CommandContext = { loginUser: "root", become: true, becomeUser: "root" };

describe("shellQuote", () => {
  it("gives /bin/sh back exactly the word, whatever characters it holds", () => {
    fc.assert(
      fc.property(word, (s) => {
        expect(sh(`printf '%s' ${shellQuote(s)}`).stdout).toBe(s);
      }),
      { numRuns: 150 },
    );
  });
});

describe("buildCommand", () => {
  it("runs the script with env values and stdin intact when the login shell reads the string", () => {
    fc.assert(
      fc.property(word, word, (value, input) => {
        const line = buildCommand(`printf '%s|' "$TEND_V"; cat`, { TEND_V: value }, asRoot);
        expect(sh(line, input).stdout).toBe(`${value}|${input}`);
      }),
      { numRuns: 100 },
    );
  });

  it("escalates only when the login user is not the become user, through sudo -n, sudo -S with the handshake's prompt, or su", () => {
    const tokens = becomeTokens("0123456789abcdef");
    expect(buildCommand("id", undefined, asRoot)).toBe(`'sh' '-c' 'id'`);
    expect(buildCommand("id", undefined, { loginUser: "deploy", become: false, becomeUser: "root" })).toBe(
      `'sh' '-c' 'id'`,
    );
    const deploy: CommandContext = { loginUser: "deploy", become: true, becomeUser: "root" };
    const inner = ["env", "A=1", "sh", "-c", "id"];
    expect(buildCommand("id", { A: "1" }, deploy, undefined, tokens)).toBe(
      shellJoin(becomeArgv({ method: "sudo", user: "root", withPassword: false }, tokens, inner)),
    );
    expect(buildCommand("id", { A: "1" }, deploy, undefined, tokens)).toMatch(
      /^'env' 'LC_ALL=C' 'sudo' '-n' '-u' 'root' '--' /,
    );
    expect(buildCommand("id", { A: "1" }, { ...deploy, withPassword: true }, undefined, tokens)).toMatch(
      new RegExp(`^'env' 'LC_ALL=C' 'sudo' '-S' '-p' '${tokens.prompt}' '-u' 'root' '--' `),
    );
    expect(buildCommand("id", { A: "1" }, { ...deploy, becomeMethod: "su" }, undefined, tokens)).toMatch(
      /^'env' 'LC_ALL=C' 'su' '-s' '\/bin\/sh' 'root' '-c' /,
    );
    expect(() => buildCommand("id", undefined, deploy)).toThrow(RangeError);
  });

  it("refuses an environment variable name that env could misread", () => {
    for (const name of ["", "A=B", "-u", "1X", "a b"]) {
      expect(() => buildCommand("true", { [name]: "v" }, asRoot)).toThrow(RangeError);
    }
  });

  it("kills the whole command on the host at the deadline (timeout -s KILL), keeping its output", () => {
    const started = Date.now();
    const r = sh(buildCommand("echo before; sleep 5; echo after", undefined, asRoot, 300));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(r.code).toBe(137);
    expect(r.stdout).toBe("before\n");
  });
});

describe("uploadScript", () => {
  const dir = mkdtempSync(join(tmpdir(), "tend-upload-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes stdin to the path with the mode and leaves no temp file", () => {
    const path = join(dir, "it's a file");
    writeFileSync(path, "old");
    const r = sh(buildCommand(uploadScript(path, 0o640), undefined, asRoot), "new\n");
    expect(r.code).toBe(0);
    expect(readFileSync(path, "utf8")).toBe("new\n");
    expect(statSync(path).mode & 0o7777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(["it's a file"]);
  });

  it("fails without a trace when the directory is missing or the path is a directory", () => {
    expect(sh(uploadScript(join(dir, "missing", "f"), 0o644), "x").code).not.toBe(0);
    const r = sh(uploadScript(dir, 0o644), "x");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("is a directory");
    expect(readdirSync(dir).filter((f) => f.includes("tend-"))).toEqual([]);
  });
});
