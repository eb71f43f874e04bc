/**
 * Content resolution: the bytes a resource writes become blobs named by
 * sha256 before diffing, so kinds compare digests and plans carry references.
 */

import { sha256Bytes } from "../hash.js";
import type { BlobEntry } from "../plan/format.js";
import type { Blob, ContentSpec } from "../resource.js";
import { fromBase64, sha256Hex, toBase64 } from "./digest.js";
import type { PlanError } from "./errors.js";

/**
 * A controller-side file whose sha256 the reader already knows (e.g. a
 * verified artifact in the controller cache), with its bytes read only when
 * asked: a plan that writes nothing from it never reads it.
 */
export interface SourceContent {
  /** Lower-case hex sha256 of the file's bytes. */
  readonly sha256: string;
  /** Reads the bytes; absent when the reader can only tell the digest. */
  readonly bytes?: () => Promise<Uint8Array>;
}

/**
 * Reads a controller-side file (injected by the caller: core does no I/O):
 * its bytes, or its digest with a lazy read of the bytes.
 */
export type ReadSource = (path: string) => Promise<Uint8Array | SourceContent>;

/**
 * Digests already checked, by buffer: a controller read shared by every host
 * (one artifact uploaded to ten hosts) is hashed once, not once per host.
 * Blob bytes are never mutated once read.
 */
const checked = new WeakMap<Uint8Array, string>();
const sha256Of = (bytes: Uint8Array): string => {
  let sha = checked.get(bytes);
  if (sha === undefined) {
    sha = sha256Hex(bytes);
    checked.set(bytes, sha);
  }
  return sha;
};

/**
 * Base64 of blob bytes, by buffer: made only when something reads a plan
 * entry's `base64` (a plan file, `--json`), and once for all hosts sharing
 * the buffer. An apply in the same process uses the bytes and never makes it.
 */
const base64Of = new WeakMap<Uint8Array, string>();
const lazyBase64 = (bytes: Uint8Array): BlobEntry => {
  const entry = {};
  Object.defineProperty(entry, "base64", {
    enumerable: true,
    get: () => {
      let s = base64Of.get(bytes);
      if (s === undefined) {
        s = toBase64(bytes);
        base64Of.set(bytes, s);
      }
      return s;
    },
  });
  return entry as BlobEntry;
};

const isSourceContent = (r: Uint8Array | SourceContent): r is SourceContent =>
  !ArrayBuffer.isView(r) && typeof (r as SourceContent).sha256 === "string";

/**
 * The bytes of a source, checked against `expected` (a plan's blob digest).
 * A reader that knows the digest answers "changed" without reading the file.
 * Throws with the reason when the file cannot be read; resolves to
 * "changed" when its content is not the expected one.
 */
export const readSourceBytes = async (
  readSource: ReadSource,
  path: string,
  expected: string,
): Promise<Uint8Array | "changed"> => {
  const r = await readSource(path);
  if (isSourceContent(r)) {
    if (r.sha256.toLowerCase() !== expected) return "changed";
    if (!r.bytes) throw new Error("the source reader gave its digest only");
    const bytes = await r.bytes();
    return sha256Of(bytes) === expected ? bytes : "changed";
  }
  return sha256Hex(r) === expected ? r : "changed";
};

interface StoredBlob {
  bytes?: Uint8Array;
  /** Reads the bytes of a source known so far by its digest only. */
  load?: () => Promise<Uint8Array>;
  source?: string;
  sensitive: boolean;
}

/** The blobs of one host's plan, with what may be written to a plan file. */
export class BlobTable {
  private readonly blobs = new Map<string, StoredBlob>();

  constructor(
    private readonly readSource: ReadSource | undefined,
    /** Blob bytes and entries already known (a decoded plan, an in-memory plan). */
    private readonly known: ReadonlyMap<string, Uint8Array> = new Map(),
    private readonly entries: Readonly<Record<string, BlobEntry>> = {},
  ) {}

  /** Registers bytes computed during planning (e.g. a rewritten /etc/fstab). */
  add(bytes: Uint8Array, sensitive: boolean): string {
    const sha = sha256Bytes(bytes);
    this.merge(sha, { bytes, sensitive });
    return sha;
  }

  private merge(sha: string, b: StoredBlob): void {
    const prev = this.blobs.get(sha);
    this.blobs.set(sha, {
      bytes: prev?.bytes ?? b.bytes,
      load: prev?.load ?? b.load,
      source: prev?.source ?? b.source,
      sensitive: (prev?.sensitive ?? false) || b.sensitive,
    });
  }

  /** Resolves a content spec into a blob, or the error naming the resource. */
  async resolve(id: string, spec: ContentSpec, sensitive: boolean): Promise<Blob | PlanError> {
    if ("inline" in spec) {
      const sha = this.add(spec.inline, sensitive);
      return { sha256: sha, bytes: spec.inline };
    }
    if ("source" in spec) {
      if (!this.readSource)
        return {
          _tag: "SourceUnreadable",
          id,
          path: spec.source,
          reason: "no source reader was given to plan",
        };
      let read: Uint8Array | SourceContent;
      try {
        read = await this.readSource(spec.source);
      } catch (e) {
        return { _tag: "SourceUnreadable", id, path: spec.source, reason: (e as Error).message };
      }
      if (isSourceContent(read)) {
        // Digest now, bytes only if an op writes them (see withBytes).
        const sha = read.sha256.toLowerCase();
        if (!/^[0-9a-f]{64}$/.test(sha))
          return {
            _tag: "SourceUnreadable",
            id,
            path: spec.source,
            reason: `the reader gave no sha256: ${sha}`,
          };
        const bytes = this.known.get(sha) ?? this.blobs.get(sha)?.bytes;
        this.merge(sha, { bytes, load: read.bytes, source: spec.source, sensitive });
        return { sha256: sha, ...(bytes ? { bytes } : {}), source: spec.source };
      }
      const sha = sha256Hex(read);
      this.merge(sha, { bytes: read, source: spec.source, sensitive });
      return { sha256: sha, bytes: read, source: spec.source };
    }
    const sha = spec.blob;
    const entry = this.entries[sha];
    let bytes = this.known.get(sha);
    if (!bytes && entry && "base64" in entry) bytes = fromBase64(entry.base64);
    const source = entry && "source" in entry ? entry.source : undefined;
    this.merge(sha, { bytes, source, sensitive });
    return { sha256: sha, ...(bytes ? { bytes } : {}), ...(source ? { source } : {}) };
  }

  /** Whether the blob's bytes are not at hand but can be read. */
  loadable(sha: string): boolean {
    const b = this.blobs.get(sha);
    return b !== undefined && b.bytes === undefined && b.load !== undefined;
  }

  private readonly loading = new Map<string, Promise<Uint8Array>>();

  /**
   * The blob with its bytes, read now if they were left for later and checked
   * against the digest the reader gave; a blob that cannot be read comes
   * back as it was. Each blob is read once per table.
   */
  async withBytes(id: string, blob: Blob): Promise<Blob | PlanError> {
    if (blob.bytes) return blob;
    const stored = this.blobs.get(blob.sha256);
    if (stored?.bytes) return { ...blob, bytes: stored.bytes };
    if (!stored?.load) return blob;
    const path = stored.source ?? blob.source ?? "";
    let pending = this.loading.get(blob.sha256);
    if (!pending) {
      pending = stored.load();
      this.loading.set(blob.sha256, pending);
    }
    let bytes: Uint8Array;
    try {
      bytes = await pending;
    } catch (e) {
      return { _tag: "SourceUnreadable", id, path, reason: (e as Error).message };
    }
    if (sha256Of(bytes) !== blob.sha256)
      return {
        _tag: "SourceUnreadable",
        id,
        path,
        reason: `its content is not the ${blob.sha256.slice(0, 12)}… the reader said; it changed while planning`,
      };
    this.merge(blob.sha256, { bytes, sensitive: stored.sensitive });
    return { ...blob, bytes };
  }

  /** Bytes of every blob at hand, for in-process apply. */
  bytes(): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    for (const [sha, b] of this.blobs) if (b.bytes) out.set(sha, b.bytes);
    return out;
  }

  /** The plan-file entries of the given blobs: secrets never inline. */
  entriesFor(shas: Iterable<string>): Record<string, BlobEntry> {
    const out: Record<string, BlobEntry> = {};
    for (const sha of [...new Set(shas)].sort()) {
      const b = this.blobs.get(sha);
      if (!b) continue;
      out[sha] = b.sensitive
        ? b.source
          ? { source: b.source }
          : { redacted: true }
        : b.bytes
          ? lazyBase64(b.bytes)
          : b.source
            ? { source: b.source }
            : { redacted: true };
    }
    return out;
  }
}
