/** Download URLs, checksum files and the controller cache names. */
import { describe, expect, it } from "vitest";
import {
  artifactsFor,
  artifactUrls,
  cachePath,
  cachePathOfUrl,
  k8sBinaryChecksum,
  parseChecksumFile,
  requiredChecksumUrls,
} from "./downloads.js";
import { varsFor } from "./testing/seed-cluster.js";

describe("downloads", () => {
  const vars = varsFor("worker1");

  it("the default URLs are the upstream ones", () => {
    expect(artifactsFor(vars).map((a) => a.url)).toEqual([
      "https://github.com/coreos/flannel/releases/download/v0.10.0/flanneld-amd64",
      "https://download.docker.com/linux/static/stable/x86_64/docker-18.09.6.tgz",
      "https://github.com/containernetworking/plugins/releases/download/v0.7.5/cni-plugins-amd64-v0.7.5.tgz",
      "https://storage.googleapis.com/kubernetes-release/release/v1.17.4/bin/linux/amd64/kube-proxy",
      "https://storage.googleapis.com/kubernetes-release/release/v1.17.4/bin/linux/amd64/kubelet",
      "https://storage.googleapis.com/kubernetes-release/release/v1.17.4/bin/linux/amd64/kubectl",
    ]);
  });

  it("k8s_release_url_base replaces the release bucket, keeping the version path", () => {
    const v = varsFor("w", [{ origin: "g.yml", vars: { k8s_release_url_base: "http://127.0.0.1:1/k8s/" } }]);
    expect(requiredChecksumUrls(v)[0]).toBe(
      "http://127.0.0.1:1/k8s/v1.17.4/bin/linux/amd64/kube-proxy.sha256",
    );
  });

  it("without the worker, only flanneld and docker are listed", () => {
    expect(artifactsFor(vars, { worker: false }).map((a) => a.name)).toEqual(["flanneld", "docker archive"]);
  });

  it("cache names are flat, keep the file name and differ per URL", () => {
    const names = artifactsFor(vars).map((a) => a.cacheName);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[0-9a-f]{16}-[^/]+$/);
    const other = varsFor("w", [{ origin: "g.yml", vars: { tend_download_mirror: "http://127.0.0.1:1/m" } }]);
    expect(artifactsFor(other)[0]?.cacheName).not.toBe(names[0]);
    expect(artifactsFor(other)[0]?.cacheName.endsWith("-flanneld-amd64")).toBe(true);
  });

  it("artifactUrls and cachePathOfUrl agree with artifactsFor (the modules' cache paths come from them)", () => {
    for (const layer of [
      {},
      { tend_download_mirror: "http://127.0.0.1:1/m/" },
      {
        flannel_download_url: "http://x/f?a#b",
        k8s_release_url_base: "http://y/",
        k8s_worker_binaries: ["kubelet"],
      },
    ]) {
      const v = varsFor("w", [{ origin: "g.yml", vars: layer }]);
      expect(artifactUrls(v)).toEqual(artifactsFor(v).map((a) => a.url));
      for (const a of artifactsFor(v))
        expect(cachePathOfUrl("/c/tend//", a.url)).toBe(cachePath("/c/tend//", a));
    }
  });

  it("parses .sha256 files with or without a file name, and rejects anything else", () => {
    const hex = "A1".repeat(32);
    expect(parseChecksumFile(`${hex}\n`)).toBe(hex.toLowerCase());
    expect(parseChecksumFile(`${hex}  kubelet\n`)).toBe(hex.toLowerCase());
    expect(parseChecksumFile("<html>not found</html>")).toBeUndefined();
  });

  it("a fetched checksum is found under the checksum URL or the binary URL", () => {
    const url = "https://storage.googleapis.com/kubernetes-release/release/v1.17.4/bin/linux/amd64/kubelet";
    const hex = "0f".repeat(32);
    expect(k8sBinaryChecksum(vars, "kubelet", new Map([[`${url}.sha256`, hex]]))).toEqual({
      algo: "sha256",
      hex,
    });
    expect(k8sBinaryChecksum(vars, "kubelet", new Map([[url, hex]]))).toEqual({ algo: "sha256", hex });
    expect(k8sBinaryChecksum(vars, "kubelet", new Map())).toBeUndefined();
  });
});
