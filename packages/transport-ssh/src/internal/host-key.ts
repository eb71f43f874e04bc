/**
 * Host key checking for one connection attempt: reads known_hosts once,
 * answers ssh2's hostVerifier synchronously, and with `accept-new` appends
 * an unknown key once the handshake has proven the server holds it.
 */
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { TransportError } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { hostKeyRejected } from "./errors.js";
import {
  fingerprint,
  hostKeyAlgorithmsFor,
  judgeHostKey,
  keysFor,
  knownHostsLine,
  knownHostsName,
  parseKnownHosts,
} from "./known-hosts.js";
import type { HostKeyPolicy } from "./options.js";

/** The host key decision for one connection attempt. */
export interface HostKeyCheck {
  /** Host key algorithms to offer (the recorded key types), or undefined for ssh2's defaults. */
  readonly algorithms: string[] | undefined;
  /** ssh2's hostVerifier: true to continue the handshake. */
  readonly verify: (blob: Buffer) => boolean;
  /** Why `verify` refused the key, if it did. */
  rejection(): TransportError | undefined;
  /** Appends the accepted new key (accept-new only); call after the handshake completed. */
  record(): Promise<E.Either<TransportError, void>>;
}

const readText = async (path: string): Promise<string> => {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    // A missing file means no host is known yet; anything else is a real error.
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw err;
  }
};

/** Prepares the check for `host` reached as `address:port`. */
export const prepareHostKeyCheck = async (args: {
  readonly host: string;
  readonly address: string;
  readonly port: number;
  readonly knownHostsPath: string;
  readonly policy: HostKeyPolicy;
}): Promise<E.Either<TransportError, HostKeyCheck>> => {
  const { host, knownHostsPath, policy } = args;
  let text: string;
  try {
    text = await readText(knownHostsPath);
  } catch (err) {
    return E.left(hostKeyRejected(host, `cannot read ${knownHostsPath}: ${(err as Error).message}`));
  }
  const name = knownHostsName(args.address, args.port);
  const entries = parseKnownHosts(text);
  let rejected: TransportError | undefined;
  let toRecord: Buffer | undefined;

  const verify = (blob: Buffer): boolean => {
    const verdict = judgeHostKey(entries, name, blob);
    const fp = fingerprint(blob);
    switch (verdict._tag) {
      case "Known":
        return true;
      case "Unknown":
        if (policy === "accept-new") {
          toRecord = blob;
          return true;
        }
        rejected = hostKeyRejected(
          host,
          `unknown host key for ${host} (fingerprint ${fp}); add it to known_hosts or use accept-new`,
        );
        return false;
      case "Changed":
        rejected = hostKeyRejected(
          host,
          `host key for ${host} changed (now ${fp}, known_hosts ${knownHostsPath} lists another key for ${name})`,
        );
        return false;
      case "Revoked":
        rejected = hostKeyRejected(host, `host key for ${host} is revoked in ${knownHostsPath} (${fp})`);
        return false;
    }
  };

  const record = async (): Promise<E.Either<TransportError, void>> => {
    if (toRecord === undefined) return E.right(undefined);
    const line = knownHostsLine(name, toRecord);
    toRecord = undefined;
    try {
      await mkdir(dirname(knownHostsPath), { recursive: true, mode: 0o700 });
      // Re-read: another connection may have appended meanwhile; keep the file line-terminated.
      const current = await readText(knownHostsPath);
      const sep = current === "" || current.endsWith("\n") ? "" : "\n";
      await appendFile(knownHostsPath, `${sep}${line}\n`, { mode: 0o600 });
      return E.right(undefined);
    } catch (err) {
      return E.left(
        hostKeyRejected(
          host,
          `accepted a new host key but cannot write ${knownHostsPath}: ${(err as Error).message}`,
        ),
      );
    }
  };

  return E.right({
    algorithms: hostKeyAlgorithmsFor(keysFor(entries, name)),
    verify,
    rejection: () => rejected,
    record,
  });
};
