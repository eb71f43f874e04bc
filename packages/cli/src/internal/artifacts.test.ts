import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../test-support.js";
import { checksumFileDigest, ensureArtifact, type Fetch, fetchTexts, verifiedSha256 } from "./artifacts.js";
import { readSource } from "./planning.js";

/** A fetch over a url → body table that counts requests; unknown urls answer 404. */
const fakeFetch = (bodies: Record<string, string>) => {
  const calls: string[] = [];
  const fetchFn: Fetch = async (url) => {
    calls.push(url);
    const body = bodies[url];
    return body === undefined ? new Response("nope", { status: 404 }) : new Response(body);
  };
  return { fetchFn, calls };
};

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const URL_A = "http://mirror.test/kubernetes/v1.17.4/bin/linux/amd64/kubelet";

describe("controller downloads land in the cache only with a matching checksum", () => {
  it("downloads, verifies, and reuses the verified copy without fetching again", async () => {
    const cache = tempDir("cache-");
    const { fetchFn, calls } = fakeFetch({ [URL_A]: "kubelet bytes" });
    const artifact = {
      url: URL_A,
      checksum: { algo: "sha256" as const, hex: sha256("kubelet bytes") },
      cacheName: "k-kubelet",
    };
    const first = await ensureArtifact(artifact, cache, fetchFn);
    expect(first).toEqual({ path: join(cache, "k-kubelet") });
    expect(readFileSync(join(cache, "k-kubelet"), "utf8")).toBe("kubelet bytes");
    expect(await ensureArtifact(artifact, cache, fetchFn)).toEqual(first);
    expect(calls).toHaveLength(1);
  });

  it("a download whose checksum differs is discarded and reported", async () => {
    const cache = tempDir("cache-");
    const { fetchFn } = fakeFetch({ [URL_A]: "tampered" });
    const r = await ensureArtifact(
      { url: URL_A, checksum: { algo: "sha256", hex: sha256("good") }, cacheName: "k" },
      cache,
      fetchFn,
    );
    expect("error" in r && r.error).toContain("sha256 mismatch");
    expect(readdirSync(cache)).toEqual([]);
  });

  it("a cached copy that no longer matches is fetched again", async () => {
    const cache = tempDir("cache-");
    writeFileSync(join(cache, "k"), "stale");
    const { fetchFn, calls } = fakeFetch({ [URL_A]: "fresh" });
    const r = await ensureArtifact(
      { url: URL_A, checksum: { algo: "sha256", hex: sha256("fresh") }, cacheName: "k" },
      cache,
      fetchFn,
    );
    expect(r).toEqual({ path: join(cache, "k") });
    expect(calls).toHaveLength(1);
    expect(readFileSync(join(cache, "k"), "utf8")).toBe("fresh");
  });

  it("sha512 checksums are verified too (the CNI archive)", async () => {
    const cache = tempDir("cache-");
    const { fetchFn } = fakeFetch({ [URL_A]: "cni" });
    const hex = createHash("sha512").update("cni").digest("hex");
    expect(
      await ensureArtifact({ url: URL_A, checksum: { algo: "sha512", hex }, cacheName: "c" }, cache, fetchFn),
    ).toEqual({
      path: join(cache, "c"),
    });
  });

  it("without a checksum a cached copy is reused, and an HTTP error names the url", async () => {
    const cache = tempDir("cache-");
    writeFileSync(join(cache, "f"), "cached");
    const { fetchFn, calls } = fakeFetch({});
    expect(await ensureArtifact({ url: URL_A, checksum: null, cacheName: "f" }, cache, fetchFn)).toEqual({
      path: join(cache, "f"),
    });
    expect(calls).toEqual([]);
    const missing = await ensureArtifact(
      { url: `${URL_A}x`, checksum: null, cacheName: "g" },
      cache,
      fetchFn,
    );
    expect(missing).toEqual({ error: `${URL_A}x: HTTP 404` });
    expect(existsSync(join(cache, "g"))).toBe(false);
  });
});

describe("a verified cache file is not hashed again while its sidecar still describes it", () => {
  const BODY = "kubelet bytes";
  const artifact = {
    url: URL_A,
    checksum: { algo: "sha256" as const, hex: sha256(BODY) },
    cacheName: "k-kubelet",
  };
  const OLD = new Date("2001-01-01T00:00:00Z");

  /** A cache holding the verified artifact, its sidecar's mtime set far back so a rewrite shows. */
  const warmCache = async () => {
    const cache = tempDir("cache-");
    const fake = fakeFetch({ [URL_A]: BODY });
    expect(await ensureArtifact(artifact, cache, fake.fetchFn)).toEqual({ path: join(cache, "k-kubelet") });
    const file = join(cache, "k-kubelet");
    const sidecar = `${file}.verified`;
    expect(JSON.parse(readFileSync(sidecar, "utf8"))).toMatchObject({
      algo: "sha256",
      hex: sha256(BODY),
      sha256: sha256(BODY),
      size: BODY.length,
    });
    utimesSync(sidecar, OLD, OLD);
    return { cache, file, sidecar, fake };
  };

  it("an untouched file is trusted: no fetch, no re-verification (the sidecar is not rewritten)", async () => {
    const { cache, file, sidecar, fake } = await warmCache();
    const before = readFileSync(sidecar, "utf8");
    expect(await ensureArtifact(artifact, cache, fake.fetchFn)).toEqual({ path: file });
    expect(fake.calls).toHaveLength(1);
    expect(statSync(sidecar).mtime).toEqual(OLD);
    expect(readFileSync(sidecar, "utf8")).toBe(before);
    expect(await verifiedSha256(file)).toBe(sha256(BODY));
  });

  it("a file altered in place (same size, new mtime) is verified again and replaced", async () => {
    const { cache, file, sidecar, fake } = await warmCache();
    writeFileSync(file, "KUBELET BYTES");
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(await verifiedSha256(file)).toBeUndefined();
    expect(await ensureArtifact(artifact, cache, fake.fetchFn)).toEqual({ path: file });
    expect(fake.calls).toHaveLength(2);
    expect(readFileSync(file, "utf8")).toBe(BODY);
    expect(statSync(sidecar).mtime).not.toEqual(OLD);
    expect(await verifiedSha256(file)).toBe(sha256(BODY));
  });

  it("a file only touched is verified again, kept, and gets a new sidecar", async () => {
    const { cache, file, sidecar, fake } = await warmCache();
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(await ensureArtifact(artifact, cache, fake.fetchFn)).toEqual({ path: file });
    expect(fake.calls).toHaveLength(1);
    expect(statSync(sidecar).mtime).not.toEqual(OLD);
    expect(await verifiedSha256(file)).toBe(sha256(BODY));
  });

  it("a sidecar of another checksum does not vouch for the file", async () => {
    const { cache, file, fake } = await warmCache();
    const other = { ...artifact, checksum: { algo: "sha256" as const, hex: sha256("other") } };
    const fetch2 = fakeFetch({ [URL_A]: "other" });
    expect(await ensureArtifact(other, cache, fetch2.fetchFn)).toEqual({ path: file });
    expect(fetch2.calls).toHaveLength(1);
    expect(readFileSync(file, "utf8")).toBe("other");
    expect(await verifiedSha256(file)).toBe(sha256("other"));
    expect(fake.calls).toHaveLength(1);
  });

  it("sha512-pinned artifacts record their sha256 too; unpinned cached ones get a sidecar on first use", async () => {
    const cache = tempDir("cache-");
    const { fetchFn } = fakeFetch({ [URL_A]: "cni" });
    const hex = createHash("sha512").update("cni").digest("hex");
    await ensureArtifact({ url: URL_A, checksum: { algo: "sha512", hex }, cacheName: "c" }, cache, fetchFn);
    expect(await verifiedSha256(join(cache, "c"))).toBe(sha256("cni"));
    writeFileSync(join(cache, "f"), "flanneld");
    expect(await verifiedSha256(join(cache, "f"))).toBeUndefined();
    await ensureArtifact({ url: URL_A, checksum: null, cacheName: "f" }, cache, fetchFn);
    expect(await verifiedSha256(join(cache, "f"))).toBe(sha256("flanneld"));
  });

  it("readSource answers a verified cache file with its digest and reads it only when asked", async () => {
    const { file } = await warmCache();
    const r = await readSource(file);
    if (r instanceof Uint8Array) throw new Error("expected the digest form");
    expect(r.sha256).toBe(sha256(BODY));
    expect(Buffer.from(await r.bytes!()).toString()).toBe(BODY);
    // Changed since verified: read in full, so the engine hashes what is there now.
    writeFileSync(file, "KUBELET BYTES");
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const again = await readSource(file);
    expect(again instanceof Uint8Array && Buffer.from(again).toString()).toBe("KUBELET BYTES");
  });
});

describe("checksum files", () => {
  it("are fetched once per url, failures kept per url", async () => {
    const { fetchFn, calls } = fakeFetch({ "http://m/a.sha256": "abc" });
    const r = await fetchTexts(["http://m/a.sha256", "http://m/a.sha256", "http://m/b.sha256"], fetchFn);
    expect(calls.sort()).toEqual(["http://m/a.sha256", "http://m/b.sha256"]);
    expect(r.get("http://m/a.sha256")).toEqual({ text: "abc" });
    expect(r.get("http://m/b.sha256")).toEqual({ error: "HTTP 404" });
  });

  it("a network failure is reported as its cause, not thrown", async () => {
    const r = await fetchTexts(["http://m/x"], async () => {
      throw new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } });
    });
    expect(r.get("http://m/x")).toEqual({ error: "ECONNREFUSED" });
  });

  it.each<[string, string | undefined]>([
    [`${"a".repeat(64)}\n`, "a".repeat(64)],
    [`${"B".repeat(64)}  kubelet\n`, "b".repeat(64)],
    ["<html>not found</html>", undefined],
    ["abc", undefined],
  ])("digest of %j", (text, digest) => {
    expect(checksumFileDigest(text)).toBe(digest);
  });
});

describe("a checksum file listing several assets (runc.sha256sum)", () => {
  const file = [
    `${"1".repeat(64)}  libseccomp-2.5.6.tar.gz`,
    `${"2".repeat(64)}  runc.amd64`,
    `${"3".repeat(64)} *runc.arm64`,
    `${"4".repeat(64)}  runc.amd64.evil`,
  ].join("\n");

  it("a url ending in #<asset> takes the digest of exactly that asset's line", () => {
    expect(checksumFileDigest(file, "https://x/runc.sha256sum#runc.amd64")).toBe("2".repeat(64));
    expect(checksumFileDigest(file, "https://x/runc.sha256sum#runc.arm64")).toBe("3".repeat(64));
  });

  it("an asset the file does not list has no digest (never the first line's)", () => {
    expect(checksumFileDigest(file, "https://x/runc.sha256sum#runc.s390x")).toBeUndefined();
  });
});
