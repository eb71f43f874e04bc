/**
 * A real OpenSSH sshd on 127.0.0.1 of this machine for connection-level
 * tests: generated host and user keys in a temp dir, a generated config, and
 * `sshd -D -e` so its log (one "Accepted publickey" line per connection) is
 * readable by the test.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mustRun } from "../hosts/docker-cli.js";

/** A running sshd and the files around it. */
export interface Sshd {
  readonly dir: string;
  readonly port: number;
  readonly configPath: string;
  /** The user key in authorized_keys. */
  readonly userKeyPath: string;
  /** A key that is NOT authorized. */
  readonly wrongKeyPath: string;
  /** `127.0.0.1 ssh-ed25519 AAAA…` for port 22 form; use knownHostsLine for this port. */
  hostPublicKey(): Promise<string>;
  /** Everything sshd has logged so far. */
  log(): string;
  /** How many sessions sshd has authenticated so far. */
  acceptedConnections(): number;
  /** Replaces the host key with a new one and restarts sshd on the same port. */
  regenerateHostKey(): Promise<void>;
  stop(): Promise<void>;
}

/** A port on 127.0.0.1 that was free a moment ago. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });

const keygen = (path: string): Promise<string> =>
  mustRun(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "tend-ssh-test", "-f", path]);

/** The sshd_config for a test sshd whose files all live in `dir`. */
export const sshdConfig = (dir: string): string =>
  [
    "ListenAddress 127.0.0.1",
    `HostKey ${join(dir, "host_ed25519")}`,
    `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
    `PidFile ${join(dir, "sshd.pid")}`,
    // The temp dir is not root-owned 0755 all the way up.
    "StrictModes no",
    "UsePAM no",
    "PermitRootLogin yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "AllowTcpForwarding yes",
    "LogLevel INFO",
    // Debian's bash sources ~/.bashrc for `sshd -> bash -c` when SHLVL < 2, and this
    // machine's root .bashrc (pyenv) writes to stderr under load. It is not under test.
    "SetEnv SHLVL=1",
    "",
  ].join("\n");

/** Generates keys and config in a temp dir and starts `sshd -D -e` on a free port. */
export const startSshd = async (): Promise<Sshd> => {
  // sshd refuses to start without its privilege separation directory.
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const dir = await mkdtemp(join(tmpdir(), "tend-sshd-"));
  const configPath = join(dir, "sshd_config");
  const userKeyPath = join(dir, "id_user");
  const wrongKeyPath = join(dir, "id_wrong");
  await Promise.all([keygen(join(dir, "host_ed25519")), keygen(userKeyPath), keygen(wrongKeyPath)]);
  await writeFile(join(dir, "authorized_keys"), await readFile(`${userKeyPath}.pub`));
  await writeFile(configPath, sshdConfig(dir));
  const port = await freePort();
  let logText = "";
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const proc = spawn("/usr/sbin/sshd", ["-D", "-e", "-p", String(port), "-f", configPath], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    child = proc;
    proc.stderr?.on("data", (b: Buffer) => {
      logText += b.toString();
    });
    // Ready when it says so; fail fast if it exits instead.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sshd did not start:\n${logText}`)), 10_000);
      const poll = setInterval(() => {
        if (logText.includes(`Server listening on 127.0.0.1 port ${port}`)) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve();
        }
      }, 20);
      proc.once("exit", (code) => {
        clearInterval(poll);
        clearTimeout(timer);
        reject(new Error(`sshd exited ${code}:\n${logText}`));
      });
    });
  };

  const halt = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      proc.kill("SIGTERM");
    });
  };

  await launch();
  return {
    dir,
    port,
    configPath,
    userKeyPath,
    wrongKeyPath,
    hostPublicKey: async () => (await readFile(join(dir, "host_ed25519.pub"), "utf8")).trim(),
    log: () => logText,
    acceptedConnections: () => logText.split("\n").filter((l) => l.includes("Accepted publickey")).length,
    regenerateHostKey: async () => {
      await halt();
      await rm(join(dir, "host_ed25519"), { force: true });
      await rm(join(dir, "host_ed25519.pub"), { force: true });
      await keygen(join(dir, "host_ed25519"));
      await launch();
    },
    stop: async () => {
      await halt();
      await rm(dir, { recursive: true, force: true });
    },
  };
};
