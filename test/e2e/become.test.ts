/**
 * Privilege escalation as Ansible users have it, on a real systemd host: a
 * non-root login user `deploy` reached over SSH (sshd in inetd mode over
 * `docker exec -i`, through the inventory's ProxyCommand), with the sudoers
 * entry of each case. tend runs as the CLI does (main() with the real SSH
 * transport and ShellTarget); only the modules are a small set: a root-only
 * file in /etc and a root-only /usr/local/sbin/flanneld.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Modules, main } from "@tend/cli";
import type { Resource } from "@tend/core";
import { right } from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mustRun } from "../hosts/docker-cli.js";
import {
  addUser,
  execOnHost,
  installAuthorizedKey,
  type KeyPair,
  makeKeyPair,
  startHosts,
  stopHosts,
  type TestHost,
} from "../hosts/hosts.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const hex = randomBytes(6).toString("hex");
/** deploy's sudo password: hostile to any shell or argv it could leak into, and unique to grep for. */
const PASSWORD = `Pw-${hex} 'q" $x;\\`;
/** root's password, for su. */
const ROOT_PASSWORD = `Root-${hex}-pw`;
const WRONG = `Wrong-${hex}-pw`;

const MOTD = "/etc/tend-become-motd";
const FLANNELD = "/usr/local/sbin/flanneld";
const FLANNELD_TEXT = "#!/bin/sh\necho stand-in flanneld\n";

/** What the host should hold: a root-only file in /etc and a root-only binary. */
const RESOURCES: Resource[] = [
  { kind: "file", name: MOTD, props: { content: "managed through become\n", mode: 0o600 } },
  { kind: "file", name: FLANNELD, props: { content: FLANNELD_TEXT, mode: 0o700 } },
];

const modules: Modules = {
  resolveVars: () => right({}),
  checksumUrls: () => [],
  controllerArtifacts: () => [],
  factHosts: () => [],
  resources: () => right(declared),
};
/** What the modules declare: RESOURCES, or fewer for one case. */
let declared: readonly Resource[] = RESOURCES;

const SUDOERS = {
  nopasswd: "deploy ALL=(ALL) NOPASSWD:ALL\n",
  // No cached credentials: every connection proves the password again.
  password: "Defaults:deploy timestamp_timeout=0\ndeploy ALL=(ALL) ALL\n",
  none: "",
} as const;

let host: TestHost;
let key: KeyPair;
let work: string;

beforeAll(async () => {
  const [h] = await startHosts(1, { prefix: "become" });
  if (!h) throw new Error("startHosts returned no host");
  host = h;
  key = await makeKeyPair();
  work = mkdtempSync(join(tmpdir(), "tend-become-"));
  await addUser(host, "deploy", { sudo: "none" });
  await installAuthorizedKey(host, key.publicKey, "deploy");
  const setup = await execOnHost(
    host,
    [
      "sh",
      "-c",
      'chpasswd && mkdir -p /usr/local/sbin && printf "%s" "$1" > "$2" && chmod 700 "$2"',
      "sh",
      FLANNELD_TEXT,
      FLANNELD,
    ],
    { stdin: Buffer.from(`deploy:${PASSWORD}\nroot:${ROOT_PASSWORD}\n`) },
  );
  if (setup.code !== 0) throw new Error(`setup: ${setup.stderr.toString()}`);
});

afterAll(async () => {
  if (host) await stopHosts([host]);
  await key?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Puts the sudoers entry of a case in place and removes what an earlier case wrote. */
const prepare = async (sudoers: keyof typeof SUDOERS): Promise<void> => {
  const r = await execOnHost(host, [
    "sh",
    "-c",
    'rm -f "$1" /etc/sudoers.d/deploy; [ -z "$2" ] || { printf "%s" "$2" > /etc/sudoers.d/deploy && chmod 440 /etc/sudoers.d/deploy; }',
    "sh",
    MOTD,
    SUDOERS[sudoers],
  ]);
  if (r.code !== 0) throw new Error(`sudoers: ${r.stderr.toString()}`);
};

/** hosts.yml for worker1 as deploy over SSH, with the case's variables. */
const inventory = (vars: Record<string, unknown>): string => {
  const dir = mkdtempSync(join(work, "inv-"));
  const proxy = `docker exec -i ${host.container} /usr/sbin/sshd -i`;
  const worker1 = {
    ansible_host: "worker1",
    ansible_user: "deploy",
    ansible_ssh_private_key_file: key.privateKeyPath,
    ansible_ssh_common_args: `-o ProxyCommand='${proxy}' -o UserKnownHostsFile=${join(work, "known_hosts")}`,
    tend_ssh_host_key_policy: "accept-new",
    ...vars,
  };
  const path = join(dir, "hosts.yml");
  // JSON is YAML.
  writeFileSync(path, JSON.stringify({ all: { hosts: { worker1 } } }, null, 2));
  return path;
};

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs tend in this process, as the CLI does, with this file's modules. */
const tend = async (args: readonly string[]): Promise<Run> => {
  let stdout = "";
  let stderr = "";
  const code = await main(
    args,
    {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      stdoutIsTTY: false,
      stderrIsTTY: false,
      stdinIsTTY: false,
      env: { HOME: process.env.HOME, XDG_CACHE_HOME: join(work, "cache") },
      cwd: process.cwd(),
      prompt: async () => undefined,
    },
    { modules },
  );
  return { code, stdout, stderr };
};

/** The password, or a telling part of it, anywhere in a run's output. */
const leaks = (r: Run, secret: string): boolean =>
  [r.stdout, r.stderr].some((t) => t.includes(secret) || t.includes(secret.slice(0, 15)));

/** Owner and mode of the managed file, as root sees it. */
const motdOnHost = async (): Promise<string> =>
  (await execOnHost(host, ["sh", "-c", `stat -c '%U %a' ${MOTD} 2>/dev/null || echo absent`])).stdout
    .toString()
    .trim();

/** Apply, then a plan that must be empty: the plan converged. */
const expectConverges = async (inv: string, extra: readonly string[] = []): Promise<void> => {
  const applied = await tend(["apply", "-i", inv, "--yes", ...extra]);
  expect(applied, applied.stderr).toMatchObject({ code: 0 });
  expect(await motdOnHost()).toBe("root 600");
  const again = await tend(["plan", "-i", inv, "--detailed-exitcode", ...extra]);
  expect(again, again.stderr).toMatchObject({ code: 0 });
  expect(again.stdout).toContain("no changes");
};

describe("become on a real host, as a non-root login user", () => {
  it("passwordless sudo: deploy with ansible_become converges a plan that writes root-only files", async () => {
    await prepare("nopasswd");
    await expectConverges(inventory({ ansible_become: true }));
  });

  it("sudo with a password: ansible_become_password (a vault-style reference) converges, and the password is in no output", async () => {
    await prepare("password");
    const inv = inventory({
      ansible_become: true,
      ansible_become_password: "{{ vault_become_password }}",
      vault_become_password: PASSWORD,
    });
    const applied = await tend(["apply", "-i", inv, "--yes", "--json"]);
    expect(applied, applied.stderr).toMatchObject({ code: 0 });
    expect(leaks(applied, PASSWORD)).toBe(false);
    const facts = await tend(["facts", "-i", inv]);
    expect(facts.code).toBe(0);
    expect(leaks(facts, PASSWORD)).toBe(false);
    await expectConverges(inv);
  });

  it("sudo that needs a password and has none says 'needs a password: set ansible_become_password or use --ask-become-pass', and changes nothing", async () => {
    await prepare("password");
    const r = await tend(["apply", "-i", inventory({ ansible_become: true }), "--yes"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "sudo on worker1 needs a password: set ansible_become_password or use --ask-become-pass",
    );
    expect(r.stderr).not.toMatch(/probe|\{"type"/);
    expect(await motdOnHost()).toBe("absent");
  });

  it("a wrong password fails at once with 'incorrect password (ansible_become_password)', the password in no output, nothing changed", async () => {
    await prepare("password");
    const r = await tend([
      "apply",
      "-i",
      inventory({ ansible_become: true, ansible_become_password: WRONG }),
      "--yes",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("sudo on worker1: incorrect password (ansible_become_password)");
    expect(leaks(r, WRONG)).toBe(false);
    expect(leaks(r, PASSWORD)).toBe(false);
    expect(await motdOnHost()).toBe("absent");
  });

  it("a saved plan applied where sudo now needs a password (none, or a wrong one) says what to set, as plan does, and changes nothing", async () => {
    await prepare("nopasswd");
    const planFile = join(mkdtempSync(join(work, "plan-")), "plan.json");
    const planned = await tend(["plan", "-i", inventory({ ansible_become: true }), "--out", planFile]);
    expect(planned, planned.stderr).toMatchObject({ code: 0 });
    await prepare("password");
    const none = await tend(["apply", planFile, "-i", inventory({ ansible_become: true }), "--yes"]);
    expect(none.code).toBe(1);
    expect(none.stdout + none.stderr).toContain(
      "sudo on worker1 needs a password: set ansible_become_password or use --ask-become-pass",
    );
    const wrong = await tend([
      "apply",
      planFile,
      "-i",
      inventory({ ansible_become: true, ansible_become_password: WRONG }),
      "--yes",
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout + wrong.stderr).toContain(
      "sudo on worker1: incorrect password (ansible_become_password)",
    );
    expect(leaks(wrong, WRONG)).toBe(false);
    expect(await motdOnHost()).toBe("absent");
  });

  it("no become as deploy: a root-only file is 'cannot read /usr/local/sbin/flanneld as deploy (permission denied): set ansible_become', no probe JSON", async () => {
    await prepare("nopasswd");
    const r = await tend(["plan", "-i", inventory({})]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain(
      "worker1: cannot read /usr/local/sbin/flanneld as deploy (permission denied): set ansible_become",
    );
    expect(r.stdout + r.stderr).not.toMatch(/unexpected answer|\{"type"/);
  });

  it("no become as deploy, nothing it may not read: apply plans, then stops before any op with 'cannot write <lock or run dir> as deploy (permission denied): set ansible_become'", async () => {
    await prepare("nopasswd");
    declared = RESOURCES.filter((r) => r.name === MOTD);
    try {
      const r = await tend(["apply", "-i", inventory({}), "--yes"]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`file[${MOTD}]`);
      // The lock file (when root made it earlier) or the run dir, whichever the host refuses first.
      expect(r.stdout + r.stderr).toMatch(
        /worker1: cannot take the apply lock, so no op ran: cannot write \/run\/(lock\/tend\.lock|tend\/tmp) as deploy \(permission denied\): set ansible_become/,
      );
      expect(await motdOnHost()).toBe("absent");
    } finally {
      declared = RESOURCES;
    }
  });

  it("ansible_become_method su with root's password converges; a wrong or missing su password says so, without the password", async () => {
    await prepare("none");
    const wrong = await tend([
      "plan",
      "-i",
      inventory({ ansible_become: true, ansible_become_method: "su", ansible_become_password: WRONG }),
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("su on worker1: incorrect password (ansible_become_password)");
    expect(leaks(wrong, WRONG)).toBe(false);
    const none = await tend(["plan", "-i", inventory({ ansible_become: true, ansible_become_method: "su" })]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(
      "su on worker1 needs a password: set ansible_become_password or use --ask-become-pass",
    );
    await expectConverges(
      inventory({ ansible_become: true, ansible_become_method: "su", ansible_su_pass: ROOT_PASSWORD }),
    );
  });
});

/** Output of a command run on a pseudo-terminal, `typed` written once `prompt` shows. */
const onTerminal = (
  command: string,
  prompt: string,
  typed: string,
): Promise<{ code: number; output: string }> =>
  new Promise((resolve, reject) => {
    // script(1) from util-linux gives the command a pty; -e returns its exit code.
    const child = spawn("script", ["-qefc", command, "/dev/null"], {
      cwd: repo,
      env: { ...process.env, TEND_BECOME_RESOURCES: JSON.stringify(RESOURCES), NO_COLOR: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    let sent = false;
    const take = (b: Buffer): void => {
      output += b.toString();
      if (!sent && output.includes(prompt)) {
        sent = true;
        child.stdin.write(`${typed}\r`);
      }
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", reject);
    child.on("close", (code) => {
      child.stdin.destroy();
      resolve({ code: code ?? 1, output });
    });
  });

const sq = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

describe("--ask-become-pass on a terminal", () => {
  beforeAll(async () => {
    // The child runs the built CLI: build it, so it is never stale.
    await mustRun([join(repo, "node_modules/.bin/tsc"), "-b", join(repo, "packages/cli")]);
  });

  it("the password typed once at 'BECOME password:' converges the plan, and is never echoed", async () => {
    await prepare("password");
    const inv = inventory({ ansible_become: true });
    const child = `node ${sq(join(repo, "test/e2e/become-child.mjs"))} apply -K --yes -i ${sq(inv)}`;
    const r = await onTerminal(child, "BECOME password: ", PASSWORD);
    expect(r, r.output).toMatchObject({ code: 0 });
    expect(r.output).not.toContain(PASSWORD.slice(0, 15));
    expect(await motdOnHost()).toBe("root 600");
  });

  it("a wrong password typed at the prompt fails with 'incorrect password (--ask-become-pass)', never echoed, nothing changed", async () => {
    await prepare("password");
    const inv = inventory({ ansible_become: true });
    const child = `node ${sq(join(repo, "test/e2e/become-child.mjs"))} apply -K --yes -i ${sq(inv)}`;
    const r = await onTerminal(child, "BECOME password: ", WRONG);
    expect(r.code).toBe(1);
    expect(r.output).toContain("sudo on worker1: incorrect password (--ask-become-pass)");
    expect(r.output).not.toContain(WRONG);
    expect(await motdOnHost()).toBe("absent");
  });
});
