/**
 * Constructors for the transport errors this adapter returns. Every error
 * names the inventory host; `command` is a short description, never a script.
 */
import type { BecomeMethod, BecomeProblem, TransportError } from "@tend/core";

/** The TCP (or proxy) connection or the SSH handshake could not be made. */
export const connectFailed = (host: string, reason: string): TransportError => ({
  _tag: "ConnectFailed",
  host,
  reason,
});

/** The server refused every offered credential (or a key could not be loaded). */
export const authFailed = (host: string, reason: string): TransportError => ({
  _tag: "AuthFailed",
  host,
  reason,
});

/** The server's host key is unknown (strict policy), changed, or revoked. */
export const hostKeyRejected = (host: string, reason: string): TransportError => ({
  _tag: "HostKeyRejected",
  host,
  reason,
});

/** A command ran longer than its timeout and was killed. */
export const timedOut = (host: string, command: string, afterMs: number): TransportError => ({
  _tag: "Timeout",
  host,
  command,
  afterMs,
});

/** The connection went away while a command was running (or before it started). */
export const connectionLost = (host: string, command: string, reason: string): TransportError => ({
  _tag: "ConnectionLost",
  host,
  command,
  reason,
});

/** A transport-level step (such as an upload) ran and exited non-zero. */
export const nonZeroExit = (
  host: string,
  command: string,
  exitCode: number,
  stderr: string,
): TransportError => ({ _tag: "NonZeroExit", host, command, exitCode, stderr });

/** sudo or su did not let the command run as `user`; `detail` is their words, never the password. */
export const becomeFailed = (
  host: string,
  method: BecomeMethod,
  user: string,
  problem: BecomeProblem,
  detail: string,
): TransportError => ({ _tag: "BecomeFailed", host, method, user, problem, detail });
