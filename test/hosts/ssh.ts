/**
 * SSH into test hosts that have no network: sshd runs in inetd mode over the
 * stdio of `docker exec -i` (ssh2's `sock` option or OpenSSH's ProxyCommand
 * carry the connection), and keys and users are set up with `docker exec`.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mustRun, runCommand } from "./docker-cli.js";

/** The part of a test host these helpers need. */
interface HostRef {
  readonly container: string;
}

/**
 * argv that runs sshd in inetd mode (`-i`) on the host: spawn it and use its
 * stdin/stdout as the SSH connection. startHosts has created /run/sshd, which
 * sshd requires and which lives on a tmpfs.
 */
export const sshdCommand = (host: HostRef): string[] => [
  "docker",
  "exec",
  "-i",
  host.container,
  "/usr/sbin/sshd",
  "-i",
];

/** An OpenSSH key pair; the private key is also kept in a file for OpenSSH clients. */
export interface KeyPair {
  /** OpenSSH-format private key (ssh2 parses it). */
  readonly privateKey: string;
  /** One authorized_keys line. */
  readonly publicKey: string;
  /** A file holding privateKey with mode 0600. */
  readonly privateKeyPath: string;
  /** Deletes the key files. */
  readonly dispose: () => Promise<void>;
}

/** Generates a fresh ed25519 key pair with ssh-keygen (no passphrase). */
export const makeKeyPair = async (): Promise<KeyPair> => {
  const dir = await mkdtemp(join(tmpdir(), "tend-key-"));
  const path = join(dir, "id_ed25519");
  await mustRun(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "tend-test", "-f", path]);
  return {
    privateKey: await readFile(path, "utf8"),
    publicKey: (await readFile(`${path}.pub`, "utf8")).trim(),
    privateKeyPath: path,
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
};

// The user name is passed as $1, never spliced into the script.
const AUTHORIZE = `set -e
home=$(getent passwd "$1" | cut -d: -f6)
test -n "$home"
mkdir -p "$home/.ssh"
cat >> "$home/.ssh/authorized_keys"
chmod 700 "$home/.ssh"
chmod 600 "$home/.ssh/authorized_keys"
chown -R "$1": "$home/.ssh"`;

/** Appends publicKey to the user's authorized_keys on the host (default user root). */
export const installAuthorizedKey = async (
  host: HostRef,
  publicKey: string,
  user = "root",
): Promise<void> => {
  const r = await runCommand(["docker", "exec", "-i", host.container, "sh", "-c", AUTHORIZE, "sh", user], {
    stdin: Buffer.from(`${publicKey.trim()}\n`),
    timeoutMs: 60_000,
  });
  if (r.code !== 0)
    throw new Error(`installAuthorizedKey ${user}@${host.container}: ${r.stderr.toString().trim()}`);
};

const ADD_USER = `set -e
id "$1" >/dev/null 2>&1 || useradd -m -s /bin/sh "$1"
if [ "$2" = nopasswd ]; then
  printf '%s ALL=(ALL) NOPASSWD:ALL\\n' "$1" > "/etc/sudoers.d/$1"
  chmod 0440 "/etc/sudoers.d/$1"
fi`;

/**
 * Creates a login user on the host; with `sudo: "nopasswd"` it may run
 * anything through `sudo -n`, as a non-root inventory user would.
 */
export const addUser = async (
  host: HostRef,
  user: string,
  options: { readonly sudo: "nopasswd" | "none" },
): Promise<void> => {
  const r = await runCommand(
    ["docker", "exec", host.container, "sh", "-c", ADD_USER, "sh", user, options.sudo],
    {
      timeoutMs: 60_000,
    },
  );
  if (r.code !== 0) throw new Error(`addUser ${user}@${host.container}: ${r.stderr.toString().trim()}`);
};
