/**
 * Bad inventories, vars files and connection variables, each run through
 * main() against SimHosts: exit code 1, a message that names the file (and
 * line), host and variable, no JavaScript value names and no "internal
 * error", no connection attempted (deps.openTarget never called), and no
 * process spawned on the controller.
 */
import * as childProcess from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../index.js";
import { recordingIo, simDeps, simHost, tempDir } from "../../test-support.js";

vi.mock("node:child_process", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:child_process")>();
  return {
    ...real,
    spawn: vi.fn(real.spawn),
    execFile: vi.fn(real.execFile),
    exec: vi.fn(real.exec),
    spawnSync: vi.fn(real.spawnSync),
    execSync: vi.fn(real.execSync),
    execFileSync: vi.fn(real.execFileSync),
  };
});
const processCalls = (): number =>
  [
    childProcess.spawn,
    childProcess.execFile,
    childProcess.exec,
    childProcess.spawnSync,
    childProcess.execSync,
    childProcess.execFileSync,
  ]
    .map((f) => vi.mocked(f).mock.calls.length)
    .reduce((a, b) => a + b, 0);
beforeEach(() => {
  vi.clearAllMocks();
});

type Files = Record<string, string | Uint8Array>;

/** Writes files (paths relative to a fresh directory, subdirectories made) and returns the directory. */
const tree = (files: Files): string => {
  const dir = tempDir("table-");
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
};

const marker = join(tempDir("marker-"), "ran");
// Key files outside the case's directory, so the paths in messages stay whole.
const keyDir = tempDir("keys-");
const missingKey = join(keyDir, "id_missing");
const hostsYml = (vars: string): string => `all:\n  hosts:\n    w1:\n${vars}`;
const latin1 = (text: string): Uint8Array => Buffer.from(text, "latin1");
const bomb = [
  'a: &a ["x","x","x","x","x","x","x","x","x"]',
  "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
  "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
  "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
  "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]",
  "",
].join("\n");
const mergeBomb = Array.from({ length: 25 }, (_, i) =>
  i === 0 ? "m0: &m0 {k0: 1}" : `m${i}: &m${i}\n  <<: [*m${i - 1}, *m${i - 1}]\n  k${i}: 1`,
).join("\n");

interface Case {
  readonly name: string;
  readonly files: Files;
  /** The inventory file given to -i; hosts.yml by default. */
  readonly inventory?: string;
  /** Each must appear in the output (paths shown relative to the case's directory). */
  readonly says: readonly string[];
}

const inventoryStructure: Case[] = [
  {
    name: "an empty YAML inventory",
    files: { "hosts.yml": "" },
    says: ["hosts.yml: the inventory defines no hosts"],
  },
  {
    name: "an INI inventory of only comments",
    files: { hosts: "# nothing yet\n; really\n" },
    inventory: "hosts",
    says: ["hosts: the inventory defines no hosts"],
  },
  {
    name: "groups but no hosts",
    files: { "hosts.yml": "all:\n  children:\n    web: {}\n" },
    says: ["the inventory defines no hosts"],
  },
  {
    name: "a list at the top",
    files: { "hosts.yml": "- w1\n- w2\n" },
    says: ["hosts.yml: an inventory must be a mapping of groups", "got a list"],
  },
  {
    name: "a group that is a string",
    files: { "hosts.yml": "all:\n  children:\n    web: w1\n" },
    says: ["hosts.yml:3: all.children.web: a group must be a mapping", 'got the string "w1"'],
  },
  {
    name: "a misspelt group key",
    files: { "hosts.yml": "all:\n  hots:\n    w1:\n" },
    says: ["hosts.yml:2: all.hots: unexpected key"],
  },
  {
    name: "a host listed twice in one mapping",
    files: { "hosts.yml": "all:\n  hosts:\n    w1:\n    w2:\n    w1:\n" },
    says: ['hosts.yml:5: all.hosts: duplicate key "w1": first at line 3, again at line 5'],
  },
  {
    name: "a group cycle",
    files: { "hosts.ini": "[a:children]\nb\n[b:children]\na\n" },
    inventory: "hosts.ini",
    says: ["hosts.ini: groups form a cycle: a -> b -> a"],
  },
  {
    name: "an INI host line with an open quote",
    files: { "hosts.ini": "[web]\nw1 motd='hi\n" },
    inventory: "hosts.ini",
    says: ["hosts.ini:2: unterminated quote"],
  },
  {
    name: "an INI section with an unknown suffix",
    files: { "hosts.ini": "[web]\nw1\n[web:hosts]\n" },
    inventory: "hosts.ini",
    says: ['hosts.ini:3: unknown section suffix ":hosts"'],
  },
  {
    name: "an invalid variable name in a vars file",
    files: { "hosts.yml": hostsYml(""), "group_vars/all.yml": "ok: 1\nbad-name: 2\n" },
    says: ['group_vars/all.yml:2: bad-name: invalid variable name "bad-name"'],
  },
  {
    name: "__proto__ as a variable in a vars file",
    files: {
      "hosts.yml": hostsYml(""),
      "group_vars/all.json": '{"motd": "x", "__proto__": {"polluted": 1}}',
    },
    says: ['group_vars/all.json:1: __proto__: invalid variable name "__proto__" (reserved)'],
  },
  {
    name: "an invalid variable name on an INI host line",
    files: { "hosts.ini": "[web]\nw1 motd=x bad-name=1\n" },
    inventory: "hosts.ini",
    says: ['hosts.ini:2: invalid variable name "bad-name"'],
  },
  {
    name: "__proto__ in an INI [group:vars] section",
    files: { "hosts.ini": "[web]\nw1\n[web:vars]\n__proto__=1\n" },
    inventory: "hosts.ini",
    says: ['hosts.ini:4: invalid variable name "__proto__" (reserved)'],
  },
  {
    name: "a vars file that is a list",
    files: { "hosts.yml": hostsYml(""), "host_vars/w1.yml": "- a\n" },
    says: ["host_vars/w1.yml: a vars file must be a mapping of variable names, got a list"],
  },
  {
    name: "an inventory that is a directory",
    files: { "inv/x": "" },
    inventory: "inv",
    says: ["inv: is a directory"],
  },
  {
    name: "a missing inventory",
    files: {},
    inventory: "nope.yml",
    says: ["nope.yml: cannot read inventory: no such file"],
  },
];

const inputFileSafety: Case[] = [
  {
    name: "an alias bomb in the inventory",
    files: { "hosts.yml": `${hostsYml("")}${bomb}` },
    says: ["hosts.yml:5: YAML aliases expand to more than 1000 copies"],
  },
  {
    name: "a merge-key bomb in group_vars",
    files: { "hosts.yml": hostsYml(""), "group_vars/all.yml": mergeBomb },
    says: ["group_vars/all.yml:3: YAML aliases expand to more than 1000 copies"],
  },
  {
    name: "an alias with no anchor",
    files: { "hosts.yml": hostsYml(""), "group_vars/all.yml": "a: 1\nb: *nope\n" },
    says: ["group_vars/all.yml:2: alias *nope has no anchor &nope before it"],
  },
  {
    name: "a 20 MB vars file",
    files: { "hosts.yml": hostsYml(""), "group_vars/all.yml": Buffer.alloc(20 * 1024 * 1024, "a: 1\n") },
    says: ["group_vars/all.yml: vars file is 20971520 bytes, over the limit of 8388608 bytes (8 MiB)"],
  },
  {
    name: "Latin-1 bytes in the inventory",
    files: { "hosts.yml": latin1("all:\n  hosts:\n    w1:\n      motd: caf\u00e9\n") },
    says: ["hosts.yml:4: is not UTF-8: byte 0xE9 at byte offset 37"],
  },
  {
    name: "a stray continuation byte in a host_vars directory file",
    files: {
      "hosts.yml": hostsYml(""),
      "host_vars/w1/main.yml": Uint8Array.from([0x61, 0x3a, 0x20, 0x80, 0x0a]),
    },
    says: ["host_vars/w1/main.yml:1: is not UTF-8: byte 0x80 at byte offset 3"],
  },
  {
    name: "a UTF-16 inventory",
    files: { "hosts.yml": Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(hostsYml(""), "utf16le")]) },
    says: ["hosts.yml: is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8"],
  },
  {
    name: "a key given twice in a vars file",
    files: { "hosts.yml": hostsYml(""), "group_vars/all.yml": "motd: a\nother: 1\nmotd: b\n" },
    says: ['group_vars/all.yml:3: duplicate key "motd": first at line 1, again at line 3'],
  },
  {
    name: "YAML nested thousands deep",
    files: { "hosts.yml": hostsYml(""), "group_vars/all.yml": `a: ${"[".repeat(50_000)}` },
    says: ["group_vars/all.yml:1: invalid YAML"],
  },
  {
    name: "a YAML syntax error",
    files: { "hosts.yml": "all:\n  hosts:\n    w1: {\n" },
    says: ["hosts.yml:4: invalid YAML"],
  },
  {
    name: "a character device as the inventory",
    files: {},
    inventory: "/dev/null",
    says: ["/dev/null: cannot read inventory: not a regular file"],
  },
];

const connectionVariables: Case[] = [
  {
    name: "a misspelt connection",
    files: { "hosts.yml": hostsYml("      ansible_connection: sssh\n") },
    says: [
      'error: hosts.yml:4: ansible_connection: unsupported connection "sssh"',
      'did you mean "ssh"?\n  host: w1\n',
    ],
  },
  {
    name: "port 0",
    files: { "hosts.yml": hostsYml(""), "group_vars/all.yml": "motd: x\nansible_port: 0\n" },
    says: [
      "error: group_vars/all.yml:2: ansible_port: expected a TCP port, an integer from 1 to 65535, got 0\n  host: w1\n",
    ],
  },
  {
    name: "port 65536",
    files: { "hosts.yml": hostsYml("      ansible_port: 65536\n") },
    says: ["error: hosts.yml:4: ansible_port: expected a TCP port", "got 65536\n  host: w1\n"],
  },
  {
    name: "a port with letters",
    files: { "hosts.ini": "[web]\nw1 ansible_port=22x\n" },
    inventory: "hosts.ini",
    says: [
      'error: hosts.ini:2: ansible_port: expected a TCP port, an integer from 1 to 65535, got "22x"\n  host: w1\n',
    ],
  },
  {
    name: "ansible_host with a command substitution, behind a ProxyCommand",
    files: {
      "hosts.yml": hostsYml(
        `      ansible_host: "10.0.0.1$(touch ${marker})"\n      ansible_ssh_common_args: '-o ProxyCommand="nc %h %p"'\n`,
      ),
    },
    says: ["error: hosts.yml:4: ansible_host: expected a host name", "or an IP address", "\n  host: w1\n"],
  },
  {
    name: "ansible_host with a space",
    files: { "hosts.yml": hostsYml("      ansible_host: 'w1 -oProxyCommand=x'\n") },
    says: [
      "error: hosts.yml:4: ansible_host: expected a host name",
      'got "w1 -oProxyCommand=x"\n  host: w1\n',
    ],
  },
  {
    name: "an inventory host name that is no address, without ansible_host",
    files: { "hosts.yml": "all:\n  hosts:\n    'w1;reboot':\n" },
    says: [
      "error: ansible_host: not set, and the inventory host name is no address",
      'got "w1;reboot" (set in the inventory host name)\n  host: w1;reboot\n',
    ],
  },
  {
    name: "ansible_user with shell syntax",
    files: { "hosts.yml": hostsYml(`      ansible_user: "root;touch ${marker}"\n`) },
    says: ["error: hosts.yml:4: ansible_user: expected a user name", "marker-", "\n  host: w1\n"],
  },
  {
    name: "ansible_user that reads as an ssh option",
    files: { "hosts.yml": hostsYml("      ansible_user: -oProxyCommand=x\n") },
    says: [
      "error: hosts.yml:4: ansible_user: expected a user name",
      'not starting with "-"',
      'got "-oProxyCommand=x"\n  host: w1\n',
    ],
  },
  {
    name: "ansible_become that is not an Ansible boolean",
    files: { "hosts.yml": hostsYml(""), "group_vars/all.yml": "ansible_become: maybe\n" },
    says: [
      'error: group_vars/all.yml:1: ansible_become: expected a boolean (true/false, yes/no, on/off, 1/0), got "maybe"\n  host: w1\n',
    ],
  },
  {
    name: "ansible_become_user with shell syntax",
    files: { "hosts.yml": hostsYml("      ansible_become_user: 'root$(id)'\n") },
    says: ["error: hosts.yml:4: ansible_become_user: expected a user name", 'got "root$(id)"\n  host: w1\n'],
  },
  {
    name: "a ProxyCommand with an open quote",
    files: { "hosts.yml": hostsYml(`      ansible_ssh_common_args: "-o 'ProxyCommand=nc \\"%h %p'"\n`) },
    says: [
      "error: hosts.yml:4: ansible_ssh_common_args: ProxyCommand: unterminated double quote\n  host: w1\n",
    ],
  },
  {
    name: "an empty ProxyCommand",
    files: { "hosts.yml": hostsYml("      ansible_ssh_common_args: '-o ProxyCommand='\n") },
    says: ["error: hosts.yml:4: ansible_ssh_common_args: ProxyCommand is empty", "%h:%p\n  host: w1\n"],
  },
  {
    name: "a ProxyCommand with an unknown token",
    files: { "hosts.yml": hostsYml("      ansible_ssh_common_args: '-o ProxyCommand=\"nc %h %n\"'\n") },
    says: [
      "error: hosts.yml:4: ansible_ssh_common_args: ProxyCommand: unknown token %n",
      "%%)\n  host: w1\n",
    ],
  },
  {
    name: "args with an unterminated quote",
    files: { "hosts.yml": hostsYml('      ansible_ssh_extra_args: "-o \'StrictHostKeyChecking=no"\n') },
    says: ["error: hosts.yml:4: ansible_ssh_extra_args: unterminated single quote\n  host: w1\n"],
  },
  {
    name: "a ProxyJump with shell syntax",
    files: { "hosts.yml": hostsYml(`      ansible_ssh_common_args: "-J 'bastion;touch ${marker}'"\n`) },
    says: [
      "error: hosts.yml:4: ansible_ssh_common_args: jump host: expected a host name",
      '/ran"\n  host: w1\n',
    ],
  },
  {
    name: "a docker container name with shell syntax",
    files: {
      "hosts.yml": hostsYml("      ansible_connection: docker\n      ansible_host: 'c1 && reboot'\n"),
    },
    says: [
      "error: hosts.yml:5: ansible_host: expected a container name or id",
      'got "c1 && reboot"\n  host: w1\n',
    ],
  },
  {
    name: "a private key file that does not exist",
    files: { "hosts.yml": hostsYml(`      ansible_ssh_private_key_file: ${missingKey}\n`) },
    says: [
      `error: hosts.yml:4: ansible_ssh_private_key_file: key file "${missingKey}" does not exist`,
      "expected a readable private key file\n  host: w1\n",
    ],
  },
  {
    name: "a private key file that is a directory",
    files: {
      "hosts.yml": hostsYml(""),
      "host_vars/w1.yml": `motd: x\nansible_private_key_file: ${keyDir}\n`,
    },
    says: [
      `error: host_vars/w1.yml:2: ansible_private_key_file: key file "${keyDir}" is a directory`,
      "expected a private key file\n  host: w1\n",
    ],
  },
  {
    name: "an unknown host key policy",
    files: { "hosts.yml": hostsYml("      tend_ssh_host_key_policy: yolo\n") },
    says: [
      'error: hosts.yml:4: tend_ssh_host_key_policy: expected "strict" or "accept-new", got "yolo"\n  host: w1\n',
    ],
  },
];

const run = async (c: Case) => {
  const dir = tree(c.files);
  const inventory = c.inventory?.startsWith("/") ? c.inventory : join(dir, c.inventory ?? "hosts.yml");
  const base = simDeps({ w1: simHost("w1"), w2: simHost("w2") });
  const openTarget = vi.fn(base.openTarget);
  const io = recordingIo();
  const code = await main(["plan", "-i", inventory], io, { ...base, openTarget });
  const output = `${io.out()}\n${io.err()}`.replaceAll(`${dir}/`, "");
  return { code, output, openTarget };
};

describe.each([
  ["inventory structure", inventoryStructure],
  ["input-file safety", inputFileSafety],
  ["connection variables", connectionVariables],
])("%s", (_area, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))(
    "%s: exit 1, the message names file, line, host and variable, and nothing connects or runs",
    async (_name, c) => {
      const { code, output, openTarget } = await run(c);
      for (const words of c.says) expect(output).toContain(words);
      expect(code).toBe(1);
      expect(openTarget).not.toHaveBeenCalled();
      expect(processCalls()).toBe(0);
      expect(existsSync(marker)).toBe(false);
      expect(output).not.toMatch(/internal error|undefined|\[object Object\]|NaN/);
    },
  );
});

describe("inputs Ansible accepts are accepted", () => {
  it.each<[string, Files]>([
    [
      "a UTF-8 BOM before the inventory",
      { "hosts.yml": Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(hostsYml(""))]) },
    ],
    ["an empty vars file", { "hosts.yml": hostsYml(""), "group_vars/all.yml": "" }],
    ["a vars file of only comments", { "hosts.yml": hostsYml(""), "host_vars/w1.yml": "# later\n" }],
    ["a port as a string of digits", { "hosts.yml": hostsYml("      ansible_port: '2222'\n") }],
    ["a bracketed IPv6 ansible_host", { "hosts.yml": hostsYml("      ansible_host: '[fd00::1]'\n") }],
    [
      "$(...) and backticks in an ssh option tend ignores stay text",
      {
        "hosts.yml": hostsYml(
          `      ansible_ssh_common_args: '-o ServerAliveInterval=$(touch ${marker}) -o X=\`id\`'\n`,
        ),
      },
    ],
  ])("%s: planned, exit 0", async (_name, files) => {
    const { code, output, openTarget } = await run({ name: _name, files, says: [] });
    expect(output).not.toMatch(/error|undefined/);
    expect(code).toBe(0);
    expect(openTarget).toHaveBeenCalledTimes(1);
    expect(existsSync(marker)).toBe(false);
  });
});

describe("one host's problem stops every host", () => {
  it("a missing key file of w1 keeps w2, whose variables are fine, from being contacted too", async () => {
    const { code, output, openTarget } = await run({
      name: "fleet",
      files: {
        "hosts.yml": `all:\n  hosts:\n    w1:\n      ansible_ssh_private_key_file: ${missingKey}\n    w2:\n`,
      },
      says: [],
    });
    expect(output).toContain(`error: hosts.yml:4: ansible_ssh_private_key_file: key file "${missingKey}"`);
    expect(output).toContain("\n  host: w1\n");
    expect(output).not.toContain("host: w2");
    expect(output).toContain("1 problem in 1 host; no host was contacted");
    expect(code).toBe(1);
    expect(openTarget).not.toHaveBeenCalled();
    expect(processCalls()).toBe(0);
  });
});

describe("problems of several files", () => {
  it("are all reported at once, sorted by file and then line", async () => {
    const { code, output, openTarget } = await run({
      name: "several",
      files: {
        "hosts.yml":
          "all:\n  children:\n    zeta:\n      hosts:\n        w1:\n    alpha:\n      hosts:\n        w1:\n",
        "group_vars/zeta.yml": "ok: 1\nbad-z: 1\n",
        "group_vars/alpha.yml": "a: 1\nb: 2\nc: 3\na: 4\nbad-late: 1\n",
        "host_vars/w1.yml": "- not a mapping\n",
      },
      says: [],
    });
    expect(code).toBe(1);
    expect(openTarget).not.toHaveBeenCalled();
    const lines = output.split("\n").filter((l) => l.includes("_vars/"));
    expect(lines.map((l) => /(\w+_vars\/\w+\.yml(?::\d+)?)/.exec(l)?.[1])).toEqual([
      "group_vars/alpha.yml:4",
      "group_vars/zeta.yml:2",
      "host_vars/w1.yml",
    ]);
  });
});

describe("host and group names are not paths", () => {
  it("a host named ../escape reads no vars file outside host_vars/", async () => {
    const { output } = await run({
      name: "escape",
      files: {
        "hosts.yml":
          "all:\n  hosts:\n    ../escape:\n      ansible_host: 10.0.0.9\n  children:\n    ../g:\n      hosts:\n        w1:\n",
        "host_vars/keep": "",
        "group_vars/keep": "",
        "escape.yml": "- secret-line-of-another-file\n",
        "g.yml": "- secret-line-of-another-file\n",
      },
      says: [],
    });
    expect(output).not.toContain("secret-line");
    expect(output).not.toContain("escape.yml");
  });
});
