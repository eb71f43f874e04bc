/**
 * What the controller fetches for a plan, shared by all hosts of a run:
 * the checksum files (fetched while the hosts connect) and the controller
 * downloads (each started when the first reached host needs it, one at a
 * time). A host asks for its own urls and artifacts only and sees only
 * those, so what it is planned with never depends on which other hosts
 * happened to be reached.
 */
import { join } from "node:path";
import type { Resource } from "@tend/core";
import { type Either, isLeft } from "fp-ts/lib/Either.js";
import { type Artifact, checksumFileDigest, ensureArtifact, type Fetch } from "./artifacts.js";
import type { Deps } from "./facade.js";
import type { Progress } from "./progress.js";

/** A promise that says whether it has settled, so that a host waits (and gives up its slot) only when it must. */
export class Tracked<T> {
  private settled = false;
  readonly promise: Promise<T>;

  constructor(promise: Promise<T>) {
    this.promise = promise.finally(() => {
      this.settled = true;
    });
    // Whoever awaits it gets a failure; nobody awaiting it is not an unhandled rejection.
    this.promise.catch(() => {});
  }

  /** Whether `promise` has settled. */
  get done(): boolean {
    return this.settled;
  }
}

/**
 * How long after the first connection attempt the work that can wait for
 * the hosts (fetching checksum files) starts at the latest. Loading the SSH
 * transport and reading keys take ~0.05 s; the handshake then waits on the
 * host (its sshd forks, exchanges keys, opens a session) for longer than that.
 */
const HEADSTART_MS = 100;

/**
 * Wraps openTarget so that `started` resolves once the connections are under
 * way: when the first host has connected (or failed to), or HEADSTART_MS after
 * the first attempt began, whichever comes first. Work started then runs while
 * this process waits on the hosts instead of before it connects.
 */
export const connecting = (
  open: Deps["openTarget"],
): {
  readonly started: Promise<void>;
  readonly openTarget: Deps["openTarget"];
  /** Resolves `started` now (idempotent): nothing is left to wait for. */
  readonly start: () => void;
} => {
  let start = (): void => {};
  const started = new Promise<void>((resolve) => {
    start = resolve;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const openTarget: Deps["openTarget"] = (c) => {
    timer ??= setTimeout(start, HEADSTART_MS);
    const opened = open(c);
    void opened.then(start, start);
    return opened;
  };
  void started.then(() => clearTimeout(timer));
  return { started, openTarget, start: () => start() };
};

/** A controller download that failed, for the host whose resources needed it. */
export interface DownloadFailure {
  readonly artifact: Artifact;
  readonly error: string;
}

type Texts = ReadonlyMap<string, { text: string } | { error: string }>;
type Downloaded = { path: string } | { error: string };

/** The checksum files and controller downloads of one run. */
export class ControllerInputs {
  /** The fetched checksum files, by url. */
  readonly texts: Tracked<Texts>;
  /** Each url's digest (undefined: none, noted once), read from its file once per run. */
  private readonly digests = new Map<string, string | undefined>();
  private readonly downloads = new Map<string, Tracked<Downloaded>>();
  /** The last download asked for: the next one starts after it (the bar shows one, the mirror sees one client). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    texts: Promise<Texts>,
    private readonly cacheDir: string,
    private readonly fetch: Fetch,
    private readonly progress: Progress,
  ) {
    this.texts = new Tracked(texts);
  }

  /**
   * The digests in the checksum files at `urls`, once `texts` has settled.
   * A url that gives none is noted once per run, when the first reached host
   * needs it: a url only an unreachable host needs is never reported.
   */
  async checksumsOf(urls: readonly string[]): Promise<Map<string, string>> {
    const texts = await this.texts.promise;
    const out = new Map<string, string>();
    for (const url of urls) {
      // Read once per run: a fleet's hosts ask for the same few files.
      if (!this.digests.has(url)) {
        const r = texts.get(url);
        const digest = r && "text" in r ? checksumFileDigest(r.text, url) : undefined;
        this.digests.set(url, digest);
        if (digest === undefined)
          this.progress.note(`cannot use ${url}: ${r && "error" in r ? r.error : "no sha256 digest in it"}`);
      }
      const digest = this.digests.get(url);
      if (digest !== undefined) out.set(url, digest);
    }
    return out;
  }

  /**
   * The download of `a` into the cache, asked for once per run: each host
   * needing the same artifact (url, checksum and cache name) shares it.
   * Keyed by all three, so a host's result never depends on which other
   * host asked first.
   */
  download(a: Artifact): Tracked<Downloaded> {
    const key = JSON.stringify([a.url, a.checksum?.algo, a.checksum?.hex, a.cacheName]);
    let d = this.downloads.get(key);
    if (!d) {
      const next = this.queue.then(() => ensureArtifact(a, this.cacheDir, this.fetch, this.progress));
      this.queue = next.catch(() => {});
      d = new Tracked(next);
      this.downloads.set(key, d);
    }
    return d;
  }
}

/**
 * One line per failed controller download, naming the host and the resources
 * that would have been made from it (those whose `source` is its cache path),
 * so the user sees which resource a bad checksum or a missing file stops.
 */
export const describeDownloadFailures = (
  host: string,
  failures: readonly DownloadFailure[],
  declared: Either<readonly string[], readonly Resource[]>,
  cacheDir: string,
): string[] =>
  failures.map(({ artifact, error }) => {
    const path = join(cacheDir, artifact.cacheName);
    const ids = isLeft(declared)
      ? []
      : declared.right
          .filter((r) => (r.props as { source?: unknown } | undefined)?.source === path)
          .map((r) => `${r.kind}[${r.name}]`);
    return `${host}: ${ids.length > 0 ? `${ids.join(", ")}: ` : ""}cannot download ${error}`;
  });
