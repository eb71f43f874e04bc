/**
 * Opens one authenticated ssh2 Client, mapping every failure to a tagged
 * TransportError. ssh2 reports failures as Errors with an ad-hoc `level`
 * string; this is the only place that reads it.
 */
import type { Duplex } from "node:stream";
import type { TransportError } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { Client, type ConnectConfig } from "ssh2";
import { authFailed, connectFailed } from "./errors.js";
import type { HostKeyCheck } from "./host-key.js";

/** Everything needed for one connection attempt, already resolved. */
export interface ConnectPlan {
  readonly host: string;
  readonly address: string;
  readonly port: number;
  readonly username: string;
  readonly privateKey: Buffer | undefined;
  readonly passphrase: string | undefined;
  readonly agent: string | undefined;
  readonly connectTimeoutMs: number;
  readonly keepaliveIntervalMs: number;
  readonly keepaliveCountMax: number;
  readonly hostKey: HostKeyCheck;
  /** Undefined: plain TCP to address:port. */
  readonly sock: Duplex | undefined;
  /** Extra words for a ConnectFailed reason, e.g. the proxy command's stderr. */
  readonly explain: () => Promise<string>;
}

type LevelledError = Error & { level?: string };

const withDetail = (reason: string, detail: string): string =>
  detail === "" ? reason : `${reason} (${detail})`;

/** Maps an ssh2 connect-phase error by its `level`, never by its message. */
const mapConnectError = async (plan: ConnectPlan, err: LevelledError): Promise<TransportError> => {
  // The verifier refused the key: ssh2 reports that as a generic handshake error.
  const rejected = plan.hostKey.rejection();
  if (rejected !== undefined) return rejected;
  switch (err.level) {
    case "client-authentication":
      return authFailed(plan.host, `${plan.username}: ${err.message}`);
    case "agent":
      return authFailed(plan.host, `ssh-agent: ${err.message}`);
    case "client-timeout":
      return connectFailed(
        plan.host,
        withDetail(`no SSH session within ${plan.connectTimeoutMs} ms`, await plan.explain()),
      );
    default:
      // client-socket, client-dns, protocol, handshake: the connection itself failed.
      return connectFailed(plan.host, withDetail(err.message, await plan.explain()));
  }
};

/**
 * Connects and authenticates. Resolves once the session is ready (and, with
 * accept-new, the new host key is recorded); the Client's later errors and
 * closes are the caller's to watch.
 */
export const openClient = (plan: ConnectPlan): Promise<E.Either<TransportError, Client>> =>
  new Promise((resolve) => {
    const client = new Client();
    let settled = false;
    const settle = (result: E.Either<TransportError, Client>): void => {
      if (settled) return;
      settled = true;
      if (E.isLeft(result)) client.destroy();
      resolve(result);
    };
    // The first failure decides; its reason may wait briefly for a proxy's stderr.
    let failing = false;
    const fail = (error: () => Promise<TransportError>): void => {
      if (settled || failing) return;
      failing = true;
      void error().then((e) => settle(E.left(e)));
    };
    let recording: Promise<E.Either<TransportError, void>> = Promise.resolve(E.right(undefined));
    // 'handshake' comes after the server proved it holds the key, before authentication.
    client.on("handshake", () => {
      recording = plan.hostKey.record();
    });
    client.on("ready", () => {
      void recording.then((recorded) => {
        // Lost while recording the key: the failure path settles instead.
        if (!failing) settle(E.isLeft(recorded) ? recorded : E.right(client));
      });
    });
    // Stays attached after ready: an 'error' with no listener would be thrown.
    client.on("error", (err: LevelledError) => fail(() => mapConnectError(plan, err)));
    client.on("close", () =>
      fail(async () =>
        connectFailed(
          plan.host,
          withDetail("connection closed before the SSH session was ready", await plan.explain()),
        ),
      ),
    );

    const config: ConnectConfig = {
      host: plan.address,
      port: plan.port,
      username: plan.username,
      readyTimeout: plan.connectTimeoutMs,
      keepaliveInterval: plan.keepaliveIntervalMs,
      keepaliveCountMax: plan.keepaliveCountMax,
      hostVerifier: (key: Buffer) => plan.hostKey.verify(key),
    };
    if (plan.privateKey !== undefined) config.privateKey = plan.privateKey;
    if (plan.passphrase !== undefined) config.passphrase = plan.passphrase;
    if (plan.agent !== undefined) config.agent = plan.agent;
    if (plan.sock !== undefined) config.sock = plan.sock as ConnectConfig["sock"];
    if (plan.hostKey.algorithms !== undefined) {
      config.algorithms = {
        serverHostKey: plan.hostKey.algorithms as NonNullable<ConnectConfig["algorithms"]>["serverHostKey"],
      };
    }
    try {
      client.connect(config);
      // A command's request and its data go out as several small writes; with
      // Nagle's algorithm the later ones wait for the host's delayed ACK (~40 ms
      // on Linux) on every round trip after the first. A no-op on a socket
      // that is not TCP (a ProxyCommand's pipes, a jump host's channel).
      client.setNoDelay(true);
    } catch (err) {
      // ssh2 throws synchronously for a key it cannot parse (or an encrypted one without passphrase).
      fail(async () => authFailed(plan.host, `cannot use private key: ${(err as Error).message}`));
    }
  });
