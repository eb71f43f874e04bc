/**
 * httpGet against a real HTTP server on loopback: it answers as fetch would
 * (status, headers, a streamed body, redirects followed, network errors as
 * "fetch failed" with a cause), and keeps its own promises: at most
 * MAX_REDIRECTS hops, never off http(s), an abort ends the body too, and a
 * checksum file larger than its cap is refused without being read whole.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchTexts, TEXT_MAX_BYTES } from "./artifacts.js";
import { httpGet, MAX_REDIRECTS, redirectTarget } from "./http-get.js";

let server: Server;
let base: string;
/** A promise with its resolve (Node 20 has no Promise.withResolvers). */
function closedSignal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Bytes the server managed to send for /huge before the client went away. */
let hugeSent = 0;
/** Settles once the server sees /missing-slow's connection closed by the client. */
let missingClosed = closedSignal();

const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  "/ok": (_q, res) => res.end("hello\n"),
  "/bom": (_q, res) => res.end(Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0x62, 0x0a])),
  "/missing": (_q, res) => {
    res.statusCode = 404;
    res.end("no");
  },
  "/stall": (_q, res) => {
    res.writeHead(200, { "content-length": "100" });
    res.write("partial");
  },
  "/huge": (_q, res) => {
    // Chunked (no content-length): the client learns the size only by reading.
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const more = (): void => {
      while (hugeSent < TEXT_MAX_BYTES * 4) {
        hugeSent += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", more);
      }
      res.end();
    };
    res.on("close", () => res.destroy());
    more();
  },
  "/missing-slow": (_q, res) => {
    // A 404 whose body never ends: a client that does not read it must still let the connection go.
    res.writeHead(404, { "content-type": "text/plain" });
    res.write("not here\n");
    res.on("close", () => missingClosed.resolve());
  },
  "/declared-huge": (_q, res) => {
    res.writeHead(200, { "content-length": String(TEXT_MAX_BYTES + 1) });
    res.write("a");
  },
};

const redirect = (res: ServerResponse, status: number, location: string): void => {
  res.writeHead(status, { location });
  res.end("moved");
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const hops = Number(url.searchParams.get("hops") ?? "-1");
    if (url.pathname === "/chain" && hops > 0) return redirect(res, 302, `/chain?hops=${hops - 1}`);
    if (url.pathname === "/chain") return res.end(`arrived\n`);
    const m = /^\/status\/(\d+)$/.exec(url.pathname);
    if (m) return redirect(res, Number(m[1]), "/ok");
    if (url.pathname === "/to") return redirect(res, 302, url.searchParams.get("u") ?? "");
    const route = routes[url.pathname];
    if (route) return route(req, res);
    res.statusCode = 500;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const text = async (url: string): Promise<string> => {
  const res = await httpGet(url);
  let s = "";
  for await (const c of res.body ?? []) s += Buffer.from(c).toString();
  return s;
};

describe("httpGet answers as fetch does", () => {
  it("a 200 with its body and headers", async () => {
    const res = await httpGet(`${base}/ok`);
    expect([res.ok, res.status, res.headers.get("Content-Length")]).toEqual([true, 200, "6"]);
    expect(await text(`${base}/ok`)).toBe("hello\n");
  });

  it("a 404 is a response, not an error", async () => {
    const res = await httpGet(`${base}/missing`);
    expect([res.ok, res.status]).toEqual([false, 404]);
  });

  it.each([301, 302, 303, 307, 308])("a %i redirect is followed", async (status) => {
    expect(await text(`${base}/status/${status}`)).toBe("hello\n");
  });

  it("follows exactly MAX_REDIRECTS hops, and refuses one more", async () => {
    expect(await text(`${base}/chain?hops=${MAX_REDIRECTS}`)).toBe("arrived\n");
    await expect(httpGet(`${base}/chain?hops=${MAX_REDIRECTS + 1}`)).rejects.toMatchObject({
      message: "fetch failed",
      cause: { message: `more than ${MAX_REDIRECTS} redirects` },
    });
  });

  it.each(["file:///etc/shadow", "ftp://127.0.0.1/x", "data:text/plain,hi", "javascript:alert(1)"])(
    "a redirect to %s is refused",
    async (u) => {
      await expect(httpGet(`${base}/to?u=${encodeURIComponent(u)}`)).rejects.toMatchObject({
        cause: { message: expect.stringMatching(/^redirected to a [a-z]+: URL$/) },
      });
    },
  );

  it("a URL that is not http(s) is refused before any connection", async () => {
    await expect(httpGet("file:///etc/passwd")).rejects.toMatchObject({
      cause: { message: "not an http(s) URL: file:" },
    });
  });

  it("a refused connection fails as fetch does: 'fetch failed', cause.code", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(httpGet(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({
      message: "fetch failed",
      cause: { code: "ECONNREFUSED" },
    });
  });

  it("an abort after the headers also ends the body", async () => {
    const abort = new AbortController();
    const res = await httpGet(`${base}/stall`, { signal: abort.signal });
    const reading = (async () => {
      for await (const _ of res.body ?? []) abort.abort();
    })();
    await expect(reading).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("checksum files are bounded", () => {
  it("a body larger than the cap is refused, and not read to its end", async () => {
    hugeSent = 0;
    const got = await fetchTexts([`${base}/huge`], httpGet);
    expect(got.get(`${base}/huge`)).toEqual({ error: "larger than 4 MiB" });
    // The server wanted to send 16 MiB; the client stopped shortly after 4 MiB (socket buffers aside).
    expect(hugeSent).toBeLessThan(TEXT_MAX_BYTES * 4);
  });

  it("a refused status's unread body is ended: its connection is let go, not held open", async () => {
    missingClosed = closedSignal();
    const got = await fetchTexts([`${base}/missing-slow`], httpGet);
    expect(got.get(`${base}/missing-slow`)).toEqual({ error: "HTTP 404" });
    await missingClosed.promise;
  });

  it("a declared content-length above the cap is refused unread", async () => {
    const got = await fetchTexts([`${base}/declared-huge`], httpGet);
    expect(got.get(`${base}/declared-huge`)).toEqual({ error: "larger than 4 MiB" });
  });

  it("text drops a leading BOM, as Response.text() does", async () => {
    expect((await fetchTexts([`${base}/bom`], httpGet)).get(`${base}/bom`)).toEqual({ text: "ab\n" });
  });
});

describe("redirectTarget", () => {
  it("never leads off http(s), nor from https down to http", () => {
    const scheme = fc.constantFrom("http:", "https:", "ftp:", "file:", "data:", "javascript:", "HTTP:", "");
    fc.assert(
      fc.property(fc.constantFrom("http:", "https:"), scheme, fc.string(), (from, to, rest) => {
        const current = new URL(`${from}//example.test/a/b`);
        const next = redirectTarget(current, `${to}${rest}`);
        if (typeof next === "string") return;
        expect(["http:", "https:"]).toContain(next.protocol);
        if (from === "https:") expect(next.protocol).toBe("https:");
      }),
    );
  });

  it("resolves a relative Location against the URL that sent it", () => {
    expect(String(redirectTarget(new URL("https://a.test/x/y"), "../z?q=1"))).toBe("https://a.test/z?q=1");
    expect(redirectTarget(new URL("https://a.test/"), "http://a.test/")).toBe(
      "refused a redirect from https to http (a.test)",
    );
  });
});
