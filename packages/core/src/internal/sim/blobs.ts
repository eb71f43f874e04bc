/**
 * Blob helpers for tests: writeFile ops reference content by sha256, and a
 * run gets the bytes from a BlobStore keyed the same way.
 */
import { sha256Hex } from "../hash.js";

/** `[sha256, bytes]` of a content (utf-8 when a string): an entry for `new Map([...])` as a BlobStore. */
export const blob = (content: string | Uint8Array): [string, Uint8Array] => {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  return [sha256Hex(bytes), bytes];
};

/** A BlobStore holding the given contents. */
export const blobStore = (...contents: (string | Uint8Array)[]): ReadonlyMap<string, Uint8Array> =>
  new Map(contents.map(blob));

/** Hex sha256 of a content (utf-8 when a string), e.g. the blob id of a writeFile op. */
export const sha256 = (content: string | Uint8Array): string => blob(content)[0];
