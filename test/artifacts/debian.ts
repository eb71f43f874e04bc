/**
 * Real containerd, runc and CNI plugins for the current-stack e2e: Debian's
 * `containerd`, `runc` and `containernetworking-plugins` packages on this
 * machine (scripts/ensure-system.sh installs them) repackaged the way the
 * upstream releases ship them, so the modules download, verify and unpack
 * real files:
 *   containerd/containerd/releases/download/v<V>/containerd-<V>-linux-amd64.tar.gz
 *     (bin/ctr, bin/containerd, bin/containerd-stress, bin/containerd-shim-runc-v2)
 *     and `<archive>.sha256sum` ("<hex>  <archive>")
 *   opencontainers/runc/releases/download/v<V>/runc.amd64 and runc.sha256sum
 *     (one "<hex>  <asset>" line per release asset)
 *   containernetworking/plugins/releases/download/v<V>/cni-plugins-linux-amd64-v<V>.tgz
 *     (./<plugin>, LICENSE, README.md) and `<archive>.sha256`
 * Debian ships no containerd-stress: a shell script takes its place in the archive.
 * The binaries need only libc and libseccomp (runc), which the test image has.
 * kubelet, kube-proxy and kubectl are stand-ins at the mirror layout
 * `kubernetes/v<release>/bin/linux/amd64/<binary>` with `.sha256` beside.
 */
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Artifact, sha256, standinBinary } from "./artifacts.js";

/** The upstream version of an installed Debian package ("1.6.20~ds1-1+deb12u3" → "1.6.20"). */
export const debianUpstreamVersion = (pkg: string): string => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
  const v = execFileSync("dpkg-query", ["-W", "-f", "${Version}", pkg], { encoding: "utf8" });
  const m = /^(?:\d+:)?(\d+\.\d+\.\d+)/.exec(v);
  if (!m?.[1])
    throw new Error(`${pkg}: cannot read an upstream version from ${JSON.stringify(v)} (is it installed?)`);
  return m[1];
};

/** The versions the repackaged archives carry. */
export interface CurrentVersions {
  readonly containerd: string;
  readonly runc: string;
  readonly cni: string;
}

/** The versions of Debian's packages on this machine. */
export const debianVersions = (): CurrentVersions => ({
  containerd: debianUpstreamVersion("containerd"),
  runc: debianUpstreamVersion("runc"),
  cni: debianUpstreamVersion("containernetworking-plugins"),
});

/** A tool that only prints what it is. */
const script = (what: string): Buffer => Buffer.from(`#!/bin/sh\necho '${what}'\n`);

const tarball = (
  work: string,
  name: string,
  files: Record<string, string | Buffer>,
  entries: readonly string[],
): Buffer => {
  const root = mkdtempSync(join(work, "tree-"));
  for (const [rel, from] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(join(p, ".."), { recursive: true });
    if (typeof from === "string") copyFileSync(from, p);
    else writeFileSync(p, from);
    chmodSync(p, rel.endsWith(".md") || rel === "LICENSE" ? 0o644 : 0o755);
  }
  const out = join(work, name);
  execFileSync("tar", ["-C", root, "-czf", out, "--owner=0", "--group=0", ...entries]);
  return readFileSync(out);
};

/**
 * The repackaged containerd, runc and CNI archives with their checksum files,
 * and stand-in Kubernetes binaries for each of `k8sReleases`.
 */
export const currentArtifacts = (versions: CurrentVersions, k8sReleases: readonly string[]): Artifact[] => {
  const work = mkdtempSync(join(tmpdir(), "tend-current-artifacts-"));
  try {
    const out: Artifact[] = [];
    const cv = versions.containerd;
    const archive = `containerd-${cv}-linux-amd64.tar.gz`;
    const containerd = tarball(
      work,
      archive,
      {
        "bin/containerd": "/usr/bin/containerd",
        "bin/ctr": "/usr/bin/ctr",
        "bin/containerd-shim-runc-v2": "/usr/bin/containerd-shim-runc-v2",
        "bin/containerd-stress": script(`containerd-stress ${cv}`),
      },
      ["bin"],
    );
    const cdir = `containerd/containerd/releases/download/v${cv}`;
    out.push({ path: `${cdir}/${archive}`, bytes: containerd });
    out.push({
      path: `${cdir}/${archive}.sha256sum`,
      bytes: Buffer.from(`${sha256(containerd)}  ${archive}\n`),
    });

    const rv = versions.runc;
    const runc = readFileSync("/usr/sbin/runc");
    const rdir = `opencontainers/runc/releases/download/v${rv}`;
    const source = Buffer.from(`runc ${rv} source stand-in\n`);
    out.push({ path: `${rdir}/runc.amd64`, bytes: runc });
    // Upstream lists every asset; runc.amd64 is not the first line.
    out.push({
      path: `${rdir}/runc.sha256sum`,
      bytes: Buffer.from(`${sha256(source)}  runc.tar.xz\n${sha256(runc)}  runc.amd64\n`),
    });

    const nv = versions.cni;
    const plugins = readdirSync("/usr/lib/cni").sort();
    const cniArchive = `cni-plugins-linux-amd64-v${nv}.tgz`;
    const cni = tarball(
      work,
      cniArchive,
      {
        ...Object.fromEntries(plugins.map((p) => [p, join("/usr/lib/cni", p)])),
        LICENSE: Buffer.from("Apache License 2.0\n"),
        "README.md": Buffer.from("# CNI plugins\n"),
      },
      ["."],
    );
    const ndir = `containernetworking/plugins/releases/download/v${nv}`;
    out.push({ path: `${ndir}/${cniArchive}`, bytes: cni });
    out.push({ path: `${ndir}/${cniArchive}.sha256`, bytes: Buffer.from(`${sha256(cni)}  ${cniArchive}\n`) });

    for (const k of k8sReleases)
      for (const b of ["kube-proxy", "kubelet", "kubectl"]) {
        // kubectl never runs as a service: a script is enough (and saves a static build).
        const bytes = b === "kubectl" ? script(`kubectl v${k}`) : standinBinary(`${b} v${k}`, work);
        const path = `kubernetes/v${k}/bin/linux/amd64/${b}`;
        out.push({ path, bytes });
        out.push({ path: `${path}.sha256`, bytes: Buffer.from(`${sha256(bytes)}  ${b}\n`) });
      }
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
};
