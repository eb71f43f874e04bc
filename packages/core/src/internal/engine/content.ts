/**
 * Content resolution: the bytes a resource writes become blobs named by
 * sha256 before diffing, so kinds compare digests and plans carry references.
 */
import type { BlobEntry } from "../plan/format.js";
import type { Blob, ContentSpec } from "../resource.js";
import { fromBase64, sha256Hex, toBase64 } from "./digest.js";
import type { PlanError } from "./errors.js";

/** Reads a controller-side file (injected by the caller: core does no I/O). */
export type ReadSource = (path: string) => Promise<Uint8Array>;

interface StoredBlob {
  bytes?: Uint8Array;
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
    const sha = sha256Hex(bytes);
    this.merge(sha, { bytes, sensitive });
    return sha;
  }

  private merge(sha: string, b: StoredBlob): void {
    const prev = this.blobs.get(sha);
    this.blobs.set(sha, {
      bytes: prev?.bytes ?? b.bytes,
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
      let bytes: Uint8Array;
      try {
        bytes = await this.readSource(spec.source);
      } catch (e) {
        return { _tag: "SourceUnreadable", id, path: spec.source, reason: (e as Error).message };
      }
      const sha = sha256Hex(bytes);
      this.merge(sha, { bytes, source: spec.source, sensitive });
      return { sha256: sha, bytes, source: spec.source };
    }
    const sha = spec.blob;
    const entry = this.entries[sha];
    let bytes = this.known.get(sha);
    if (!bytes && entry && "base64" in entry) bytes = fromBase64(entry.base64);
    const source = entry && "source" in entry ? entry.source : undefined;
    this.merge(sha, { bytes, source, sensitive });
    return { sha256: sha, ...(bytes ? { bytes } : {}), ...(source ? { source } : {}) };
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
          ? { base64: toBase64(b.bytes) }
          : b.source
            ? { source: b.source }
            : { redacted: true };
    }
    return out;
  }
}
