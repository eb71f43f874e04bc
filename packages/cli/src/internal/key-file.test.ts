import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../test-support.js";
import { describeConnectionVarError } from "./connect.js";
import { checkKeyFile, connectionProblems } from "./key-file.js";

const home = tempDir("home-");
mkdirSync(join(home, ".ssh"));
writeFileSync(join(home, ".ssh", "id_ed25519"), "not really a key\n", { mode: 0o600 });
mkdirSync(join(home, ".ssh", "adir"));
const lines = new Map([["ansible_ssh_private_key_file", 7]]);
const check = (value: unknown, name = "ansible_ssh_private_key_file") =>
  checkKeyFile("w1", [{ origin: "group_vars/all.yml", vars: { [name]: value }, lines }], { home });

describe("checkKeyFile: the private key file exists, is a regular file and is readable", () => {
  it("accepts a readable key, with ~ expanded to the home directory", async () => {
    expect(await check("~/.ssh/id_ed25519")).toEqual([]);
    expect(await check(join(home, ".ssh", "id_ed25519"))).toEqual([]);
    expect(await checkKeyFile("w1", [], { home })).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    [
      "a missing file",
      "~/.ssh/nope",
      `w1: ansible_ssh_private_key_file (from group_vars/all.yml, line 7): key file "~/.ssh/nope" (${home}/.ssh/nope) does not exist; expected a readable private key file`,
    ],
    ["a directory", "~/.ssh/adir", "is a directory; expected a private key file"],
    ["a device", "/dev/null", 'key file "/dev/null" is not a regular file'],
    [
      "a path through a file",
      "~/.ssh/id_ed25519/x",
      "does not exist (a part of its path is not a directory)",
    ],
    ["an empty string", "", "expected the path of a private key file"],
    ["a list", ["a"], "expected the path of a private key file"],
  ])("refuses %s, naming host, variable, file and line", async (_name, value, message) => {
    const problems = await check(value);
    expect(problems.map(describeConnectionVarError).join("\n")).toContain(message);
    expect(problems[0]).toMatchObject({
      host: "w1",
      variable: "ansible_ssh_private_key_file",
      origin: "group_vars/all.yml",
      line: 7,
    });
  });

  it("reads the older name ansible_private_key_file too", async () => {
    const problems = await check("~/.ssh/nope", "ansible_private_key_file");
    expect(problems.map((p) => p.variable)).toEqual(["ansible_private_key_file"]);
  });

  it.skipIf(process.getuid?.() === 0)("refuses a key this user cannot read", async () => {
    const locked = join(home, ".ssh", "locked");
    writeFileSync(locked, "k", { mode: 0o600 });
    chmodSync(locked, 0);
    const problems = await check(locked);
    expect(problems.map(describeConnectionVarError).join("\n")).toContain("is not readable by this user");
  });
});

describe("connectionProblems: every connection problem of a host, sorted by file and line", () => {
  it("joins the pure checks and the key file check, in file and line order", async () => {
    const problems = await connectionProblems(
      "w1",
      [
        {
          origin: "group_vars/all.yml",
          vars: { ansible_port: 0, ansible_ssh_private_key_file: "~/.ssh/nope" },
          lines: new Map([
            ["ansible_port", 9],
            ["ansible_ssh_private_key_file", 2],
          ]),
        },
        { origin: "host_vars/w1.yml", vars: { ansible_user: "a b" }, lines: new Map([["ansible_user", 1]]) },
      ],
      { user: "operator" },
      { home },
    );
    expect(problems.map((p) => [p.origin, p.line, p.variable])).toEqual([
      ["group_vars/all.yml", 2, "ansible_ssh_private_key_file"],
      ["group_vars/all.yml", 9, "ansible_port"],
      ["host_vars/w1.yml", 1, "ansible_user"],
    ]);
  });

  it("does not check a key file for a docker or local host", async () => {
    const vars = { ansible_connection: "docker", ansible_ssh_private_key_file: "~/.ssh/nope" };
    expect(
      await connectionProblems("w1", [{ origin: "h.yml", vars }], { user: "operator" }, { home }),
    ).toEqual([]);
  });
});
