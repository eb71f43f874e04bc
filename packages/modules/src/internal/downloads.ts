/**
 * Where the artifacts come from: upstream URLs by default, one mirror base
 * (`tend_download_mirror`) or a per-artifact URL variable instead, and the
 * checksum each is verified against. Pure: fetching `.sha256` files and
 * controller-side caching are the CLI's job, driven by what this file lists.
 *
 * Mirror layout (paths below `tend_download_mirror`):
 *   flannel/<flannel_version>/flanneld-amd64
 *   docker/docker-<docker_version>.tgz
 *   cni-plugins/v<k8s_cni_plugin_version>/cni-plugins-amd64-v<k8s_cni_plugin_version>.tgz
 *   kubernetes/v<k8s_release>/bin/linux/amd64/<binary>   (and <binary>.sha256 beside it)
 */
import { createHash } from "node:crypto";
import type { Checksum } from "@tend/core";
import type { WorkerVars } from "./vars/codec.js";

/** Something a module downloads. */
export interface Artifact {
  /** What it is, for messages: "flanneld", "docker archive", "kubelet". */
  readonly name: string;
  readonly url: string;
  /** null: no checksum is known (flannel and docker without `*_checksum`). */
  readonly checksum: Checksum | null;
  /** Stable file name under the controller cache: `<16 hex of sha256(url)>-<basename>`. */
  readonly cacheName: string;
}

/** Upstream Kubernetes release bucket; `k8s_release_url_base` replaces it. */
export const K8S_RELEASE_BASE = "https://storage.googleapis.com/kubernetes-release/release";

const from = (v: WorkerVars, explicit: string | undefined, upstream: string, relative: string): string =>
  explicit ??
  (v.tend_download_mirror ? `${v.tend_download_mirror.replace(/\/+$/, "")}/${relative}` : upstream);

/** URL of the flanneld binary. */
export const flannelUrl = (v: WorkerVars): string =>
  from(
    v,
    v.flannel_download_url,
    `https://github.com/coreos/flannel/releases/download/${v.flannel_version}/flanneld-amd64`,
    `flannel/${v.flannel_version}/flanneld-amd64`,
  );

/** URL of the Docker static binaries archive. */
export const dockerUrl = (v: WorkerVars): string =>
  from(
    v,
    v.docker_download_url,
    `https://download.docker.com/linux/static/stable/x86_64/docker-${v.docker_version}.tgz`,
    `docker/docker-${v.docker_version}.tgz`,
  );

/** URL of the CNI plugins archive. */
export const cniUrl = (v: WorkerVars): string => {
  const ver = v.k8s_cni_plugin_version;
  const file = `cni-plugins-amd64-v${ver}.tgz`;
  return from(
    v,
    v.k8s_cni_plugin_url,
    `https://github.com/containernetworking/plugins/releases/download/v${ver}/${file}`,
    `cni-plugins/v${ver}/${file}`,
  );
};

/** URL of one Kubernetes worker binary. */
export const k8sBinaryUrl = (v: WorkerVars, binary: string): string => {
  const path = `v${v.k8s_release}/bin/linux/amd64/${binary}`;
  const base = v.k8s_release_url_base?.replace(/\/+$/, "");
  return from(v, base ? `${base}/${path}` : undefined, `${K8S_RELEASE_BASE}/${path}`, `kubernetes/${path}`);
};

/** URL of the published sha256 of a Kubernetes binary. */
export const checksumUrl = (binaryUrl: string): string => `${binaryUrl}.sha256`;

/**
 * The checksum files the CLI must fetch before `resourcesForHost` can declare
 * the Kubernetes binaries: one per binary without a `k8s_worker_binary_checksums` entry.
 */
export const requiredChecksumUrls = (v: WorkerVars): string[] =>
  v.k8s_worker_binaries
    .filter((b) => v.k8s_worker_binary_checksums?.[b] === undefined)
    .map((b) => checksumUrl(k8sBinaryUrl(v, b)));

/** The hex digest in a `.sha256` file ("<hex>" or "<hex>  <name>"), or undefined. */
export const parseChecksumFile = (text: string): string | undefined => {
  const first = text.trim().split(/\s+/)[0] ?? "";
  return /^[0-9a-fA-F]{64}$/.test(first) ? first.toLowerCase() : undefined;
};

/**
 * The sha256 of a Kubernetes binary: the variable override first, then the
 * fetched `.sha256` (keyed by the checksum URL, or by the binary URL).
 */
export const k8sBinaryChecksum = (
  v: WorkerVars,
  binary: string,
  checksums: ReadonlyMap<string, string>,
): Checksum | undefined => {
  const url = k8sBinaryUrl(v, binary);
  const hex =
    v.k8s_worker_binary_checksums?.[binary] ?? checksums.get(checksumUrl(url)) ?? checksums.get(url);
  const clean = hex === undefined ? undefined : parseChecksumFile(hex);
  return clean === undefined ? undefined : { algo: "sha256", hex: clean };
};

/** Cache names by url: every host lists the same few artifacts, each looked up several times. */
const cacheNames = new Map<string, string>();
const cacheName = (url: string): string => {
  let name = cacheNames.get(url);
  if (name === undefined) {
    const base = url.split(/[?#]/)[0]?.split("/").pop() || "artifact";
    name = `${createHash("sha256").update(url).digest("hex").slice(0, 16)}-${base}`;
    // Bounded: a long-lived process that sees many urls keeps only the latest few hundred.
    if (cacheNames.size >= 512) cacheNames.clear();
    cacheNames.set(url, name);
  }
  return name;
};

/** An artifact with its controller cache name. */
export const artifact = (name: string, url: string, checksum: Checksum | null): Artifact => ({
  name,
  url,
  checksum,
  cacheName: cacheName(url),
});

/** Which modules' artifacts to list. */
export interface ArtifactOptions {
  /** Fetched `.sha256` files, as passed to `resourcesForHost`. */
  readonly checksums?: ReadonlyMap<string, string>;
  /** Include the worker's (CNI, Kubernetes binaries); default true. */
  readonly worker?: boolean;
}

/**
 * What the CLI fetches into its controller cache when `tend_download_mode` is
 * "controller". Kubernetes binaries have a null checksum until their `.sha256`
 * was fetched and passed in `checksums`.
 */
export const artifactsFor = (v: WorkerVars, options: ArtifactOptions = {}): Artifact[] => {
  const sha256 = (hex: string | undefined): Checksum | null => (hex ? { algo: "sha256", hex } : null);
  const base = [
    artifact("flanneld", flannelUrl(v), sha256(v.flannel_checksum)),
    artifact("docker archive", dockerUrl(v), sha256(v.docker_checksum)),
  ];
  if (options.worker === false) return base;
  return [
    ...base,
    artifact("CNI plugins archive", cniUrl(v), { algo: "sha512", hex: v.k8s_cni_plugin_checksum }),
    ...v.k8s_worker_binaries.map((b) =>
      artifact(b, k8sBinaryUrl(v, b), k8sBinaryChecksum(v, b, options.checksums ?? new Map()) ?? null),
    ),
  ];
};

/** The URLs of artifactsFor(v) (every module's), without their checksums. */
export const artifactUrls = (v: WorkerVars): string[] => [
  flannelUrl(v),
  dockerUrl(v),
  cniUrl(v),
  ...v.k8s_worker_binaries.map((b) => k8sBinaryUrl(v, b)),
];

/** Where the CLI keeps an artifact fetched from `url` on the controller (see Artifact.cacheName). */
export const cachePathOfUrl = (cacheDir: string, url: string): string =>
  `${cacheDir.replace(/\/+$/, "")}/${cacheName(url)}`;

/** Where the CLI keeps a fetched artifact on the controller. */
export const cachePath = (cacheDir: string, a: Artifact): string =>
  `${cacheDir.replace(/\/+$/, "")}/${a.cacheName}`;
