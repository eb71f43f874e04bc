/**
 * `sshTransport`: resolves options, picks the route (TCP, ProxyCommand, a
 * given socket, or a jump host), connects once, and returns the session.
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import type { TransportError } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { type ConnectPlan, openClient } from "./connect.js";
import { authFailed, connectFailed } from "./errors.js";
import { prepareHostKeyCheck } from "./host-key.js";
import { bareAddress } from "./names.js";
import type { SshTransport, SshTransportOptions } from "./options.js";
import { SshSession } from "./session.js";
import { ChildSocket, proxyCommandSocket } from "./socket.js";

interface Route {
  readonly sock: Duplex | undefined;
  readonly explain: () => Promise<string>;
  readonly release: () => void;
}

const tcpRoute: Route = { sock: undefined, explain: async () => "", release: () => {} };

const childSays = async (sock: Duplex, who: string): Promise<string> => {
  if (!(sock instanceof ChildSocket)) return "";
  const said = await sock.finalStderr();
  return said === "" ? "" : `${who} said: ${said}`;
};

const chooseRoute = async (
  options: SshTransportOptions,
  address: string,
  port: number,
): Promise<E.Either<TransportError, Route>> => {
  const given = [options.proxyCommand, options.sock, options.jumpHost].filter((x) => x !== undefined);
  if (given.length > 1) {
    return E.left(connectFailed(options.host, "give at most one of proxyCommand, sock and jumpHost"));
  }
  if (options.proxyCommand !== undefined) {
    const spawned = proxyCommandSocket(options.proxyCommand, { address, port, username: options.username });
    if (E.isLeft(spawned)) {
      return E.left(connectFailed(options.host, `ProxyCommand not run: ${spawned.left.reason}`));
    }
    const sock = spawned.right;
    return E.right({
      sock,
      explain: () => childSays(sock, "proxy command"),
      release: () => sock.destroy(),
    });
  }
  if (options.sock !== undefined) {
    const sock = options.sock;
    return E.right({
      sock,
      explain: () => childSays(sock, "socket process"),
      release: () => sock.destroy(),
    });
  }
  if (options.jumpHost !== undefined) {
    const jump = options.jumpHost;
    const stream = await jump.forwardOut(address, port);
    if (E.isLeft(stream)) {
      return E.left(
        connectFailed(options.host, `via jump host ${jump.host}: ${describeReason(stream.left)}`),
      );
    }
    const sock = stream.right;
    return E.right({
      sock,
      explain: async () => `via jump host ${jump.host}`,
      release: () => sock.destroy(),
    });
  }
  return E.right(tcpRoute);
};

const describeReason = (e: TransportError): string =>
  "reason" in e ? e.reason : e._tag === "Timeout" ? `timed out after ${e.afterMs} ms` : e._tag;

const readKey = async (
  options: SshTransportOptions,
): Promise<E.Either<TransportError, Buffer | undefined>> => {
  if (options.privateKeyPath === undefined) return E.right(undefined);
  try {
    return E.right(await readFile(options.privateKeyPath));
  } catch (err) {
    return E.left(
      authFailed(
        options.host,
        `cannot read private key ${options.privateKeyPath}: ${(err as Error).message}`,
      ),
    );
  }
};

/**
 * Connects to one host over SSH and returns a Transport that runs every
 * command as a channel on this one connection. Fails with ConnectFailed,
 * AuthFailed or HostKeyRejected; never throws for a host condition.
 */
export const connectSsh = async (
  options: SshTransportOptions,
): Promise<E.Either<TransportError, SshTransport>> => {
  // ssh2 and %h want an IPv6 literal without the brackets an inventory may give it.
  const address = bareAddress(options.address ?? options.host);
  const port = options.port ?? 22;
  const key = await readKey(options);
  if (E.isLeft(key)) return key;
  const hostKey = await prepareHostKeyCheck({
    host: options.host,
    address,
    port,
    knownHostsPath: options.knownHostsPath ?? join(homedir(), ".ssh", "known_hosts"),
    policy: options.hostKeyPolicy ?? "strict",
  });
  if (E.isLeft(hostKey)) return hostKey;
  const route = await chooseRoute(options, address, port);
  if (E.isLeft(route)) return route;

  const plan: ConnectPlan = {
    host: options.host,
    address,
    port,
    username: options.username,
    privateKey: key.right,
    passphrase: options.passphrase,
    agent: options.agent,
    connectTimeoutMs: options.connectTimeoutMs ?? 20_000,
    keepaliveIntervalMs: options.keepaliveIntervalMs ?? 15_000,
    keepaliveCountMax: options.keepaliveCountMax ?? 3,
    hostKey: hostKey.right,
    sock: route.right.sock,
    explain: route.right.explain,
  };
  const client = await openClient(plan);
  if (E.isLeft(client)) {
    route.right.release();
    return client;
  }
  const session = new SshSession(
    options.host,
    client.right,
    {
      loginUser: options.username,
      become: options.become ?? false,
      becomeUser: options.becomeUser ?? "root",
      becomeMethod: options.becomeMethod ?? "sudo",
      withPassword: options.becomePassword !== undefined,
    },
    options.maxChannels ?? 8,
    route.right.release,
    options.becomePassword,
  );
  return E.right(session);
};

/**
 * The former name of `connectSsh` (same signature and behaviour).
 * @deprecated Use `connectSsh`; `sshTransport` stays for one release.
 */
export const sshTransport: typeof connectSsh = connectSsh;
