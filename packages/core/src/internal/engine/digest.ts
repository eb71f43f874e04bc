/** Canonical JSON and sha256, for fact digests and blob identities. */
export { canonicalJson } from "../canonical.js";
export { sha256Hex } from "../hash.js";

export const toBase64 = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
export const fromBase64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "base64"));
