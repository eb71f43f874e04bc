/** sha256, the one hash tend names contents, blobs, records and digests by. */
import { createHash } from "node:crypto";

/** Hex sha256 of bytes or a utf-8 string. */
export const sha256Hex = (data: Uint8Array | string): string =>
  createHash("sha256").update(data).digest("hex");
