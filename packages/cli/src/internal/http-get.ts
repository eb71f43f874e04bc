/**
 * The controller's HTTP client: a GET over node:http or node:https that
 * follows redirects, answering with the part of fetch's Response that tend
 * reads ({@link FetchResponse}).
 *
 * Why not the global fetch: loading undici (Node's fetch) and making its
 * first request cost about 0.1 s of CPU per run, a quarter of a no-op plan
 * over SSH, for the few small checksum files a run fetches (measured: mean
 * CPU 0.41 s with fetch, 0.29 s without, 12 interleaved runs).
 *
 * What it does as fetch does: follows 301, 302, 303, 307 and 308 (a GET
 * stays a GET) up to {@link MAX_REDIRECTS} hops, resolving a relative
 * Location against the URL that sent it; honours an AbortSignal through the
 * whole exchange, body included; fails a network error as
 * `Error("fetch failed", { cause })`, so callers read `cause.code` alike.
 * What it does not: content codings (it asks for none, so servers send the
 * bytes as they are), cookies, proxies (Node's fetch honours no proxy
 * variable either). Stricter than fetch: a redirect from https to http, or to
 * any other scheme, is refused, so a download that started encrypted stays so.
 */
import type { IncomingMessage } from "node:http";

/** The part of a fetch Response that tend reads; a global fetch's Response is one. */
export interface FetchResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  /** The body as it arrives (a web ReadableStream from fetch, a node stream from httpGet). */
  readonly body: AsyncIterable<Uint8Array> | null;
}

/** Redirects followed before giving up (fetch follows 20; real release hosts use 1–3). */
export const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** What Node's fetch rejects with, so `why` in artifacts.ts reads both alike. */
const fetchFailed = (cause: unknown): Error => new Error("fetch failed", { cause });

/** A failure of the exchange itself (not a network error): its message is the reason. */
const refused = (message: string): Error => fetchFailed({ message });

/**
 * The body of `res`; once `signal` aborted, its error is the abort's reason,
 * as a fetch body's is. Leaving it early, or ending it unread (`return()`
 * before any `next()`), destroys the response: an unread body would
 * otherwise hold its socket, and the process, open.
 */
const bodyOf = (res: IncomingMessage, signal: AbortSignal | undefined): AsyncIterable<Uint8Array> => ({
  [Symbol.asyncIterator]: (): AsyncIterator<Uint8Array> => {
    const chunks = res[Symbol.asyncIterator]();
    return {
      next: () =>
        chunks.next().catch((e: unknown) => {
          throw signal?.aborted ? (signal.reason ?? new DOMException("aborted", "AbortError")) : e;
        }),
      return: async () => {
        res.destroy();
        return { done: true, value: undefined };
      },
    };
  },
});

const responseOf = (res: IncomingMessage, signal: AbortSignal | undefined): FetchResponse => {
  const status = res.statusCode ?? 0;
  return {
    ok: status >= 200 && status < 300,
    status,
    headers: {
      get: (name) => {
        const v = res.headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
      },
    },
    body: bodyOf(res, signal),
  };
};

/** One GET, not following redirects. */
const getOnce = async (url: URL, signal: AbortSignal | undefined): Promise<IncomingMessage> => {
  // Loaded on first use: `tend --help` and plans that fetch nothing never load them.
  const { get } = url.protocol === "https:" ? await import("node:https") : await import("node:http");
  return new Promise((resolve, reject) => {
    try {
      const req = get(url, { signal, headers: { "user-agent": "tend" } }, resolve);
      req.on("error", (e) => reject(e.name === "AbortError" ? e : fetchFailed(e)));
    } catch (e) {
      reject(fetchFailed(e));
    }
  });
};

/**
 * Where a redirect from `current` to `location` leads, or why it is refused:
 * a Location that is no URL, not http(s), or down from https to http.
 */
export const redirectTarget = (current: URL, location: string): URL | string => {
  let next: URL;
  try {
    next = new URL(location, current);
  } catch {
    return "redirected to a malformed URL";
  }
  if (next.protocol !== "http:" && next.protocol !== "https:") return `redirected to a ${next.protocol} URL`;
  if (current.protocol === "https:" && next.protocol === "http:")
    return `refused a redirect from https to http (${next.host})`;
  return next;
};

/**
 * GETs `url`, following redirects; resolves once the final response's
 * headers are in (its body streams after), rejects on a network error, an
 * abort, too many redirects, or a redirect off http(s) or down to http.
 */
export const httpGet = async (
  url: string,
  init?: { readonly signal?: AbortSignal },
): Promise<FetchResponse> => {
  let current: URL;
  try {
    current = new URL(url);
  } catch (e) {
    throw fetchFailed(e);
  }
  if (current.protocol !== "http:" && current.protocol !== "https:")
    throw refused(`not an http(s) URL: ${current.protocol}`);
  for (let hop = 0; ; hop++) {
    const res = await getOnce(current, init?.signal);
    const location = res.headers.location;
    if (!REDIRECTS.has(res.statusCode ?? 0) || location === undefined) return responseOf(res, init?.signal);
    res.resume(); // the redirect's own body is not read
    if (hop === MAX_REDIRECTS) throw refused(`more than ${MAX_REDIRECTS} redirects`);
    const next = redirectTarget(current, location);
    if (typeof next === "string") throw refused(next);
    current = next;
  }
};
