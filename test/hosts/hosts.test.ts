/**
 * The test-host helpers keep the promises other suites rely on: hosts boot
 * systemd, carry a wg0 address in their own netns, accept SSH over sshd's
 * stdio, and leave nothing behind when stopped.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "./docker-cli.js";
import {
  addUser,
  execOnHost,
  installAuthorizedKey,
  type KeyPair,
  makeKeyPair,
  sshdCommand,
  startHosts,
  stopHosts,
  type TestHost,
} from "./hosts.js";

describe("test hosts", () => {
  let hosts: TestHost[] = [];
  let key: KeyPair | undefined;

  beforeAll(async () => {
    hosts = await startHosts(2, { prefix: "hosts" });
    key = await makeKeyPair();
  });
  afterAll(async () => {
    await stopHosts(hosts);
    await key?.dispose();
  });

  it("boots systemd to running or degraded on every host", async () => {
    for (const h of hosts) {
      const r = await execOnHost(h, ["systemctl", "is-system-running"]);
      expect(["running", "degraded"]).toContain(r.stdout.toString().trim());
    }
  });

  it("gives each host a distinct container and a wg0 with its own address", async () => {
    expect(new Set(hosts.map((h) => h.container)).size).toBe(hosts.length);
    for (const h of hosts) {
      const r = await execOnHost(h, ["ip", "-4", "-o", "addr", "show", "dev", "wg0"]);
      expect(r.stdout.toString()).toContain(`inet ${h.ip}/24`);
    }
  });

  it("runs no network but loopback and wg0 inside a host", async () => {
    const h = hosts[0] as TestHost;
    const r = await execOnHost(h, ["sh", "-c", "ls /sys/class/net | sort | tr '\\n' ' '"]);
    expect(r.stdout.toString().trim()).toBe("lo wg0");
  });

  it("accepts an SSH login with an installed key over sshd -i (OpenSSH ProxyCommand)", async () => {
    const h = hosts[1] as TestHost;
    const k = key as KeyPair;
    await installAuthorizedKey(h, k.publicKey);
    await addUser(h, "deploy", { sudo: "nopasswd" });
    await installAuthorizedKey(h, k.publicKey, "deploy");
    const ssh = (user: string, cmd: string) =>
      runCommand(
        [
          "ssh",
          "-F",
          "/dev/null",
          "-i",
          k.privateKeyPath,
          "-o",
          "BatchMode=yes",
          "-o",
          "StrictHostKeyChecking=no",
          "-o",
          "UserKnownHostsFile=/dev/null",
          "-o",
          "LogLevel=ERROR",
          "-o",
          `ProxyCommand=${sshdCommand(h).join(" ")}`,
          `${user}@${h.name}`,
          cmd,
        ],
        { timeoutMs: 60_000 },
      );
    const root = await ssh("root", "id -u");
    expect(root.stderr.toString()).toBe("");
    expect(root.stdout.toString().trim()).toBe("0");
    const deploy = await ssh("deploy", "id -un; sudo -n id -u");
    expect(deploy.stdout.toString().trim().split("\n")).toEqual(["deploy", "0"]);
  });

  it("removes containers and host-side veths on stopHosts", async () => {
    const [extra] = await startHosts(1, { prefix: "hosts" });
    const h = extra as TestHost;
    expect((await runCommand(["ip", "link", "show", h.veth])).code).toBe(0);
    await stopHosts([h]);
    expect((await runCommand(["docker", "inspect", h.container])).code).not.toBe(0);
    expect((await runCommand(["ip", "link", "show", h.veth])).code).not.toBe(0);
  });
});
