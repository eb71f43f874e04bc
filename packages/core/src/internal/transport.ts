/**
 * Transport: the byte mover under ShellTarget. A transport runs a POSIX sh
 * script as the become user (through sudo or su when the login user is
 * another), moves bytes, and nothing else: it knows no probes, ops or
 * resources.
 */
import type { Either } from "fp-ts/lib/Either.js";

export interface ExecRequest {
  /** A POSIX sh script, run as `sh -c script` (quoted by the transport, if it needs a string). */
  readonly script: string;
  /**
   * Bytes for the script's stdin, then end of file. Several parts are written
   * in order, as one stream: a batch of uploads need not be copied into one
   * buffer per host.
   */
  readonly stdin?: Uint8Array | readonly Uint8Array[];
  readonly env?: Readonly<Record<string, string>>;
  /** Milliseconds; on expiry the command is killed and a Timeout error returned. */
  readonly timeoutMs?: number;
}

/** The parts of a request's stdin as Buffers over the same bytes (views, not copies), empty ones left out. */
export const stdinBuffers = (stdin: ExecRequest["stdin"]): Buffer[] =>
  (stdin === undefined ? [] : ArrayBuffer.isView(stdin) ? [stdin] : stdin)
    .filter((p) => p.byteLength > 0)
    .map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength));

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: Uint8Array;
  readonly stderr: Uint8Array;
}

/** Errors of the transport layer, tagged. `command` is a short description, never the whole script. */
export type TransportError =
  | { readonly _tag: "ConnectFailed"; readonly host: string; readonly reason: string }
  | { readonly _tag: "AuthFailed"; readonly host: string; readonly reason: string }
  | { readonly _tag: "HostKeyRejected"; readonly host: string; readonly reason: string }
  | { readonly _tag: "Timeout"; readonly host: string; readonly command: string; readonly afterMs: number }
  | {
      readonly _tag: "ConnectionLost";
      readonly host: string;
      readonly command: string;
      readonly reason: string;
    }
  | {
      readonly _tag: "NonZeroExit";
      readonly host: string;
      readonly command: string;
      readonly exitCode: number;
      readonly stderr: string;
    }
  | {
      /**
       * Privilege escalation (sudo or su) to `user` was refused. `detail` is
       * sudo's or su's own words, never the password.
       */
      readonly _tag: "BecomeFailed";
      readonly host: string;
      readonly method: BecomeMethod;
      /** The become user. */
      readonly user: string;
      readonly problem: BecomeProblem;
      readonly detail: string;
    };

/** How a transport becomes another user on the host. */
export type BecomeMethod = "sudo" | "su";

/** Why becoming another user failed: no password given, a wrong one, or any other refusal. */
export type BecomeProblem = "password-required" | "wrong-password" | "refused";

export interface Transport {
  /** The inventory name of the host, used in every error. */
  readonly host: string;
  exec(req: ExecRequest): Promise<Either<TransportError, ExecResult>>;
  /** Writes data to path atomically (temp file in the same directory + rename) with mode. */
  upload(path: string, data: Uint8Array, mode: number): Promise<Either<TransportError, void>>;
  /** How many exec round trips this transport has made (for the cost model and benchmarks). */
  readonly roundTrips: number;
  close(): Promise<void>;
}

/** One line for a transport error, naming the host. */
export const describeTransportError = (e: TransportError): string => {
  switch (e._tag) {
    case "ConnectFailed":
      return `${e.host}: cannot connect: ${e.reason}`;
    case "AuthFailed":
      return `${e.host}: authentication failed: ${e.reason}`;
    case "HostKeyRejected":
      return `${e.host}: host key rejected: ${e.reason}`;
    case "Timeout":
      return `${e.host}: ${e.command} timed out after ${e.afterMs} ms`;
    case "ConnectionLost":
      return `${e.host}: connection lost during ${e.command}: ${e.reason}`;
    case "NonZeroExit":
      return `${e.host}: ${e.command} exited ${e.exitCode}: ${e.stderr.trim()}`;
    case "BecomeFailed":
      return describeBecomeFailed(e);
  }
};

const describeBecomeFailed = (e: Extract<TransportError, { _tag: "BecomeFailed" }>): string => {
  const who = `${e.host}: ${e.method} to ${e.user}`;
  switch (e.problem) {
    case "password-required":
      return `${who} needs a password`;
    case "wrong-password":
      return `${who}: incorrect password`;
    case "refused":
      return `${who} refused: ${e.detail.trim()}`;
  }
};
