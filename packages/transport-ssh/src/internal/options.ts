/** Options of `sshTransport`, and the transport it returns. */
import type { Duplex } from "node:stream";
import type { BecomeMethod, Transport, TransportError } from "@tend/core";
import type { Either } from "fp-ts/lib/Either.js";

/** How to treat a host key that known_hosts does not list yet. */
export type HostKeyPolicy = "strict" | "accept-new";

/**
 * One SSH host. The route is TCP to `address:port` unless exactly one of
 * `proxyCommand`, `sock` or `jumpHost` is given.
 */
export interface SshTransportOptions {
  /** Inventory name, used in every error. */
  readonly host: string;
  /** Where to connect (`ansible_host`); defaults to `host`. Also the known_hosts name. */
  readonly address?: string;
  /** `ansible_port`; 22 by default. */
  readonly port?: number;
  /** `ansible_user`. */
  readonly username: string;
  /** `ansible_ssh_private_key_file`. */
  readonly privateKeyPath?: string;
  /** Passphrase of an encrypted private key. */
  readonly passphrase?: string;
  /** Path of an ssh-agent socket (usually `process.env.SSH_AUTH_SOCK`). */
  readonly agent?: string;
  /** Defaults to `~/.ssh/known_hosts`. */
  readonly knownHostsPath?: string;
  /** `strict` (default) refuses unknown keys; `accept-new` records them. A changed key is always refused. */
  readonly hostKeyPolicy?: HostKeyPolicy;
  /** Budget for TCP connect + handshake + authentication; 20 000 ms by default. */
  readonly connectTimeoutMs?: number;
  /** SSH keepalive interval; 15 000 ms by default, 0 turns keepalives off. */
  readonly keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the connection counts as lost; 3 by default. */
  readonly keepaliveCountMax?: number;
  /** As in `-o ProxyCommand=...`: run through `sh -c`, `%h` `%p` `%r` substituted. */
  readonly proxyCommand?: string;
  /** A ready stream that speaks SSH, e.g. the stdio of `docker exec -i C /usr/sbin/sshd -i`. */
  readonly sock?: Duplex;
  /** Reach the target through this connected transport (`direct-tcpip`, like `ssh -J`). */
  readonly jumpHost?: SshTransport;
  /**
   * `ansible_become`: run every command as `becomeUser` (through `becomeMethod`)
   * when the login user is not `becomeUser`.
   */
  readonly become?: boolean;
  /** `ansible_become_user`; defaults to `root`. */
  readonly becomeUser?: string;
  /** `ansible_become_method`: "sudo" (default) or "su". */
  readonly becomeMethod?: BecomeMethod;
  /**
   * `ansible_become_password`. Written to the command's stdin only: never in
   * argv, env, logs or errors. Without it sudo runs as `sudo -n` (a password
   * prompt fails fast with BecomeFailed password-required).
   */
  readonly becomePassword?: string;
  /**
   * Most commands in flight at once on the one connection. OpenSSH's sshd
   * refuses more than MaxSessions (10 by default) channels, so execs beyond
   * this wait for a free channel instead of failing. 8 by default.
   */
  readonly maxChannels?: number;
}

/** A Transport over one SSH connection, which can also carry connections for other hosts. */
export interface SshTransport extends Transport {
  /** Opens a `direct-tcpip` stream to `address:port` as seen from this host (for jump hosts). */
  forwardOut(address: string, port: number): Promise<Either<TransportError, Duplex>>;
}
