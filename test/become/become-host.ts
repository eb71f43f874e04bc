/**
 * A test host for privilege escalation: login users with different sudo
 * rights, passwords for sudo and su, and a non-root target user.
 *
 * - deploy: `NOPASSWD: ALL` (passwordless sudo)
 * - ops: `ALL=(ALL) ALL` (sudo asks ops's password)
 * - plain: no sudo rights (escalates with su and the target's password)
 * - app: a non-root become user, with a password for su
 *
 * The passwords hold quotes, `$`, a backslash and the handshake's marker
 * prefix, so a password that leaked into shell text or output would show.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commandSocket, connectSsh, type SshTransport, type SshTransportOptions } from "@tend/transport-ssh";
import * as E from "fp-ts/lib/Either.js";
import {
  execOnHost,
  installAuthorizedKey,
  type KeyPair,
  makeKeyPair,
  sshdCommand,
  startHosts,
  stopHosts,
  type TestHost,
} from "../hosts/hosts.js";

/** The passwords of the host's accounts. */
export const PASSWORD = {
  ops: `ops pw 'x" $HOME \\ tend-become-ok-`,
  root: `root pw $(id) 'y' \\n`,
  app: `app pw "z" tend-become-password-`,
} as const;

/** The login users the tests connect as. */
export const LOGIN_USERS = ["deploy", "ops", "plain"] as const;

// Users and their passwords arrive on stdin as chpasswd lines; nothing is spliced into the script.
const SETUP = `set -e
for u in deploy ops plain app; do id "$u" >/dev/null 2>&1 || useradd -m -s /bin/sh "$u"; done
chpasswd
printf '%s\\n' 'deploy ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/deploy
printf '%s\\n' 'ops ALL=(ALL) ALL' > /etc/sudoers.d/ops
chmod 0440 /etc/sudoers.d/deploy /etc/sudoers.d/ops`;

/** A running escalation test host with SSH keys installed for every login user. */
export interface BecomeHost {
  readonly host: TestHost;
  readonly key: KeyPair;
  /** Connects over `sshd -i` on docker exec's stdio; throws on failure (test setup). */
  readonly connect: (options: Partial<SshTransportOptions> & { username: string }) => Promise<SshTransport>;
  readonly dispose: () => Promise<void>;
}

/** Starts the host and sets up users, passwords, sudoers and keys. */
export const startBecomeHost = async (prefix: string): Promise<BecomeHost> => {
  const [host] = await startHosts(1, { prefix });
  if (!host) throw new Error("startHosts returned no host");
  const key = await makeKeyPair();
  const dir = await mkdtemp(join(tmpdir(), `tend-${prefix}-`));
  const open: SshTransport[] = [];
  const lines = `ops:${PASSWORD.ops}\nroot:${PASSWORD.root}\napp:${PASSWORD.app}\n`;
  const r = await execOnHost(host, ["sh", "-c", SETUP], { stdin: Buffer.from(lines) });
  if (r.code !== 0) throw new Error(`become host setup failed: ${r.stderr.toString()}`);
  for (const user of LOGIN_USERS) await installAuthorizedKey(host, key.publicKey, user);
  const [file, ...args] = sshdCommand(host);
  if (file === undefined) throw new Error("sshdCommand returned no argv");
  const connect = async (options: Partial<SshTransportOptions> & { username: string }) => {
    const t = await connectSsh({
      host: host.name,
      privateKeyPath: key.privateKeyPath,
      knownHostsPath: join(dir, "known_hosts"),
      hostKeyPolicy: "accept-new",
      sock: commandSocket([file, ...args]),
      ...options,
    });
    if (E.isLeft(t)) throw new Error(`ssh to ${host.name} failed: ${JSON.stringify(t.left)}`);
    open.push(t.right);
    return t.right;
  };
  const dispose = async () => {
    await Promise.all(open.map((t) => t.close()));
    await stopHosts([host]);
    await key.dispose();
    await rm(dir, { recursive: true, force: true });
  };
  return { host, key, connect, dispose };
};

/**
 * 200 KiB of random bytes with the handshake's strings, newlines and a
 * password inside, so an upload that stripped, split or scanned them would show.
 */
export const hostileBlob = (): Buffer =>
  Buffer.concat([
    Buffer.from("tend-become-ok-0123456789abcdef\ntend-become-go-0123456789abcdef\n"),
    randomBytes(100 * 1024),
    Buffer.from(`\ntend-become-password-0123456789abcdef:\n${"\0\r\n".repeat(10)}`),
    randomBytes(100 * 1024),
  ]);

/** sha256 of bytes, hex. */
export const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** The sha256 and `owner mode` of a file on the host, read as root outside any transport. */
export const fileOnHost = async (host: TestHost, path: string): Promise<string> => {
  const r = await execOnHost(host, [
    "sh",
    "-c",
    'printf "%s %s" "$(sha256sum < "$1" | cut -d" " -f1)" "$(stat -c "%U %a" "$1")"',
    "sh",
    path,
  ]);
  return r.stdout.toString();
};

/** Polls until no process named `name` runs on the host (a killed sudo or su is gone); throws after 30 s. */
export const untilNoProcess = async (host: TestHost, name: string): Promise<void> => {
  for (let i = 0; i < 300; i++) {
    if ((await execOnHost(host, ["pgrep", "-x", name])).code !== 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} still running on ${host.name}`);
};
