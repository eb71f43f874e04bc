/**
 * Version-aware settings: the kubelet and kube-proxy flag maps checked
 * against the Kubernetes release they are for, and containerd's config
 * version against containerd's. Pure tables and functions; each problem says
 * what replaces the setting, so a user fixes the inventory instead of
 * finding a service that does not start.
 */

/** A release as major and minor, or undefined when it does not parse. */
export const minorOf = (release: string): readonly [number, number] | undefined => {
  const m = /^v?(\d+)\.(\d+)/.exec(release.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
};

/** True when `release` is `since` or newer (both "major.minor[.patch]"). */
export const atLeast = (release: string, since: string): boolean => {
  const a = minorOf(release);
  const b = minorOf(since);
  if (!a || !b) return false;
  return a[0] !== b[0] ? a[0] > b[0] : a[1] >= b[1];
};

/** One flag that a release no longer takes, and what replaces it. */
interface FlagRule {
  readonly flag: string;
  /** The release from which the flag is refused. */
  readonly since: string;
  /** "removed" or "moved" (deprecated in favour of the configuration file). */
  readonly how: "removed" | "moved";
  readonly replacement: string;
  /** Only this value is refused (`container-runtime=docker`); any value when absent. */
  readonly value?: string;
}

const KUBELET_CONF = "k8s_worker_kubelet_conf_yaml";
const PROXY_CONF = "k8s_worker_kubeproxy_conf_yaml";
const moved = (flag: string, field: string, since = "1.10"): FlagRule => ({
  flag,
  since,
  how: "moved",
  replacement: `set ${field} in the KubeletConfiguration (${KUBELET_CONF}) and drop the flag`,
});

/** kubelet flags removed, or moved into the KubeletConfiguration. */
export const KUBELET_FLAG_RULES: readonly FlagRule[] = [
  { flag: "network-plugin", since: "1.24", how: "removed", replacement: "CNI is always used; drop it" },
  {
    flag: "cni-bin-dir",
    since: "1.24",
    how: "removed",
    replacement: "the container runtime finds the CNI plugins (containerd_config: bin_dir); drop it",
  },
  {
    flag: "cni-conf-dir",
    since: "1.24",
    how: "removed",
    replacement: "the container runtime reads the CNI configuration (containerd_config: conf_dir); drop it",
  },
  {
    flag: "image-pull-progress-deadline",
    since: "1.24",
    how: "removed",
    replacement: "only dockershim used it; drop it",
  },
  {
    flag: "container-runtime",
    value: "docker",
    since: "1.24",
    how: "removed",
    replacement: `dockershim is gone: run containerd and set containerRuntimeEndpoint in ${KUBELET_CONF}`,
  },
  {
    flag: "container-runtime",
    since: "1.27",
    how: "removed",
    replacement: `the kubelet always uses a CRI runtime; set containerRuntimeEndpoint in ${KUBELET_CONF}`,
  },
  moved("container-runtime-endpoint", "containerRuntimeEndpoint", "1.27"),
  moved("image-service-endpoint", "imageServiceEndpoint", "1.27"),
  moved("register-node", "registerNode", "1.27"),
  moved("address", "address"),
  moved("port", "port"),
  moved("healthz-bind-address", "healthzBindAddress"),
  moved("healthz-port", "healthzPort"),
  moved("cluster-dns", "clusterDNS"),
  moved("cluster-domain", "clusterDomain"),
  moved("anonymous-auth", "authentication.anonymous.enabled"),
  moved("authorization-mode", "authorization.mode"),
  moved("client-ca-file", "authentication.x509.clientCAFile"),
  moved("tls-cert-file", "tlsCertFile"),
  moved("tls-private-key-file", "tlsPrivateKeyFile"),
  moved("fail-swap-on", "failSwapOn"),
  moved("runtime-request-timeout", "runtimeRequestTimeout"),
  moved("serialize-image-pulls", "serializeImagePulls"),
  moved("cgroup-driver", "cgroupDriver"),
  moved("max-pods", "maxPods"),
  moved("pod-cidr", "podCIDR"),
  moved("resolv-conf", "resolvConf"),
  moved("feature-gates", "featureGates"),
  moved("read-only-port", "readOnlyPort"),
  moved("eviction-hard", "evictionHard"),
];

const proxyMoved = (flag: string, field: string): FlagRule => ({
  flag,
  since: "1.10",
  how: "moved",
  replacement: `kube-proxy ignores it when config is set; set ${field} in ${PROXY_CONF} and drop the flag`,
});

/** kube-proxy flags removed, or ignored next to `--config`. */
export const KUBEPROXY_FLAG_RULES: readonly FlagRule[] = [
  {
    flag: "proxy-port-range",
    since: "1.26",
    how: "removed",
    replacement: "it belonged to the userspace mode, which is gone; drop it",
  },
  {
    flag: "udp-timeout",
    since: "1.26",
    how: "removed",
    replacement: "it belonged to the userspace mode, which is gone; drop it",
  },
  proxyMoved("proxy-mode", "mode"),
  proxyMoved("cluster-cidr", "clusterCIDR"),
  proxyMoved("bind-address", "bindAddress"),
  proxyMoved("healthz-bind-address", "healthzBindAddress"),
  proxyMoved("masquerade-all", "iptables.masqueradeAll"),
  proxyMoved("ipvs-scheduler", "ipvs.scheduler"),
  proxyMoved("ipvs-sync-period", "ipvs.syncPeriod"),
  proxyMoved("ipvs-min-sync-period", "ipvs.minSyncPeriod"),
];

/** A setting the chosen release refuses, ready to become a VarError. */
export interface SettingProblem {
  /** The settings variable and key: `k8s_worker_kubelet_settings.network-plugin`. */
  readonly variable: string;
  /** The key inside the variable, to find where it was set. */
  readonly key: string;
  readonly message: string;
}

const describeRule = (r: FlagRule, value: string): string => {
  const name = r.value === undefined ? `\`${r.flag}\`` : `\`${r.flag}=${value}\``;
  const verb = r.how === "removed" ? "was removed in" : "moved into the configuration file in";
  return `${name} ${verb} ${r.since}: ${r.replacement}`;
};

const checkMap = (
  variable: string,
  release: string,
  settings: Readonly<Record<string, string>>,
  rules: readonly FlagRule[],
  releaseVar: string,
): SettingProblem[] =>
  Object.keys(settings)
    .sort()
    .flatMap((key) => {
      const value = settings[key] ?? "";
      const rule = rules.find(
        (r) => r.flag === key && (r.value === undefined || r.value === value) && atLeast(release, r.since),
      );
      return rule
        ? [
            {
              variable: `${variable}.${key}`,
              key,
              message: `${describeRule(rule, value)} (${releaseVar} is ${release})`,
            },
          ]
        : [];
    });

/** What a worker's flags are checked with. */
export interface FlagInput {
  /** The release and the variable it came from (`k8s_release` or `k8s_worker_release`). */
  readonly release: string;
  readonly releaseVar: string;
  readonly kubelet: Readonly<Record<string, string>>;
  readonly kubeProxy: Readonly<Record<string, string>>;
  readonly kubeProxyConf: Readonly<Record<string, unknown>>;
}

/** Every setting the release refuses, kubelet first, each key once, sorted. */
export const checkWorkerSettings = (i: FlagInput): SettingProblem[] => {
  const out = [
    ...checkMap("k8s_worker_kubelet_settings", i.release, i.kubelet, KUBELET_FLAG_RULES, i.releaseVar),
    ...checkMap("k8s_worker_kubeproxy_settings", i.release, i.kubeProxy, KUBEPROXY_FLAG_RULES, i.releaseVar),
  ];
  if (i.kubeProxyConf.mode === "userspace" && atLeast(i.release, "1.26")) {
    out.push({
      variable: `${PROXY_CONF}.mode`,
      key: "mode",
      message: `\`mode: userspace\` was removed in 1.26: use ipvs, iptables or nftables (${i.releaseVar} is ${i.release})`,
    });
  }
  return out;
};

/** The `version = N` of a containerd config, or undefined when it has none. */
export const containerdConfigVersion = (toml: string): number | undefined => {
  const m = /^\s*version\s*=\s*(\d+)\s*(#.*)?$/m.exec(toml);
  return m ? Number(m[1]) : undefined;
};

/**
 * Which config versions a containerd reads: 1.x reads 1 and 2, 2.x reads 2
 * and 3 (version 2 is migrated on start). Undefined: the combination is fine.
 */
export const containerdConfigProblem = (containerdVersion: string, toml: string): string | undefined => {
  const major = minorOf(containerdVersion)?.[0];
  const v = containerdConfigVersion(toml) ?? 1;
  if (major === undefined) return undefined;
  if (major < 2 && v > 2)
    return `config \`version = ${v}\` needs containerd 2.0 or newer, but containerd_version is ${containerdVersion} (reads versions 1 and 2): give a version 2 config`;
  if (major >= 2 && v < 2)
    return `config version ${v} is not read by containerd ${containerdVersion} (reads versions 2 and 3): give a version 2 or 3 config`;
  return undefined;
};
