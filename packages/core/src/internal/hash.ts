/** sha256, the one hash tend names contents, blobs, records and digests by. */
import { createHash } from "node:crypto";

/** Hex sha256 of bytes or a utf-8 string. */
export const sha256Hex = (data: Uint8Array | string): string =>
  createHash("sha256").update(data).digest("hex");

/** A text's utf-8 bytes and their sha256. */
export interface TextBlob {
  readonly bytes: Uint8Array;
  readonly sha256: string;
}

/**
 * Texts kinds write (unit files, configs, modules-load.d lines), by text: a
 * fleet's hosts mostly write the same ones, so each is encoded and hashed
 * once and its bytes held once, not once per host. Keyed by the text itself,
 * so a hit is always that text's own bytes. Bounded: past either limit the
 * table starts over (a memo, never needed for correctness).
 */
const texts = new Map<string, TextBlob>();
const TEXTS_MAX = 4096;
const TEXTS_MAX_CHARS = 8 << 20;
/** Texts longer than this are not kept (one would crowd out the rest). */
const TEXT_MAX_CHARS = 1 << 20;
let textChars = 0;

/** Digests of the buffers textBlob made: they are never mutated (blob bytes never are, see content.ts). */
const textDigests = new WeakMap<Uint8Array, string>();
const encoder = new TextEncoder();

/**
 * The utf-8 bytes of `s` and their sha256, shared with every other caller
 * asking for the same text: the bytes must not be mutated.
 */
export const textBlob = (s: string): TextBlob => {
  const hit = texts.get(s);
  if (hit !== undefined) return hit;
  const bytes = encoder.encode(s);
  const blob: TextBlob = { bytes, sha256: sha256Hex(bytes) };
  textDigests.set(bytes, blob.sha256);
  if (s.length <= TEXT_MAX_CHARS) {
    if (texts.size >= TEXTS_MAX || textChars + s.length > TEXTS_MAX_CHARS) {
      texts.clear();
      textChars = 0;
    }
    texts.set(s, blob);
    textChars += s.length;
  }
  return blob;
};

/** Whether textBlob made these bytes (shared and never mutated: what is computed of them may be kept). */
export const isTextBlobBytes = (bytes: Uint8Array): boolean => textDigests.has(bytes);

/** Hex sha256 of bytes, not computed again for bytes textBlob made. */
export const sha256Bytes = (bytes: Uint8Array): string => textDigests.get(bytes) ?? sha256Hex(bytes);
