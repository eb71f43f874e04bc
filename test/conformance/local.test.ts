/**
 * @tend/transport-local passes the conformance suite on this machine. The
 * "host" disappearing is simulated by SIGKILLing the process groups of the
 * shells the transport spawned, from outside the transport. The sudo path
 * runs the built package inside a test host as non-root login users.
 */
import { readdirSync, readFileSync } from "node:fs";
import { localTransport } from "@tend/transport-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addUser,
  execOnHost,
  installNodePackage,
  startHosts,
  stopHosts,
  type TestHost,
} from "../hosts/hosts.js";
import { describeConformance } from "./suite.js";

/** pids of this process's children whose command is sh or sudo (the transport's shells). */
const spawnedShells = (): number[] =>
  readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        // /proc/PID/stat: "pid (comm) state ppid ..."; comm may contain spaces, so split after ")".
        const stat = readFileSync(`/proc/${d}/stat`, "utf8");
        const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        return ppid === process.pid && (comm === "sh" || comm === "sudo") ? [Number(d)] : [];
      } catch {
        return [];
      }
    });

describeConformance("local", async () => ({
  transport: localTransport({ host: "this-machine" }),
  kill: async () => {
    for (const pid of spawnedShells()) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // It may have finished between listing and killing.
      }
    }
  },
}));

// Runs inside the test host as a non-root user; prints what the transport returned.
const SUDO_RUNNER = `
import { localTransport } from "@tend/transport-local";
const tok = process.argv[2];
const t = localTransport({ host: "sudo-host" });
const show = (r) => r._tag === "Left" ? r.left : { exitCode: r.right.exitCode, stdout: Buffer.from(r.right.stdout).toString() };
const exec = show(await t.exec({
  script: 'printf "%s|%s|" "$(id -u)" "$TEND_V"; cat',
  env: { TEND_V: "a b 'c' $HOME" },
  stdin: Buffer.from("in"),
}));
const timeout = show(await t.exec({ script: "sleep 63." + tok + "; echo survived", timeoutMs: 1000 }));
const upload = await t.upload("/root/up.bin", Buffer.from([0, 1, 2, 255]), 0o600);
console.log(JSON.stringify({ exec, timeout, upload: upload._tag === "Left" ? upload.left : "ok", roundTrips: t.roundTrips }));
`;

describe("local transport as a non-root user (sudo -n), on a test host", () => {
  let host: TestHost | undefined;
  let dir = "";
  const runAs = async (user: string, tok: string) => {
    const r = await execOnHost(host as TestHost, ["node", `${dir}/run.mjs`, tok], { user });
    if (r.code !== 0) throw new Error(`runner failed: ${r.stderr.toString()}`);
    return JSON.parse(r.stdout.toString()) as Record<string, unknown>;
  };

  beforeAll(async () => {
    const [h] = await startHosts(1, { prefix: "local-sudo" });
    host = h as TestHost;
    dir = await installNodePackage(host, {
      name: "@tend/transport-local",
      dir: "packages/transport-local",
      deps: ["fp-ts", "io-ts", "@tend/core"],
    });
    await execOnHost(host, ["sh", "-c", `cat > ${dir}/run.mjs`], { stdin: Buffer.from(SUDO_RUNNER) });
    await addUser(host, "deploy", { sudo: "nopasswd" });
    await addUser(host, "nosudo", { sudo: "none" });
  });
  afterAll(() => stopHosts(host ? [host] : []));

  it("runs scripts as root with env and stdin intact, kills a timed-out script's children, uploads root-owned", async () => {
    const h = host as TestHost;
    const tok = String(Date.now());
    const out = await runAs("deploy", tok);
    expect(out.exec).toEqual({ exitCode: 0, stdout: "0|a b 'c' $HOME|in" });
    expect(out.timeout).toMatchObject({ _tag: "Timeout", host: "sudo-host", afterMs: 1000 });
    expect((await execOnHost(h, ["pgrep", "-f", `[s]leep 63.${tok}`])).code).not.toBe(0);
    expect(out.upload).toBe("ok");
    const st = await execOnHost(h, [
      "sh",
      "-c",
      "stat -c '%U %a %s' /root/up.bin; ls -A /root | grep -c tend || true",
    ]);
    expect(st.stdout.toString().trim().split("\n")).toEqual(["root 600 4", "0"]);
    expect(out.roundTrips).toBe(2);
  });

  it("reports BecomeFailed naming the host, not the script's exit 1, when sudo -n is refused", async () => {
    const out = await runAs("nosudo", "0");
    expect(out.exec).toMatchObject({ _tag: "BecomeFailed", host: "sudo-host", problem: "password-required" });
    expect(out.upload).toMatchObject({ _tag: "BecomeFailed", host: "sudo-host" });
  });
});
