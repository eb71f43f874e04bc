/**
 * @tend/transport-ssh passes the conformance suite against a real systemd
 * test host with no network: sshd runs in inetd mode over the stdio of
 * `docker exec -i C /usr/sbin/sshd -i`, which is the transport's `sock`. The
 * host disappears by `docker kill`. Also checked here: `become` through
 * `sudo -n` for a non-root login user.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  commandSocket,
  type SshTransport,
  type SshTransportOptions,
  sshTransport,
} from "@tend/transport-ssh";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addUser,
  execOnHost,
  installAuthorizedKey,
  type KeyPair,
  killHost,
  makeKeyPair,
  sshdCommand,
  startHosts,
  stopHosts,
  type TestHost,
} from "../hosts/hosts.js";
import { describeConformance } from "./suite.js";

/** Connects to the host over `sshd -i` on docker exec's stdio; throws on failure (test setup). */
const connectOverStdio = async (
  host: TestHost,
  key: KeyPair,
  knownHostsPath: string,
  extra: Partial<SshTransportOptions> = {},
): Promise<SshTransport> => {
  const [file, ...args] = sshdCommand(host);
  if (file === undefined) throw new Error("sshdCommand returned no argv");
  const t = await sshTransport({
    host: host.name,
    username: "root",
    privateKeyPath: key.privateKeyPath,
    knownHostsPath,
    // Every test host is new, so its key is too; the connection-level tests cover strict.
    hostKeyPolicy: "accept-new",
    sock: commandSocket([file, ...args]),
    ...extra,
  });
  if (E.isLeft(t)) throw new Error(`ssh to ${host.name} failed: ${JSON.stringify(t.left)}`);
  return t.right;
};

describeConformance("ssh", async () => {
  const [host] = await startHosts(1, { prefix: "conf-ssh" });
  if (!host) throw new Error("startHosts returned no host");
  const key = await makeKeyPair();
  const dir = await mkdtemp(join(tmpdir(), "tend-conf-ssh-"));
  await installAuthorizedKey(host, key.publicKey);
  return {
    transport: await connectOverStdio(host, key, join(dir, "known_hosts")),
    host,
    kill: () => killHost(host),
    dispose: async () => {
      await stopHosts([host]);
      await key.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe("ssh transport: become", () => {
  let host: TestHost;
  let key: KeyPair;
  let dir: string;
  const open: SshTransport[] = [];

  beforeAll(async () => {
    const [h] = await startHosts(1, { prefix: "ssh-become" });
    if (!h) throw new Error("startHosts returned no host");
    host = h;
    key = await makeKeyPair();
    dir = await mkdtemp(join(tmpdir(), "tend-ssh-become-"));
    await addUser(host, "deploy", { sudo: "nopasswd" });
    await addUser(host, "nosudo", { sudo: "none" });
    await installAuthorizedKey(host, key.publicKey, "deploy");
    await installAuthorizedKey(host, key.publicKey, "nosudo");
  });
  afterAll(async () => {
    await Promise.all(open.map((t) => t.close()));
    if (host) await stopHosts([host]);
    await key?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const as = async (username: string, become: boolean): Promise<SshTransport> => {
    const t = await connectOverStdio(host, key, join(dir, "known_hosts"), { username, become });
    open.push(t);
    return t;
  };
  const stdout = (r: Awaited<ReturnType<SshTransport["exec"]>>): string =>
    E.isRight(r) ? Buffer.from(r.right.stdout).toString() : `error: ${JSON.stringify(r.left)}`;

  it("runs scripts as the login user without become, and as root with it (env and stdin intact)", async () => {
    expect(stdout(await (await as("deploy", false)).exec({ script: "id -un" }))).toBe("deploy\n");
    const root = await as("deploy", true);
    const r = await root.exec({
      script: 'echo "$(id -un) $X $(cat)"',
      env: { X: "it's x" },
      stdin: Buffer.from("in"),
    });
    expect(stdout(r)).toBe("root it's x in\n");
  });

  it("uploads as root through sudo: the file is root-owned with the mode given", async () => {
    const t = await as("deploy", true);
    expect(await t.upload("/etc/tend-become-test", Buffer.from("x\n"), 0o600)).toEqual(E.right(undefined));
    const st = await execOnHost(host, ["stat", "-c", "%U %a", "/etc/tend-become-test"]);
    expect(st.stdout.toString().trim()).toBe("root 600");
  });

  it("fails fast with BecomeFailed (sudo -n, no prompt) when the user may not sudo", async () => {
    const r = await (await as("nosudo", true)).exec({ script: "id -un", timeoutMs: 30_000 });
    expect(r).toMatchObject({ _tag: "Left", left: { _tag: "BecomeFailed", problem: "password-required" } });
  });
});
