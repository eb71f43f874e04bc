/**
 * OpenSSH known_hosts: parsing, matching a host against plain and hashed
 * (`|1|salt|hash`) entries, and the verdict on a presented host key. Pure;
 * reading and appending the file happens in host-key.ts.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** One key line of a known_hosts file. */
export interface KnownHostEntry {
  /** `@revoked` keys are refused for every host they match; `@cert-authority` lines are not used here. */
  readonly marker: "revoked" | "cert-authority" | undefined;
  /** The host field as written: comma-separated patterns, or one `|1|salt|hash`. */
  readonly hosts: string;
  readonly keyType: string;
  /** The key blob (SSH wire format), as base64-decoded from the line. */
  readonly key: Buffer;
}

/** What a presented host key is, given the known_hosts entries. */
export type HostKeyVerdict =
  | { readonly _tag: "Known" }
  | { readonly _tag: "Unknown" }
  | { readonly _tag: "Changed" }
  | { readonly _tag: "Revoked" };

/**
 * Parses known_hosts text. Comments, blank lines and lines that are not
 * `[marker] hosts keytype base64 [comment]` are skipped, as OpenSSH does.
 */
export const parseKnownHosts = (text: string): KnownHostEntry[] => {
  const entries: KnownHostEntry[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry["marker"];
    if (fields[0] === "@revoked") marker = "revoked";
    else if (fields[0] === "@cert-authority") marker = "cert-authority";
    else if (fields[0]?.startsWith("@")) continue;
    const [hosts, keyType, b64] = marker === undefined ? fields : fields.slice(1);
    if (hosts === undefined || keyType === undefined || b64 === undefined) continue;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) continue;
    entries.push({ marker, hosts, keyType, key: Buffer.from(b64, "base64") });
  }
  return entries;
};

/** The name a host is recorded under: `address` for port 22, else `[address]:port`. */
export const knownHostsName = (address: string, port: number): string =>
  port === 22 ? address : `[${address}]:${port}`;

// OpenSSH glob: `*` any run, `?` one character, everything else literal, case-insensitive.
const globMatches = (pattern: string, name: string): boolean => {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll("?", ".");
  return new RegExp(`^${re}$`, "i").test(name);
};

const hashedMatches = (field: string, name: string): boolean => {
  const [, magic, salt, hash] = field.split("|");
  if (magic !== "1" || salt === undefined || hash === undefined) return false;
  const want = Buffer.from(hash, "base64");
  const got = createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest();
  return want.length === got.length && timingSafeEqual(want, got);
};

/** Whether an entry's host field matches `name` (a negated pattern that matches vetoes the entry). */
export const hostsFieldMatches = (field: string, name: string): boolean => {
  if (field.startsWith("|")) return hashedMatches(field, name);
  let matched = false;
  for (const pattern of field.split(",")) {
    if (pattern.startsWith("!")) {
      if (globMatches(pattern.slice(1), name)) return false;
    } else if (globMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
};

/** The key type named inside a key blob (its first SSH string), e.g. `ssh-ed25519`. */
export const keyTypeOf = (blob: Buffer): string => {
  if (blob.length < 4) return "";
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString("latin1");
};

/** OpenSSH's fingerprint form: `SHA256:` + unpadded base64 of the blob's SHA-256. */
export const fingerprint = (blob: Buffer): string =>
  `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;

/** The host keys recorded for `name` (revoked and CA lines excluded). */
export const keysFor = (entries: readonly KnownHostEntry[], name: string): KnownHostEntry[] =>
  entries.filter((e) => e.marker === undefined && hostsFieldMatches(e.hosts, name));

/**
 * Judges a presented key. Known: a recorded key for this name equals it.
 * Changed: keys are recorded for this name but none equals it. The caller
 * offers only the recorded key types during key exchange (as OpenSSH does),
 * so a server presenting another type is treated as changed, not as new.
 */
export const judgeHostKey = (
  entries: readonly KnownHostEntry[],
  name: string,
  blob: Buffer,
): HostKeyVerdict => {
  const revoked = entries.some(
    (e) => e.marker === "revoked" && hostsFieldMatches(e.hosts, name) && e.key.equals(blob),
  );
  if (revoked) return { _tag: "Revoked" };
  const recorded = keysFor(entries, name);
  if (recorded.length === 0) return { _tag: "Unknown" };
  return recorded.some((e) => e.key.equals(blob)) ? { _tag: "Known" } : { _tag: "Changed" };
};

/** A plain known_hosts line for `name` and the key blob. */
export const knownHostsLine = (name: string, blob: Buffer): string =>
  `${name} ${keyTypeOf(blob)} ${blob.toString("base64")}`;

// ssh2's host key algorithm names for a recorded key type: an RSA key signs
// with any of the three RSA algorithms.
const ALGORITHMS_FOR_TYPE: Readonly<Record<string, readonly string[]>> = {
  "ssh-ed25519": ["ssh-ed25519"],
  "ecdsa-sha2-nistp256": ["ecdsa-sha2-nistp256"],
  "ecdsa-sha2-nistp384": ["ecdsa-sha2-nistp384"],
  "ecdsa-sha2-nistp521": ["ecdsa-sha2-nistp521"],
  "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
};

/**
 * The host key algorithms to offer for a host with these recorded keys, so the
 * server presents a key we can compare; undefined (ssh2's defaults) when none
 * of the recorded types is one ssh2 speaks.
 */
export const hostKeyAlgorithmsFor = (recorded: readonly KnownHostEntry[]): string[] | undefined => {
  const algorithms = new Set<string>();
  for (const e of recorded) for (const a of ALGORITHMS_FOR_TYPE[e.keyType] ?? []) algorithms.add(a);
  return algorithms.size > 0 ? [...algorithms] : undefined;
};
