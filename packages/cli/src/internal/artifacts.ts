/**
 * Controller-side fetching: the `.sha256` files that pin upstream binaries,
 * and, in `tend_download_mode: controller`, the artifacts themselves into a
 * cache (~/.cache/tend) so hosts without a route to the internet get them
 * uploaded. A cached file is used only when its checksum matches, and a
 * download lands in the cache only after its checksum matched.
 *
 * Verifying means reading the whole file (hundreds of MB per worker), so a
 * verified file gets a sidecar `<name>.verified` recording the checksum it
 * matched, its sha256 (the engine's blob identity) and its size, mtime, ctime
 * and inode. While those still match, later runs trust the sidecar instead of
 * hashing again; any difference means verifying again.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, type Stats, statSync } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { FetchResponse } from "./http-get.js";
import type { Progress } from "./progress.js";

/**
 * The fetch this module uses: httpGet (http-get.ts) by default; a global
 * fetch also fits (tests and embedders inject one).
 */
export type Fetch = (url: string, init?: { readonly signal?: AbortSignal }) => Promise<FetchResponse>;

/** A checksum file must answer within this time. */
const TEXT_TIMEOUT_MS = 30_000;
/**
 * A checksum file larger than this is refused unread: real ones list a few
 * hundred files at most (kubernetes' SHA256SUMS: ~40 KB), and a hostile or
 * broken server must not make the controller hold gigabytes.
 */
export const TEXT_MAX_BYTES = 4 * 1024 * 1024;
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

/**
 * The hex digest in a `.sha256` file ("<hex>" or "<hex>  <name>"), or
 * undefined. A url ending in `#<name>` names one line of a file that lists
 * several assets (runc's `runc.sha256sum`): the digest of that line.
 */
export const checksumFileDigest = (text: string, url = ""): string | undefined => {
  const name = url.includes("#") ? url.slice(url.indexOf("#") + 1) : undefined;
  const line =
    name === undefined
      ? text.trim()
      : text.split("\n").find(
          (l) =>
            l
              .trim()
              .split(/\s+/)[1]
              ?.replace(/^[*]|^\.\//, "") === name,
        );
  const first = line?.trim().split(/\s+/)[0] ?? "";
  return /^[0-9a-fA-F]{64}$/.test(first) ? first.toLowerCase() : undefined;
};

const why = (e: unknown, timeoutMs: number): string => {
  const err = e as Error & { cause?: { message?: string; code?: string } };
  if (err.name === "TimeoutError" || err.name === "AbortError" || err.cause?.code?.includes("TIMEOUT")) {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  return err.cause?.code ?? err.cause?.message ?? err.message;
};

/** Ends a body tend will not read, so it holds no connection open. */
const discard = async (res: FetchResponse): Promise<void> => {
  await res.body?.[Symbol.asyncIterator]().return?.();
};

/**
 * The body as text (UTF-8, a leading BOM dropped, as Response.text()), or
 * undefined once it is declared or found to be larger than `cap` bytes (the
 * rest is not read: leaving the loop cancels the body).
 */
const textOf = async (res: FetchResponse, cap: number): Promise<string | undefined> => {
  if (Number(res.headers.get("content-length") ?? "") > cap) return undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += chunk.length;
    if (size > cap) return undefined;
    chunks.push(chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
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
        if (!res.ok) {
          await discard(res);
          return [url, { error: `HTTP ${res.status}` }];
        }
        const text = await textOf(res, TEXT_MAX_BYTES);
        return [
          url,
          text === undefined ? { error: `larger than ${TEXT_MAX_BYTES / 1024 / 1024} MiB` } : { text },
        ];
      } catch (e) {
        return [url, { error: why(e, TEXT_TIMEOUT_MS) }];
      }
    }),
  );
  return new Map(results);
};

/** The sidecar of a verified cache file: what it matched, and the file as it was then. */
interface Verified {
  readonly format: "tend-verified/1";
  /** The declared checksum it matched; null for an artifact pinned by none. */
  readonly algo: ArtifactChecksum["algo"] | null;
  readonly hex: string | null;
  readonly sha256: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
}

const sidecarOf = (path: string): string => `${path}.verified`;

const statOf = async (path: string): Promise<Stats | undefined> => {
  try {
    const s = await stat(path);
    return s.isFile() ? s : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Whether `path` may have a sidecar: a stat that returns instead of throwing when
 * there is none. A fleet reads thousands of files without one (each worker's
 * certificates), and a failed async open costs an Error with its stack each.
 */
const hasSidecar = (path: string): boolean => {
  try {
    return statSync(sidecarOf(path), { throwIfNoEntry: false }) !== undefined;
  } catch {
    // Any other error (EACCES…): the read below is tried and decides, as before.
    return true;
  }
};

/** The file's sidecar if it still describes the file as it is now. */
const currentSidecar = async (path: string): Promise<Verified | undefined> => {
  // The sidecar first: most files read from the controller (certificates,
  // kubeconfigs) have none, and then the file itself needs no stat here.
  if (!hasSidecar(path)) return undefined;
  let v: Verified;
  try {
    v = JSON.parse(await readFile(sidecarOf(path), "utf8")) as Verified;
  } catch {
    return undefined;
  }
  const s = await statOf(path);
  if (!s) return undefined;
  const fresh =
    v !== null &&
    typeof v === "object" &&
    v.format === "tend-verified/1" &&
    typeof v.sha256 === "string" &&
    /^[0-9a-f]{64}$/.test(v.sha256) &&
    v.size === s.size &&
    v.mtimeMs === s.mtimeMs &&
    v.ctimeMs === s.ctimeMs &&
    v.ino === s.ino;
  return fresh ? v : undefined;
};

/** Records that `path`, as it is now, has these digests (atomically; a failure only costs a re-hash later). */
const writeSidecar = async (
  path: string,
  checksum: ArtifactChecksum | null,
  sha256: string,
): Promise<void> => {
  const s = await statOf(path);
  if (!s) return;
  const v: Verified = {
    format: "tend-verified/1",
    algo: checksum?.algo ?? null,
    hex: checksum?.hex.toLowerCase() ?? null,
    sha256,
    size: s.size,
    mtimeMs: s.mtimeMs,
    ctimeMs: s.ctimeMs,
    ino: s.ino,
  };
  const temp = `${sidecarOf(path)}.part-${process.pid}`;
  try {
    await writeFile(temp, `${JSON.stringify(v)}\n`, { mode: 0o644 });
    await rename(temp, sidecarOf(path));
  } catch {
    await rm(temp, { force: true });
  }
};

/** Digests of a file in one streamed read: sha256 and, if another, the declared algorithm. */
const digestsOf = async (
  path: string,
  algo: ArtifactChecksum["algo"] | null,
): Promise<{ sha256: string; declared: string } | undefined> => {
  const sha = createHash("sha256");
  const other = algo && algo !== "sha256" ? createHash(algo) : undefined;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      sha.update(chunk as Buffer);
      other?.update(chunk as Buffer);
    }
  } catch {
    return undefined;
  }
  const sha256 = sha.digest("hex");
  return { sha256, declared: other ? other.digest("hex") : sha256 };
};

/**
 * The sha256 of a verified cache file whose sidecar still matches it, or
 * undefined (any other file, or one changed since it was verified).
 */
export const verifiedSha256 = async (path: string): Promise<string | undefined> =>
  (await currentSidecar(path))?.sha256;

/**
 * Whether the cached file matches: by its sidecar when that still describes
 * it and names the same checksum, else by hashing it (and then recording a
 * sidecar). Without a checksum, any existing file matches.
 */
const cachedMatches = async (path: string, checksum: ArtifactChecksum | null): Promise<boolean> => {
  const v = await currentSidecar(path);
  if (v && (checksum === null || (v.algo === checksum.algo && v.hex === checksum.hex.toLowerCase())))
    return true;
  if (v && checksum?.algo === "sha256") return v.sha256 === checksum.hex.toLowerCase();
  if (!(await statOf(path))) return false;
  const d = await digestsOf(path, checksum?.algo ?? null);
  if (!d) return false;
  if (checksum && d.declared !== checksum.hex.toLowerCase()) return false;
  await writeSidecar(path, checksum, d.sha256);
  return true;
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
  if (await cachedMatches(path, checksum)) return { path };
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
    if (!res.ok || !res.body) {
      await discard(res);
      return { error: `${artifact.url}: HTTP ${res.status}` };
    }
    const total = Number(res.headers.get("content-length") ?? "") || undefined;
    const hash = checksum ? createHash(checksum.algo) : undefined;
    const sha = checksum?.algo === "sha256" ? undefined : createHash("sha256");
    let received = 0;
    const body = Readable.from(res.body, { objectMode: false });
    body.on("data", (chunk: Buffer) => {
      received += chunk.length;
      alive();
      hash?.update(chunk);
      sha?.update(chunk);
      progress?.bar(basename(path), received, total);
    });
    await pipeline(body, createWriteStream(temp, { mode: 0o644 }));
    progress?.endBar();
    const got = hash?.digest("hex");
    if (checksum && got !== checksum.hex.toLowerCase()) {
      await rm(temp, { force: true });
      return { error: `${artifact.url}: ${checksum.algo} mismatch: expected ${checksum.hex}, got ${got}` };
    }
    await rename(temp, path);
    await writeSidecar(path, checksum, sha ? sha.digest("hex") : got!);
    return { path };
  } catch (e) {
    progress?.endBar();
    await rm(temp, { force: true });
    return { error: `${artifact.url}: ${why(e, STALL_TIMEOUT_MS)}` };
  } finally {
    clearTimeout(timer);
  }
};
