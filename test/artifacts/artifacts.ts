/**
 * Stand-in upstream artifacts for real-host tests: the real flannel, Docker,
 * CNI and Kubernetes files cannot be downloaded here, so these are generated
 * with the same names, archive layouts and checksum mechanics (sha512 for the
 * CNI archive, `.sha256` files beside the Kubernetes binaries), and served
 * from a loopback HTTP server.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SOURCE = new URL("./standin.c", import.meta.url).pathname;
const DOCKER_BINARIES = [
  "containerd",
  "containerd-shim",
  "ctr",
  "docker",
  "dockerd",
  "docker-init",
  "docker-proxy",
  "runc",
];
const CNI_PLUGINS = ["bridge", "flannel", "host-local", "loopback", "portmap"];
const K8S_BINARIES = ["kube-proxy", "kubelet", "kubectl"];

export interface Artifact {
  /** Path under the server root, the upstream layout (host and scheme stripped). */
  readonly path: string;
  readonly bytes: Buffer;
}

export const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
export const sha512 = (b: Uint8Array): string => createHash("sha512").update(b).digest("hex");

/** Compiles the stand-in daemon with a version string baked in, so each version has other bytes. */
export const standinBinary = (version: string, workDir: string): Buffer => {
  const out = join(workDir, `standin-${version.replace(/[^\w.-]/g, "_")}`);
  execFileSync("gcc", ["-static", "-O2", `-DSTANDIN_VERSION="${version}"`, "-o", out, SOURCE]);
  return readFileSync(out);
};

const tgz = (workDir: string, name: string, files: Record<string, Buffer>, prefix: string): Buffer => {
  const root = mkdtempSync(join(workDir, "tar-"));
  for (const [rel, bytes] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, bytes);
    chmodSync(p, 0o755);
  }
  const out = join(workDir, name);
  execFileSync("tar", ["-C", root, "-czf", out, "--owner=0", "--group=0", prefix]);
  return readFileSync(out);
};

export interface ArtifactVersions {
  readonly flannel?: readonly string[];
  readonly docker?: string;
  readonly cni?: string;
  readonly k8s?: string;
}

/** Generates the artifact set with the upstream paths the modules' mirror layout uses. */
export const generateArtifacts = (versions: ArtifactVersions = {}): Artifact[] => {
  const work = mkdtempSync(join(tmpdir(), "tend-artifacts-"));
  try {
    const out: Artifact[] = [];
    for (const v of versions.flannel ?? ["v0.10.0"])
      out.push({
        path: `coreos/flannel/releases/download/${v}/flanneld-amd64`,
        bytes: standinBinary(`flanneld ${v}`, work),
      });
    const dv = versions.docker ?? "18.09.6";
    const dockerBin = standinBinary(`docker ${dv}`, work);
    out.push({
      path: `linux/static/stable/x86_64/docker-${dv}.tgz`,
      bytes: tgz(
        work,
        "docker.tgz",
        Object.fromEntries(DOCKER_BINARIES.map((b) => [`docker/${b}`, dockerBin])),
        "docker",
      ),
    });
    const cv = versions.cni ?? "0.7.5";
    const cniBin = standinBinary(`cni ${cv}`, work);
    out.push({
      path: `containernetworking/plugins/releases/download/v${cv}/cni-plugins-amd64-v${cv}.tgz`,
      bytes: tgz(work, "cni.tgz", Object.fromEntries(CNI_PLUGINS.map((b) => [b, cniBin])), "."),
    });
    const kv = versions.k8s ?? "1.17.4";
    for (const b of K8S_BINARIES) {
      const bytes = standinBinary(`${b} v${kv}`, work);
      const path = `kubernetes-release/release/v${kv}/bin/linux/amd64/${b}`;
      out.push({ path, bytes });
      out.push({ path: `${path}.sha256`, bytes: Buffer.from(sha256(bytes)) });
    }
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
};

export interface ArtifactServer {
  readonly baseUrl: string;
  /** Requests served, by path (to check what was downloaded). */
  readonly hits: Map<string, number>;
  close(): Promise<void>;
}

/** Serves artifacts on 127.0.0.1 (an ephemeral port). */
export const serveArtifacts = async (artifacts: readonly Artifact[]): Promise<ArtifactServer> => {
  const byPath = new Map(artifacts.map((a) => [`/${a.path}`, a.bytes]));
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const body = byPath.get(path);
    if (!body) {
      res.writeHead(404).end("not found");
      return;
    }
    res
      .writeHead(200, { "content-length": body.length, "content-type": "application/octet-stream" })
      .end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};
