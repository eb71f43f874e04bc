/**
 * Where the current roles' artifacts come from and what each is verified
 * against. The containerd, runc and CNI URLs are the roles' own variables
 * (`containerd_url`, `runc_url`, `cni_url`); the Kubernetes binaries come
 * from dl.k8s.io, or from `tend_download_mirror` with the seed's layout
 * (`kubernetes/v<release>/bin/linux/amd64/<binary>`). Checksums come from
 * the checksum files upstream publishes beside each artifact, fetched by the
 * CLI (see `currentChecksumUrls`). Pure.
 */
import type { Checksum } from "@tend/core";
import { type Artifact, artifact, checksumUrl, parseChecksumFile } from "./downloads.js";
import type { CurrentVars } from "./vars/current-codec.js";

/** Upstream Kubernetes download host of the current role. */
export const DL_K8S = "https://dl.k8s.io";

/** URL of one Kubernetes worker binary of `k8s_worker_release`. */
export const currentK8sUrl = (v: CurrentVars, binary: string): string => {
  const path = `v${v.k8s_worker_release}/bin/linux/amd64/${binary}`;
  return v.tend_download_mirror
    ? `${v.tend_download_mirror.replace(/\/+$/, "")}/kubernetes/${path}`
    : `${DL_K8S}/${path}`;
};

/** The containerd archive's checksum file (`<archive>.sha256sum`). */
export const containerdChecksumUrl = (v: CurrentVars): string => `${v.containerd_url}.sha256sum`;

/** The CNI archive's checksum file (`<archive>.sha256`). */
export const cniChecksumUrl = (v: CurrentVars): string => `${v.cni_url}.sha256`;

/**
 * runc's checksum file with `#<asset>` naming its line (runc.sha256sum lists
 * every release asset), or undefined when `runc_checksum` is a digest.
 */
export const runcChecksumUrl = (v: CurrentVars): string | undefined =>
  "url" in v.runc_checksum ? `${v.runc_checksum.url}#${v.runc_archive}` : undefined;

/** Every checksum file the CLI fetches before the current modules can declare a host. */
export const currentChecksumUrls = (v: CurrentVars): string[] => [
  containerdChecksumUrl(v),
  ...(runcChecksumUrl(v) === undefined ? [] : [runcChecksumUrl(v) as string]),
  cniChecksumUrl(v),
  ...v.k8s_worker_binaries
    .filter((b) => v.k8s_worker_binary_checksums?.[b] === undefined)
    .map((b) => checksumUrl(currentK8sUrl(v, b))),
];

const sha256Of = (checksums: ReadonlyMap<string, string>, url: string): Checksum | undefined => {
  const hex = checksums.get(url);
  const clean = hex === undefined ? undefined : parseChecksumFile(hex);
  return clean === undefined ? undefined : { algo: "sha256", hex: clean };
};

/** What one current artifact is and where its checksum is (or was not) found. */
export interface CurrentArtifact {
  readonly name: string;
  readonly url: string;
  /** The checksum file (or "runc_checksum") it is verified against, for messages. */
  readonly checksumFrom: string;
  readonly checksum: Checksum | undefined;
}

/** The current generation's artifacts, by role. */
export interface CurrentArtifactSet {
  readonly containerd: CurrentArtifact;
  readonly runc: CurrentArtifact;
  readonly cni: CurrentArtifact;
  /** One per `k8s_worker_binaries` entry, in that order. */
  readonly kubernetes: readonly CurrentArtifact[];
}

/** Each artifact with the checksum found for it in `checksums` (or pinned by a variable). */
export const currentArtifactSet = (
  v: CurrentVars,
  checksums: ReadonlyMap<string, string>,
): CurrentArtifactSet => {
  const rc = v.runc_checksum;
  const runcFile = runcChecksumUrl(v) ?? "";
  return {
    containerd: {
      name: "containerd archive",
      url: v.containerd_url,
      checksumFrom: containerdChecksumUrl(v),
      checksum: sha256Of(checksums, containerdChecksumUrl(v)),
    },
    runc:
      "hex" in rc
        ? { name: "runc", url: v.runc_url, checksumFrom: "runc_checksum", checksum: rc }
        : { name: "runc", url: v.runc_url, checksumFrom: runcFile, checksum: sha256Of(checksums, runcFile) },
    cni: {
      name: "CNI plugins archive",
      url: v.cni_url,
      checksumFrom: cniChecksumUrl(v),
      checksum: sha256Of(checksums, cniChecksumUrl(v)),
    },
    kubernetes: v.k8s_worker_binaries.map((b): CurrentArtifact => {
      const url = currentK8sUrl(v, b);
      const pinned = v.k8s_worker_binary_checksums?.[b];
      return {
        name: b,
        url,
        checksumFrom: pinned ? "k8s_worker_binary_checksums" : checksumUrl(url),
        checksum: pinned ? { algo: "sha256", hex: pinned } : sha256Of(checksums, checksumUrl(url)),
      };
    }),
  };
};

/** containerd, runc, the CNI archive and the Kubernetes binaries, in that order. */
export const currentArtifacts = (
  v: CurrentVars,
  checksums: ReadonlyMap<string, string>,
): CurrentArtifact[] => {
  const set = currentArtifactSet(v, checksums);
  return [set.containerd, set.runc, set.cni, ...set.kubernetes];
};

/** The controller-download view of the current artifacts (what the CLI caches). */
export const currentControllerArtifacts = (
  v: CurrentVars,
  checksums: ReadonlyMap<string, string>,
): Artifact[] => currentArtifacts(v, checksums).map((a) => artifact(a.name, a.url, a.checksum ?? null));
