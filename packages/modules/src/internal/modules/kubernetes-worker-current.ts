/**
 * The Kubernetes worker of the current role (kubernetes-worker 31.0.0+1.34.4,
 * docs/SPEC-current.md): configuration under `k8s_worker_conf_dir`, the
 * certificates a worker needs, kubelet/kube-proxy/kubectl of
 * `k8s_worker_release`, kubeconfigs that name the certificate files, the two
 * configuration files and units, and both services (kubelet after containerd).
 */
import { type Declared, ipv4Of, type ResourceId, resourceId } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { declarer, isSecretFile, join, ROOT, serviceId } from "../context.js";
import { currentArtifactSet } from "../current-downloads.js";
import type { ModuleError } from "../errors.js";
import { renderYaml } from "../render/config.js";
import { renderUnit } from "../render/unit.js";
import type { CurrentVars } from "../vars/current-codec.js";
import { type CurrentInput, installBinary } from "./current-install.js";

const declare = declarer("@tend/modules/kubernetes-worker-current");

const DOCS = "https://github.com/GoogleCloudPlatform/kubernetes";

/** kubelet.service of the current role: after containerd, watchdog, flags `--key` when empty. */
export const currentKubeletUnit = (v: CurrentVars): string =>
  renderUnit([
    {
      name: "Unit",
      entries: [
        ["Description", "Kubernetes Kubelet"],
        ["Documentation", DOCS],
        ["After", "network-online.target"],
        ["After", "containerd.service"],
        ["Requires", "network-online.target"],
        ["Requires", "containerd.service"],
        ["Wants", "network-online.target"],
      ],
    },
    {
      name: "Service",
      entries: [
        [
          "ExecStart",
          {
            executable: join(v.k8s_worker_bin_dir, "kubelet"),
            settings: v.k8s_worker_kubelet_settings,
            style: "--",
            bareWhenEmpty: true,
          },
        ],
        ["Restart", "always"],
        ["RestartSec", "10"],
        ["WatchdogSec", "30s"],
      ],
    },
    { name: "Install", entries: [["WantedBy", "multi-user.target"]] },
  ]);

/** kube-proxy.service of the current role. */
export const currentKubeProxyUnit = (v: CurrentVars): string =>
  renderUnit([
    {
      name: "Unit",
      entries: [
        ["Description", "Kubernetes Kube Proxy"],
        ["Documentation", DOCS],
        ["Wants", "network-online.target"],
        ["After", "network-online.target"],
      ],
    },
    {
      name: "Service",
      entries: [
        [
          "ExecStart",
          {
            executable: join(v.k8s_worker_bin_dir, "kube-proxy"),
            settings: v.k8s_worker_kubeproxy_settings,
            style: "--",
          },
        ],
        ["Restart", "on-failure"],
        ["RestartSec", "5"],
      ],
    },
    { name: "Install", entries: [["WantedBy", "multi-user.target"]] },
  ]);

/** A kubeconfig naming its certificate files (kubectl's key order). */
export const kubeconfig = (
  cluster: string,
  server: string,
  ca: string,
  user: string,
  cert: string,
  key: string,
): string =>
  renderYaml({
    apiVersion: "v1",
    clusters: [{ cluster: { "certificate-authority": ca, server }, name: cluster }],
    contexts: [{ context: { cluster, user }, name: "default" }],
    "current-context": "default",
    kind: "Config",
    preferences: {},
    users: [{ name: user, user: { "client-certificate": cert, "client-key": key } }],
  });

/** The API server's address: the variable, else the first k8s_controller's address on k8s_interface. */
const apiHost = (input: CurrentInput): E.Either<ModuleError, string> => {
  const v = input.vars;
  if (v.k8s_worker_api_endpoint_host !== undefined) return E.right(v.k8s_worker_api_endpoint_host);
  const controller = input.cluster.hostsOf("k8s_controller")[0];
  const why = `it defaults to the first k8s_controller host's address on ${v.k8s_interface}`;
  if (controller === undefined)
    return E.left({
      _tag: "MissingVariable",
      host: input.host,
      variable: "k8s_worker_api_endpoint_host",
      why: `${why}, and the inventory has no k8s_controller host`,
    });
  const facts = input.cluster.factsOf(controller);
  if (facts === undefined)
    return E.left({
      _tag: "MissingHostFacts",
      host: controller,
      neededBy: input.host,
      why: `k8s_worker_api_endpoint_host: ${why}; plan that host too, or set the variable`,
    });
  const ip = ipv4Of(facts, v.k8s_interface);
  return ip === undefined
    ? E.left({
        _tag: "MissingInterfaceAddress",
        host: controller,
        interface: v.k8s_interface,
        neededBy: input.host,
      })
    : E.right(ip);
};

/** The worker's resources; `after` are ids both services wait for (swap, kernel, packages). */
export const currentKubernetesWorker = (
  input: CurrentInput,
  after: readonly ResourceId[] = [],
): E.Either<ModuleError[], Declared[]> => {
  const v = input.vars;
  const host = input.host;
  const kubelet = serviceId("kubelet");
  const kubeProxy = serviceId("kube-proxy");
  const errors: ModuleError[] = [];
  if (v.k8s_config_cluster_name === undefined)
    errors.push({
      _tag: "MissingVariable",
      host,
      variable: "k8s_config_cluster_name",
      why: "the kubeconfigs name their cluster with it (no role defines it)",
    });
  const endpoint = apiHost(input);
  if (E.isLeft(endpoint)) errors.push(endpoint.left);

  const dir = (path: string, mode: number) => declare.directory(path, { mode, ...ROOT });
  const pki = v.k8s_worker_pki_dir;
  const dirs = [
    dir(v.k8s_worker_conf_dir, 0o750),
    dir(pki, 0o750),
    dir(v.k8s_worker_kubelet_conf_dir, 0o700),
    dir(v.k8s_worker_kubeproxy_conf_dir, 0o700),
  ];

  const kubeletCerts = [`cert-${host}.pem`, `cert-${host}-key.pem`];
  const proxyCerts = ["cert-k8s-proxy.pem", "cert-k8s-proxy-key.pem"];
  const certNames = [...new Set([...v.k8s_worker_certificates, ...kubeletCerts])];
  const certs = certNames.map((c) =>
    declare.file(
      join(pki, c),
      { source: join(v.k8s_ca_conf_directory, c), mode: 0o640, ...ROOT, sensitive: isSecretFile(c) },
      // The kubeconfigs name these files: a new certificate is read on restart.
      {
        notify: [
          ...(kubeletCerts.includes(c) || c === "ca-k8s-apiserver.pem" ? [kubelet] : []),
          ...(proxyCerts.includes(c) || c === "ca-k8s-apiserver.pem" ? [kubeProxy] : []),
        ],
      },
    ),
  );

  const binaries: Declared[] = [];
  for (const art of currentArtifactSet(v, input.checksums).kubernetes) {
    const r = installBinary(
      input,
      declare,
      art,
      join(v.k8s_worker_bin_dir, art.name),
      { mode: 0o755, ...ROOT },
      {
        notify: [kubeProxy, kubelet],
      },
    );
    if (E.isLeft(r)) errors.push(r.left);
    else binaries.push(r.right);
  }
  if (errors.length > 0 || E.isLeft(endpoint) || v.k8s_config_cluster_name === undefined)
    return E.left(errors);

  const server = `https://${endpoint.right}:${v.k8s_worker_api_endpoint_port}`;
  const ca = join(pki, "ca-k8s-apiserver.pem");
  const cluster = v.k8s_config_cluster_name;
  const kubeconfigFile = (dir: string, content: string, notify: ResourceId<"service">) =>
    declare.file(
      join(dir, "kubeconfig"),
      { content, mode: 0o640, ...ROOT, format: "yaml" },
      { notify: [notify] },
    );
  const kubeletKubeconfig = kubeconfigFile(
    v.k8s_worker_kubelet_conf_dir,
    kubeconfig(
      cluster,
      server,
      ca,
      `system:node:${host}`,
      join(pki, kubeletCerts[0] as string),
      join(pki, kubeletCerts[1] as string),
    ),
    kubelet,
  );
  const proxyKubeconfig = kubeconfigFile(
    v.k8s_worker_kubeproxy_conf_dir,
    kubeconfig(
      cluster,
      server,
      ca,
      "system:kube-proxy",
      join(pki, "cert-k8s-proxy.pem"),
      join(pki, "cert-k8s-proxy-key.pem"),
    ),
    kubeProxy,
  );

  const yamlFile = (
    dir: string,
    name: string,
    doc: Readonly<Record<string, unknown>>,
    notify: ResourceId<"service">,
  ) =>
    declare.file(
      join(dir, name),
      { content: renderYaml(doc), mode: 0o600, ...ROOT, format: "yaml" },
      { notify: [notify] },
    );
  const kubeletConfig = yamlFile(
    v.k8s_worker_kubelet_conf_dir,
    "kubelet-config.yaml",
    v.k8s_worker_kubelet_conf_yaml,
    kubelet,
  );
  const proxyConfig = yamlFile(
    v.k8s_worker_kubeproxy_conf_dir,
    "kubeproxy-config.yaml",
    v.k8s_worker_kubeproxy_conf_yaml,
    kubeProxy,
  );

  const kubeletUnitR = declare.unit(
    "kubelet.service",
    { content: currentKubeletUnit(v), mode: 0o644 },
    { notify: [kubelet] },
  );
  const proxyUnitR = declare.unit(
    "kube-proxy.service",
    { content: currentKubeProxyUnit(v), mode: 0o644 },
    { notify: [kubeProxy] },
  );

  const running = { enabled: true, state: "running" } as const;
  const kubeletService = declare.service("kubelet", running, {
    deps: [
      serviceId("containerd"),
      ...[...certs, kubeletKubeconfig, kubeletConfig].map(resourceId),
      ...after,
    ],
  });
  const proxyService = declare.service("kube-proxy", running, {
    deps: [...[proxyKubeconfig, proxyConfig].map(resourceId), ...after],
  });

  return E.right([
    ...dirs,
    ...certs,
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
