/**
 * The Kubernetes worker on `k8s_worker`: certificates, CNI plugins, kubelet,
 * kube-proxy and kubectl binaries, kubeconfigs, their configuration files and
 * units, and both services running after Docker.
 */
import { type Declared, type ResourceId, resourceId } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { declarer, isSecretFile, join, type ModuleInput, ROOT, serviceId } from "../context.js";
import { cniUrl, k8sBinaryChecksum, k8sBinaryUrl } from "../downloads.js";
import type { ModuleError } from "../errors.js";
import { renderYaml } from "../render/config.js";
import { renderUnit, type UnitSection } from "../render/unit.js";
import { cachePathFor } from "./artifacts.js";

const declare = declarer("@tend/modules/kubernetes-worker");

const DOCS = "https://github.com/GoogleCloudPlatform/kubernetes";

const serviceUnit = (
  description: string,
  unitDeps: UnitSection["entries"],
  executable: string,
  settings: Readonly<Record<string, string>>,
): string =>
  renderUnit([
    { name: "Unit", entries: [["Description", description], ["Documentation", DOCS], ...unitDeps] },
    {
      name: "Service",
      entries: [
        ["ExecStart", { executable, settings, style: "--" }],
        ["Restart", "on-failure"],
        ["RestartSec", "5"],
      ],
    },
    { name: "Install", entries: [["WantedBy", "multi-user.target"]] },
  ]);

/** kubelet.service. */
export const kubeletUnit = (v: ModuleInput["vars"]): string =>
  serviceUnit(
    "Kubernetes Kubelet",
    [
      ["After", "docker.service"],
      ["Requires", "docker.service"],
    ],
    join(v.k8s_bin_dir, "kubelet"),
    v.k8s_worker_kubelet_settings,
  );

/** kube-proxy.service. */
export const kubeProxyUnit = (v: ModuleInput["vars"]): string =>
  serviceUnit(
    "Kubernetes Kube Proxy",
    [],
    join(v.k8s_bin_dir, "kube-proxy"),
    v.k8s_worker_kubeproxy_settings,
  );

/** The worker module's resources; `after` are ids both services wait for (swap, kernel, packages). */
export const kubernetesWorker = (
  input: ModuleInput,
  after: readonly ResourceId[] = [],
): E.Either<ModuleError[], Declared[]> => {
  const v = input.vars;
  const host = input.host;
  const controllerMode = v.tend_download_mode === "controller";
  const kubelet = serviceId("kubelet");
  const kubeProxy = serviceId("kube-proxy");

  const dir = (path: string, mode: number) => declare.directory(path, { mode, ...ROOT });
  const dirs = [
    dir(v.k8s_conf_dir, 0o700),
    dir(v.k8s_worker_kubelet_conf_dir, 0o700),
    dir(v.k8s_worker_kubeproxy_conf_dir, 0o700),
    dir(v.k8s_cni_dir, 0o700),
    dir(v.k8s_cni_bin_dir, 0o700),
    dir(v.k8s_worker_download_dir, 0o750),
  ];

  const certNames = [...v.k8s_worker_certificates, `cert-${host}.pem`, `cert-${host}-key.pem`];
  const certs = [...new Set(certNames)].map((c) =>
    declare.file(join(v.k8s_conf_dir, c), {
      source: join(v.k8s_ca_conf_directory, c),
      mode: 0o640,
      ...ROOT,
      sensitive: isSecretFile(c),
    }),
  );

  // The archive is kept (SPEC) but only its unpacked members decide whether
  // anything changes: an altered plugin is unpacked again.
  const cniUrl_ = cniUrl(v);
  const cniChecksum = { algo: "sha512" as const, hex: v.k8s_cni_plugin_checksum };
  const cniArchivePath = join(v.k8s_worker_download_dir, `${v.k8s_cni_plugin_version}.tgz`);
  const cniArchive = controllerMode
    ? declare.file(cniArchivePath, {
        source: cachePathFor(input, cniUrl_),
        mode: 0o640,
        ...ROOT,
        format: "binary",
      })
    : declare.download(cniArchivePath, { url: cniUrl_, checksum: cniChecksum, mode: 0o640, ...ROOT });
  const cniPlugins = declare.archive(
    v.k8s_cni_bin_dir,
    {
      dest: v.k8s_cni_bin_dir,
      archive: cniArchivePath,
      checksum: cniChecksum,
      strip: 0,
      mode: 0o755,
      ...ROOT,
    },
    { notify: [kubelet] },
  );

  const errors: ModuleError[] = [];
  const binaries: Declared[] = [];
  for (const b of v.k8s_worker_binaries) {
    const url = k8sBinaryUrl(v, b);
    const path = join(v.k8s_bin_dir, b);
    const notify = [kubeProxy, kubelet];
    // Required in both modes: in controller mode the CLI verifies its cached copy against it.
    const checksum = k8sBinaryChecksum(v, b, input.checksums);
    if (!checksum) {
      errors.push({ _tag: "MissingChecksum", host, artifact: b, url });
      continue;
    }
    binaries.push(
      controllerMode
        ? declare.file(
            path,
            { source: cachePathFor(input, url), mode: 0o755, ...ROOT, format: "binary" },
            { notify },
          )
        : declare.download(path, { url, checksum, mode: 0o755, ...ROOT }, { notify }),
    );
  }
  if (errors.length > 0) return E.left(errors);

  const kubeconfig = (dir: string, source: string) =>
    declare.file(join(dir, "kubeconfig"), {
      source: join(v.k8s_config_directory, source),
      mode: 0o600,
      ...ROOT,
      sensitive: true,
    });
  const kubeletKubeconfig = kubeconfig(v.k8s_worker_kubelet_conf_dir, `${host}.kubeconfig`);
  const proxyKubeconfig = kubeconfig(v.k8s_worker_kubeproxy_conf_dir, "kube-proxy.kubeconfig");

  const yamlFile = (dir: string, name: string, doc: Readonly<Record<string, unknown>>) =>
    declare.file(join(dir, name), { content: renderYaml(doc), mode: 0o600, ...ROOT, format: "yaml" });
  const kubeletConfig = yamlFile(
    v.k8s_worker_kubelet_conf_dir,
    "kubelet-config.yaml",
    v.k8s_worker_kubelet_conf_yaml,
  );
  const proxyConfig = yamlFile(
    v.k8s_worker_kubeproxy_conf_dir,
    "kubeproxy-config.yaml",
    v.k8s_worker_kubeproxy_conf_yaml,
  );

  const kubeletUnitR = declare.unit(
    "kubelet.service",
    { content: kubeletUnit(v), mode: 0o644 },
    { notify: [kubelet] },
  );
  const proxyUnitR = declare.unit(
    "kube-proxy.service",
    { content: kubeProxyUnit(v), mode: 0o644 },
    { notify: [kubeProxy] },
  );

  const running = { enabled: true, state: "running" } as const;
  const kubeletService = declare.service("kubelet", running, {
    deps: [serviceId("docker"), ...[...certs, kubeletKubeconfig, kubeletConfig].map(resourceId), ...after],
  });
  const proxyService = declare.service("kube-proxy", running, {
    deps: [serviceId("docker"), ...[proxyKubeconfig, proxyConfig].map(resourceId), ...after],
  });

  return E.right([
    ...dirs,
    ...certs,
    cniArchive,
    cniPlugins,
    ...binaries,
    kubeletKubeconfig,
    proxyKubeconfig,
    kubeletConfig,
    proxyConfig,
    kubeletUnitR,
    proxyUnitR,
    kubeletService,
    proxyService,
  ]);
};
