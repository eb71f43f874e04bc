/**
 * TLS material for the e2e cluster, made with the openssl command line the
 * way the seed's controller would have it: a `k8s_ca_conf_directory` with the
 * seed's file names (ca-etcd*.pem, cert-etcd*.pem, ca-k8s-apiserver*.pem,
 * cert-k8s-apiserver*.pem, cert-<host>*.pem) and a `k8s_config_directory`
 * with `<host>.kubeconfig` per worker and `kube-proxy.kubeconfig`.
 * Keys are P-256 (fast to make); certificates live two days.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Where the material was written. */
export interface TlsMaterial {
  /** `k8s_ca_conf_directory`. */
  readonly certs: string;
  /** `k8s_config_directory`. */
  readonly configs: string;
}

const openssl = (args: readonly string[]): void => {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
};

const KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

const makeCa = (dir: string, name: string): void =>
  openssl([
    "req",
    "-x509",
    ...KEY,
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    join(dir, `${name}-key.pem`),
    "-out",
    join(dir, `${name}.pem`),
  ]);

const makeCert = (
  dir: string,
  scratch: string,
  ca: string,
  name: string,
  subject: string,
  sans: readonly string[],
): void => {
  const ext = join(scratch, `${name}.ext`);
  const csr = join(scratch, `${name}.csr`);
  writeFileSync(
    ext,
    `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n${
      sans.length > 0 ? `subjectAltName=${sans.join(",")}\n` : ""
    }`,
  );
  openssl(["req", "-new", ...KEY, "-subj", subject, "-keyout", join(dir, `${name}-key.pem`), "-out", csr]);
  openssl([
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    join(dir, `${ca}.pem`),
    "-CAkey",
    join(dir, `${ca}-key.pem`),
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    ext,
    "-out",
    join(dir, `${name}.pem`),
  ]);
};

const b64 = (path: string): string => readFileSync(path).toString("base64");

/** A kubeconfig with the client certificate and key embedded, as the seed's controller role writes them. */
const kubeconfig = (certs: string, user: string, client: string): string =>
  `${JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "kubernetes",
          cluster: {
            "certificate-authority-data": b64(join(certs, "ca-k8s-apiserver.pem")),
            server: "https://127.0.0.1:6443",
          },
        },
      ],
      users: [
        {
          name: user,
          user: {
            "client-certificate-data": b64(`${client}.pem`),
            "client-key-data": b64(`${client}-key.pem`),
          },
        },
      ],
      contexts: [{ name: "default", context: { cluster: "kubernetes", user } }],
      "current-context": "default",
    },
    null,
    2,
  )}\n`;

/**
 * Writes the CA, etcd and API server certificates, one certificate per worker
 * and the kubeconfigs under `root`. The etcd certificate is valid for
 * 127.0.0.1 and `etcdIp`, for serving and as a client (flanneld, etcdctl).
 */
export const makeTls = (root: string, workers: readonly string[], etcdIp: string): TlsMaterial => {
  const certs = join(root, "certs");
  const configs = join(root, "configs");
  const scratch = join(root, "csr");
  for (const d of [certs, configs, scratch]) mkdirSync(d, { recursive: true });
  makeCa(certs, "ca-etcd");
  makeCert(certs, scratch, "ca-etcd", "cert-etcd", "/CN=etcd", ["IP:127.0.0.1", `IP:${etcdIp}`]);
  makeCa(certs, "ca-k8s-apiserver");
  makeCert(certs, scratch, "ca-k8s-apiserver", "cert-k8s-apiserver", "/CN=kubernetes", [
    "IP:127.0.0.1",
    "DNS:kubernetes",
  ]);
  for (const w of workers) {
    makeCert(certs, scratch, "ca-k8s-apiserver", `cert-${w}`, `/O=system:nodes/CN=system:node:${w}`, [
      `DNS:${w}`,
    ]);
    writeFileSync(
      join(configs, `${w}.kubeconfig`),
      kubeconfig(certs, `system:node:${w}`, join(certs, `cert-${w}`)),
    );
  }
  makeCert(scratch, scratch, "../certs/ca-k8s-apiserver", "cert-kube-proxy", "/CN=system:kube-proxy", []);
  writeFileSync(
    join(configs, "kube-proxy.kubeconfig"),
    kubeconfig(certs, "system:kube-proxy", join(scratch, "cert-kube-proxy")),
  );
  return { certs, configs };
};
