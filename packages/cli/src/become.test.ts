/**
 * Privilege escalation on the command line: the become variables as Ansible
 * spells them, --ask-become-pass, and the promise that the password appears
 * in no output of validate, plan, apply or facts (nor in a plan file), also
 * when something around it is wrong.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Target, TransportError } from "@tend/core";
import { isLeft, isRight, left, right } from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { main } from "./index.js";
import { describeBecomeFailed } from "./internal/become-messages.js";
import { type Connection, connectionOf } from "./internal/connect.js";
import type { Deps } from "./internal/facade.js";
import { Secret } from "./internal/secret.js";
import { inventoryFile, type RecordingIo, recordingIo, simDeps, simHost, tempDir } from "./test-support.js";

/** A password that no other text in any output could contain by chance. */
const MARKER = "Pw-7c1e0f9b-MARKER";
const defaults = { user: "operator" };
const conn = (vars: Record<string, unknown>) =>
  connectionOf(
    "w1",
    [{ origin: "group_vars/all.yml", vars, lines: new Map([["ansible_become_password", 3]]) }],
    defaults,
  );

/** Every open of a target, with the password revealed as the transport would get it. */
const recording = (deps: Deps) => {
  const opened: { host: string; password?: string; from?: string }[] = [];
  return {
    opened,
    deps: {
      ...deps,
      openTarget: (c: Connection) => {
        const password = c.type === "docker" ? undefined : c.becomePassword?.reveal();
        const from = c.type === "docker" ? undefined : c.becomePasswordFrom;
        opened.push({
          host: c.host,
          ...(password !== undefined ? { password } : {}),
          ...(from ? { from } : {}),
        });
        return deps.openTarget(c);
      },
    },
  };
};

/** An io on a terminal whose secret prompt answers `answer`, counting the questions. */
const ttyIo = (answer: string | undefined): RecordingIo & { asked: string[] } => {
  const asked: string[] = [];
  return {
    ...recordingIo({ tty: true }),
    askSecret: async (q) => {
      asked.push(q);
      return answer;
    },
    asked,
  };
};

describe("become variables, as Ansible spells them", () => {
  it("method su, user and password reach the connection; the password is a Secret that prints as (secret)", () => {
    const c = conn({
      ansible_become: true,
      ansible_become_method: "su",
      ansible_become_user: "postgres",
      ansible_su_pass: MARKER,
    });
    if (isLeft(c) || c.right.type !== "ssh") throw new Error("expected an ssh connection");
    expect(c.right).toMatchObject({ become: true, becomeMethod: "su", becomeUser: "postgres" });
    expect(c.right.becomePassword?.reveal()).toBe(MARKER);
    expect(c.right.becomePasswordFrom).toBe("ansible_su_pass");
    expect(JSON.stringify(c.right)).not.toContain(MARKER);
    expect(`${c.right.becomePassword}`).toBe("(secret)");
  });

  it.each([
    ["ansible_become_password", { ansible_become_password: MARKER, ansible_sudo_pass: "other" }],
    ["ansible_become_pass", { ansible_become_pass: MARKER }],
    ["ansible_sudo_pass", { ansible_sudo_pass: MARKER }],
  ])("%s gives the sudo password (first of Ansible's names wins)", (from, vars) => {
    const c = conn({ ansible_become: "yes", ...vars });
    expect(isRight(c) && c.right.type === "ssh" && c.right.becomePassword?.reveal()).toBe(MARKER);
    expect(isRight(c) && c.right.type === "ssh" && c.right.becomePasswordFrom).toBe(from);
  });

  it('a whole "{{ variable }}" reference is followed through the layers (a vault variable)', () => {
    const c = conn({
      ansible_become: true,
      ansible_become_password: "{{ vault_become }}",
      vault_become: "{{vault_inner}}",
      vault_inner: MARKER,
    });
    expect(isRight(c) && c.right.type === "ssh" && c.right.becomePassword?.reveal()).toBe(MARKER);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      "an unknown method",
      { ansible_become_method: "doas" },
      /ansible_become_method .*: tend becomes another user through sudo or su, got "doas"/,
    ],
    [
      "a number as password",
      { ansible_become_password: 1234 },
      /ansible_become_password .*expected a string \(quote it in YAML\), got a number/,
    ],
    [
      "text around a reference",
      { ansible_become_password: `${MARKER}{{ x }}`, x: MARKER },
      /only a whole "\{\{ variable \}\}" reference/,
    ],
    [
      "a reference to nothing",
      { ansible_become_password: "{{ vault_missing }}" },
      /refers to vault_missing, which is not set/,
    ],
    [
      "a line break (YAML's | block)",
      { ansible_become_password: `${MARKER}\n` },
      /holds a line break or NUL/,
    ],
    ["a cycle", { ansible_become_password: "{{ a }}", a: "{{ b }}", b: "{{ a }}" }, /goes round in a cycle/],
    [
      "a filter",
      { ansible_become_password: "{{ vault_pw | default('x') }}", vault_pw: MARKER },
      /only a whole/,
    ],
  ])("%s is a problem naming the variable and the file, never the value", (_, vars, message) => {
    const c = conn({ ansible_become: true, ...vars });
    if (isRight(c)) throw new Error("expected a problem");
    const text = c.left.map((e) => `${e.host}: ${e.variable} (from ${e.origin}): ${e.message}`).join("\n");
    expect(text).toMatch(message);
    expect(text).toContain("group_vars/all.yml");
    expect(text).not.toContain(MARKER);
    expect(text).not.toContain("1234");
  });

  it("a local connection carries its become settings too", () => {
    const c = conn({
      ansible_connection: "local",
      ansible_become_password: MARKER,
      ansible_become_user: "svc",
    });
    expect(isRight(c) && c.right).toMatchObject({ type: "local", becomeUser: "svc" });
    expect(isRight(c) && c.right.type === "local" && c.right.becomePassword?.reveal()).toBe(MARKER);
  });
});

describe("refused become messages say what happened and what to set", () => {
  const failed = (problem: "password-required" | "wrong-password" | "refused", user = "root") =>
    ({
      _tag: "BecomeFailed",
      host: "worker1",
      method: "sudo",
      user,
      problem,
      detail: "sudo: no tty",
    }) as Extract<TransportError, { _tag: "BecomeFailed" }>;
  it("a missing password names both ways to give one", () => {
    expect(describeBecomeFailed(failed("password-required"))).toBe(
      "sudo on worker1 needs a password: set ansible_become_password or use --ask-become-pass",
    );
  });
  it("a wrong password names where it came from", () => {
    expect(describeBecomeFailed(failed("wrong-password"))).toBe(
      "sudo on worker1: incorrect password (ansible_become_password)",
    );
    const asked = {
      type: "local",
      host: "worker1",
      becomePassword: new Secret(MARKER),
      becomePasswordFrom: "--ask-become-pass",
    } as const;
    expect(describeBecomeFailed(failed("wrong-password"), asked)).toBe(
      "sudo on worker1: incorrect password (--ask-become-pass)",
    );
    // The inventory's connection, without the asked password: still named as the prompt's.
    expect(describeBecomeFailed(failed("wrong-password"), { type: "local", host: "worker1" })).toBe(
      "sudo on worker1: incorrect password (--ask-become-pass)",
    );
  });
  it("a refusal keeps sudo's words and names the become user", () => {
    expect(describeBecomeFailed(failed("refused", "postgres"))).toMatch(
      /^sudo to postgres on worker1 refused: sudo: no tty: check/,
    );
  });
});

describe("--ask-become-pass", () => {
  const INV = [
    "all:",
    "  hosts:",
    "    w1:",
    "      ansible_become: true",
    "    w2:",
    "      ansible_become: true",
    "      ansible_become_password: own-password",
    "    w3:",
    "      motd: no become",
  ].join("\n");

  it("asks once on a terminal and gives the password to every become host without its own, to no other", async () => {
    const io = ttyIo(MARKER);
    const { deps, opened } = recording(simDeps({ w1: simHost("w1"), w2: simHost("w2"), w3: simHost("w3") }));
    const code = await main(["plan", "-K", "-i", inventoryFile("hosts.yml", INV)], io, deps);
    expect(code).toBe(0);
    expect(io.asked).toEqual(["BECOME password: "]);
    expect(opened.sort((a, b) => a.host.localeCompare(b.host))).toEqual([
      { host: "w1", password: MARKER, from: "--ask-become-pass" },
      { host: "w2", password: "own-password", from: "ansible_become_password" },
      { host: "w3" },
    ]);
    expect(io.out() + io.err()).not.toContain(MARKER);
  });

  it("without a terminal it fails before contacting any host, saying what to set instead", async () => {
    const io = recordingIo({ tty: false });
    const { deps, opened } = recording(simDeps({ w1: simHost("w1") }));
    const code = await main(
      ["apply", "--ask-become-pass", "--yes", "-i", inventoryFile("hosts.yml", INV)],
      io,
      deps,
    );
    expect(code).toBe(1);
    expect(io.err()).toContain("--ask-become-pass needs a terminal");
    expect(io.err()).toContain("ansible_become_password");
    expect(opened).toEqual([]);
  });

  it("input that ends before a password is an error, and nothing is contacted", async () => {
    const io = ttyIo(undefined);
    const { deps, opened } = recording(simDeps({ w1: simHost("w1") }));
    expect(await main(["facts", "-K", "-i", inventoryFile("hosts.yml", INV)], io, deps)).toBe(1);
    expect(opened).toEqual([]);
  });

  it("--local -i INV -l HOST takes that host's become password, and the asked one when it has none", async () => {
    const inv = inventoryFile(
      "hosts.yml",
      [
        "all:",
        "  hosts:",
        "    w1:",
        `      ansible_become_password: ${MARKER}`,
        "    w2:",
        "      ansible_become: true",
      ].join("\n"),
    );
    const local = (host: string) => {
      const { deps, opened } = recording({ ...simDeps({}), openTarget: async (c) => right(simHost(c.host)) });
      return { deps, opened, host };
    };
    const own = local("w1");
    expect(await main(["facts", "--local", "-i", inv, "-l", "w1"], recordingIo(), own.deps)).toBe(0);
    expect(own.opened).toEqual([{ host: "w1", password: MARKER, from: "ansible_become_password" }]);
    const asked = local("w2");
    expect(await main(["facts", "--local", "-K", "-i", inv, "-l", "w2"], ttyIo("typed"), asked.deps)).toBe(0);
    expect(asked.opened).toEqual([{ host: "w2", password: "typed", from: "--ask-become-pass" }]);
  });

  it("is listed in the help of every command that contacts hosts: plan, apply, facts, graph", async () => {
    for (const cmd of ["plan", "apply", "facts", "graph"]) {
      const io = recordingIo();
      await main([cmd, "--help"], io, simDeps({}));
      expect(io.out()).toContain("-K, --ask-become-pass");
    }
  });
});

describe("the become password appears in no output", () => {
  const inventory = (extra: string[] = []) =>
    inventoryFile(
      "hosts.yml",
      [
        "all:",
        "  vars:",
        '    ansible_become_password: "{{ vault_become_password }}"',
        `    vault_become_password: "${MARKER}"`,
        "    ansible_become: true",
        "  hosts:",
        "    w1:",
        "    w2:",
        ...extra,
      ].join("\n"),
    );

  const everything = (io: RecordingIo, files: string[] = []): string =>
    [io.out(), io.err(), ...files.map((f) => readFileSync(f, "utf8"))].join("\n");

  it("validate, plan (text, --json, --out, --html), apply (text, --json) and facts never print it", async () => {
    const hosts = { w1: simHost("w1"), w2: simHost("w2") };
    const inv = inventory();
    const dir = tempDir("become-out-");
    const runs: [string[], string[]][] = [
      [["validate", "-i", inv], []],
      [["validate", "-i", inv, "--json"], []],
      [["plan", "-i", inv], []],
      [
        ["plan", "-i", inv, "--json", "--out", join(dir, "plan.json"), "--html", join(dir, "plan.html")],
        [join(dir, "plan.json"), join(dir, "plan.html")],
      ],
      [["facts", "-i", inv], []],
      [["apply", join(dir, "plan.json"), "-i", inv, "--yes"], []],
      [["apply", "-i", inv, "--yes", "--json"], []],
      [["plan", "-K", "-i", inv, "--json"], []],
    ];
    for (const [argv, files] of runs) {
      const io = ttyIo(MARKER);
      const { deps, opened } = recording(simDeps(hosts));
      const code = await main(argv, io, deps);
      expect({ argv, code }).toEqual({ argv, code: 0 });
      expect(everything(io, files)).not.toContain(MARKER);
      // It did reach the transports.
      for (const o of opened) expect(o.password).toBe(MARKER);
    }
  });

  it.each<[string, string, Record<string, string>]>([
    [
      "an INI host line with a space after '='",
      `[workers]\nw1 ansible_become=yes ansible_become_password= ${MARKER}\n`,
      {},
    ],
    ["an INI vars line without '='", `[all:vars]\nansible_become_password ${MARKER}\n[workers]\nw1\n`, {}],
    [
      "a vars file that is one string (a missing colon)",
      "all:\n  hosts:\n    w1:\n",
      { "group_vars/all.yml": `ansible_become_password ${MARKER}\n` },
    ],
  ])("nor does a malformed inventory quote it: %s", async (_, text, extra) => {
    const name = text.startsWith("[") ? "hosts.ini" : "hosts.yml";
    const files = Object.keys(extra).length > 0 ? { ...extra } : {};
    const path = inventoryFile(name, text);
    for (const [rel, body] of Object.entries(files)) {
      mkdirSync(join(dirname(path), dirname(rel)), { recursive: true });
      writeFileSync(join(dirname(path), rel), body);
    }
    const io = recordingIo();
    expect(await main(["validate", "-i", path], io, simDeps({}))).toBe(1);
    expect(io.err()).toMatch(/not shown/);
    expect(io.out() + io.err()).not.toContain(MARKER);
  });

  it("nor do the problems of a run that fails validation, nor a host's refused become", async () => {
    const io = recordingIo();
    const bad = inventory([
      "      ansible_become_method: doas",
      '      ansible_become_user: "no such user!"',
    ]);
    expect(await main(["plan", "-i", bad], io, simDeps({}))).toBe(1);
    expect(io.err()).toContain("ansible_become_method");
    expect(io.err()).not.toContain(MARKER);

    const refusing: Deps = {
      ...simDeps({}),
      openTarget: async (c) =>
        left(
          describeBecomeFailed(
            {
              _tag: "BecomeFailed",
              host: c.host,
              method: "sudo",
              user: "root",
              problem: "wrong-password",
              detail: "",
            },
            c,
          ),
        ),
    };
    const io2 = recordingIo();
    expect(await main(["plan", "-i", inventory(), "--json"], io2, refusing)).toBe(1);
    expect(io2.err()).toContain("sudo on w1: incorrect password (ansible_become_password)");
    expect(io2.out() + io2.err()).not.toContain(MARKER);
  });
});

/** What a Target answers when w1's sudo refuses the command. */
const sudoRefused = (problem: "password-required" | "wrong-password") =>
  left({
    _tag: "Transport" as const,
    host: "w1",
    error: {
      _tag: "BecomeFailed" as const,
      host: "w1",
      method: "sudo" as const,
      user: "root",
      problem,
      detail: "",
    },
  });

describe("a become refused while applying a saved plan gets the same advice as while planning", () => {
  const INV = ["all:", "  hosts:", "    w1:", "      ansible_become: true"].join("\n");
  /** w1 as a host whose sudo refuses every command (as SSH finds it): each exec fails with BecomeFailed. */
  const refusingHost = (problem: "password-required" | "wrong-password"): Target => {
    const sim = simHost("w1");
    const refused = async () => sudoRefused(problem);
    return {
      host: "w1",
      hostFacts: refused,
      probe: refused,
      observe: refused,
      run: refused,
      close: () => sim.close(),
    };
  };

  it.each<[string, "password-required" | "wrong-password", string[], string]>([
    [
      "no password",
      "password-required",
      [],
      "sudo on w1 needs a password: set ansible_become_password or use --ask-become-pass",
    ],
    [
      "a wrong asked password",
      "wrong-password",
      ["-K"],
      "sudo on w1: incorrect password (--ask-become-pass)",
    ],
  ])(
    "%s: tend apply PLANFILE says what to set, changes nothing, exits 1",
    async (_, problem, flags, advice) => {
      const inv = inventoryFile("hosts.yml", INV);
      const file = join(tempDir("become-plan-"), "plan.json");
      expect(
        await main(["plan", "-i", inv, "--out", file], recordingIo(), simDeps({ w1: simHost("w1") })),
      ).toBe(0);
      const io = ttyIo(MARKER);
      const deps: Deps = { ...simDeps({}), openTarget: async () => right(refusingHost(problem)) };
      expect(await main(["apply", file, "-i", inv, "--yes", ...flags], io, deps)).toBe(1);
      const shown = io.out() + io.err();
      expect(shown).toContain(advice);
      // Core's bare words (without the advice) appear nowhere, nor does the password.
      expect(shown).not.toMatch(/w1: sudo to root/);
      expect(shown).not.toContain(MARKER);
    },
  );
});

describe("a become refused mid-apply (after planning passed sudo) names where the password came from", () => {
  const INV = ["all:", "  hosts:", "    w1:", "      ansible_become: true"].join("\n");
  /** w1 plans as a SimHost, but sudo refuses the op batch: the password went wrong between the two. */
  const refusingRun = (): Target => {
    const sim = simHost("w1");
    return {
      host: "w1",
      hostFacts: () => sim.hostFacts(),
      probe: (p) => sim.probe(p),
      observe: (p) => sim.observe(p),
      run: async () => sudoRefused("wrong-password"),
      close: () => sim.close(),
    };
  };

  it.each([[[]], [["--batch", "1"]]])(
    "tend apply -i -K %j: the asked password, not ansible_become_password",
    async (extra) => {
      const inv = inventoryFile("hosts.yml", INV);
      const io = ttyIo(MARKER);
      const deps: Deps = { ...simDeps({}), openTarget: async () => right(refusingRun()) };
      expect(await main(["apply", "-i", inv, "--yes", "-K", ...extra], io, deps)).toBe(1);
      const shown = io.out() + io.err();
      expect(shown).toContain("sudo on w1: incorrect password (--ask-become-pass)");
      expect(shown).not.toContain("(ansible_become_password)");
      expect(shown).not.toContain(MARKER);
    },
  );
});
