/**
 * Controller-side fetching: the `.sha256` files that pin upstream binaries,
 * and, in `tend_download_mode: controller`, the artifacts themselves into a
 * cache (~/.cache/tend) so hosts without a route to the internet get them
 * uploaded. A cached file is used only when its checksum matches, and a
 * download lands in the cache only after its checksum matched.
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Progress } from "./progress.js";

/** The fetch this module uses (global fetch by default; injected in tests). */
export type Fetch = (url: string, init?: { readonly signal?: AbortSignal }) => Promise<Response>;

/** A checksum file must answer within this time. */
const TEXT_TIMEOUT_MS = 30_000;
/** A download that receives nothing for this long is abandoned. */
const STALL_TIMEOUT_MS = 60_000;

/** A checksum as the modules declare it. */
export interface ArtifactChecksum {
  readonly algo: "sha256" | "sha512";
  readonly hex: string;
}

/** An artifact the controller must have before planning. */
export interface Artifact {
  readonly url: string;
  readonly checksum: ArtifactChecksum | null;
  /** File name under the cache directory (the modules expect the artifact there). */
  readonly cacheName: string;
}

/** Where tend caches controller downloads: $XDG_CACHE_HOME/tend/artifacts, by default ~/.cache/tend/artifacts. */
export const defaultCacheDir = (env: Readonly<Record<string, string | undefined>>): string =>
  join(
    env.XDG_CACHE_HOME && env.XDG_CACHE_HOME !== "" ? env.XDG_CACHE_HOME : join(homedir(), ".cache"),
    "tend",
    "artifacts",
  );

/** The hex digest in a `.sha256` file ("<hex>" or "<hex>  <name>"), or undefined. */
export const checksumFileDigest = (text: string): string | undefined => {
  const first = text.trim().split(/\s+/)[0] ?? "";
  return /^[0-9a-fA-F]{64}$/.test(first) ? first.toLowerCase() : undefined;
};

const why = (e: unknown, timeoutMs: number): string => {
  const err = e as Error & { cause?: { message?: string; code?: string } };
  if (err.name === "TimeoutError" || err.name === "AbortError" || err.cause?.code?.includes("TIMEOUT")) {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  return err.cause?.code ?? err.cause?.message ?? err.message;
};

/**
 * Fetches small text files (the `.sha256` files), each url once, in parallel.
 * Returns text per url, or the reason it could not be fetched.
 */
export const fetchTexts = async (
  urls: readonly string[],
  fetchFn: Fetch,
): Promise<Map<string, { text: string } | { error: string }>> => {
  const unique = [...new Set(urls)];
  const results = await Promise.all(
    unique.map(async (url): Promise<[string, { text: string } | { error: string }]> => {
      try {
        const res = await fetchFn(url, { signal: AbortSignal.timeout(TEXT_TIMEOUT_MS) });
        if (!res.ok) return [url, { error: `HTTP ${res.status}` }];
        return [url, { text: await res.text() }];
      } catch (e) {
        return [url, { error: why(e, TEXT_TIMEOUT_MS) }];
      }
    }),
  );
  return new Map(results);
};

const digestOf = async (path: string, algo: string): Promise<string | undefined> => {
  try {
    return createHash(algo)
      .update(await readFile(path))
      .digest("hex");
  } catch {
    return undefined;
  }
};

const exists = async (path: string): Promise<boolean> => {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
};

/**
 * Makes one artifact present in the cache and returns its path. With a
 * checksum, a cached copy is reused only if it matches, and a fresh download
 * is kept only if it matches; without one (the roles pin none for flanneld)
 * a cached copy is reused as is.
 */
export const ensureArtifact = async (
  artifact: Artifact,
  cacheDir: string,
  fetchFn: Fetch,
  progress?: Progress,
): Promise<{ path: string } | { error: string }> => {
  const path = join(cacheDir, artifact.cacheName);
  const { checksum } = artifact;
  if (checksum) {
    if ((await digestOf(path, checksum.algo)) === checksum.hex.toLowerCase()) return { path };
  } else if (await exists(path)) {
    return { path };
  }
  await mkdir(cacheDir, { recursive: true });
  const temp = `${path}.part-${process.pid}`;
  // Aborted when nothing arrives for STALL_TIMEOUT_MS, however long the whole download takes.
  const stall = new AbortController();
  let timer = setTimeout(() => stall.abort(), STALL_TIMEOUT_MS);
  const alive = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(), STALL_TIMEOUT_MS);
  };
  try {
    const res = await fetchFn(artifact.url, { signal: stall.signal });
    alive();
    if (!res.ok || !res.body) return { error: `${artifact.url}: HTTP ${res.status}` };
    const total = Number(res.headers.get("content-length") ?? "") || undefined;
    const hash = checksum ? createHash(checksum.algo) : undefined;
    let received = 0;
    const body = Readable.fromWeb(res.body as import("node:stream/web").ReadableStream<Uint8Array>);
    body.on("data", (chunk: Buffer) => {
      received += chunk.length;
      alive();
      hash?.update(chunk);
      progress?.bar(basename(path), received, total);
    });
    await pipeline(body, createWriteStream(temp, { mode: 0o644 }));
    progress?.endBar();
    if (hash && checksum) {
      const got = hash.digest("hex");
      if (got !== checksum.hex.toLowerCase()) {
        await rm(temp, { force: true });
        return { error: `${artifact.url}: ${checksum.algo} mismatch: expected ${checksum.hex}, got ${got}` };
      }
    }
    await rename(temp, path);
    return { path };
  } catch (e) {
    progress?.endBar();
    await rm(temp, { force: true });
    return { error: `${artifact.url}: ${why(e, STALL_TIMEOUT_MS)}` };
  } finally {
    clearTimeout(timer);
  }
};
