/**
 * The defaults of the current roles (containerd 0.16.0+2.1.4, runc
 * 0.8.1+1.4.0, cni 0.11.0+1.8.0, kubernetes-worker 31.0.0+1.34.4): the lowest
 * variable layer of a host of the current generation (docs/SPEC-current.md).
 * Names and values are the roles'; where tend deliberately differs the
 * comment says why.
 */
import type { VarLayer } from "./defaults.js";
import { HEALTH_DEFAULTS } from "./health.js";

/** The current roles' expression for "the IPv4 address of k8s_interface on this host". */
const HOST_IP = "{{ hostvars[inventory_hostname]['ansible_facts'][k8s_interface]['ipv4']['address'] }}";

/** The role's containerd_config, for containerd 2.x (config version 3). */
export const CONTAINERD_CONFIG_V3 = `version = 3
[plugins]
  [plugins.'io.containerd.cri.v1.runtime']
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = 'runc'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes]
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
          runtime_type = 'io.containerd.runc.v2'
          [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
            BinaryName = '/usr/local/sbin/runc'
            SystemdCgroup = true
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dir = '/opt/cni/bin'
      conf_dir = '/etc/cni/net.d'
`;

/** The lowest layer of every current-generation host's variables. */
export const currentRoleDefaults: VarLayer = {
  origin: "current role defaults (@tend/modules)",
  vars: {
    // containerd
    containerd_flavor: "base",
    containerd_version: "2.1.4",
    containerd_binary_directory: "/usr/local/bin",
    containerd_config_directory: "/etc/containerd",
    // Accepted for compatibility, never used: tend keeps downloads in its own state directory.
    containerd_tmp_directory: "/tmp",
    containerd_owner: "root",
    containerd_group: "root",
    containerd_binary_mode: "0755",
    containerd_os: "linux",
    containerd_arch: "amd64",
    containerd_archive_base:
      "containerd-{{ containerd_version }}-{{ containerd_os }}-{{ containerd_arch }}.tar.gz",
    containerd_url:
      "https://github.com/containerd/containerd/releases/download/v{{ containerd_version }}/{{ containerd_archive_base }}",
    // The role's ExecStartPre=<modprobe> overlay is left out: it fails where
    // overlay is built in and /lib/modules is absent; kmod[overlay] replaces it.
    containerd_service_settings: {
      ExecStart: "{{ containerd_binary_directory }}/containerd",
      Restart: "always",
      RestartSec: "5",
      Type: "notify",
      Delegate: "yes",
      KillMode: "process",
      OOMScoreAdjust: "-999",
      LimitNOFILE: "1048576",
      LimitNPROC: "infinity",
      LimitCORE: "infinity",
    },
    containerd_config: CONTAINERD_CONFIG_V3,

    // runc
    runc_version: "1.4.0",
    runc_bin_directory: "/usr/local/sbin",
    runc_owner: "root",
    runc_group: "root",
    runc_binary_mode: "0755",
    runc_arch: "amd64",
    runc_archive: "runc.{{ runc_arch }}",
    runc_url:
      "https://github.com/opencontainers/runc/releases/download/v{{ runc_version }}/{{ runc_archive }}",
    runc_checksum:
      "sha256:https://github.com/opencontainers/runc/releases/download/v{{ runc_version }}/runc.sha256sum",

    // CNI plugins
    cni_version: "1.8.0",
    cni_bin_directory: "/opt/cni/bin",
    cni_conf_directory: "/etc/cni/net.d",
    cni_tmp_directory: "/tmp",
    cni_owner: "root",
    cni_group: "root",
    cni_binary_mode: "0755",
    cni_os: "linux",
    cni_arch: "amd64",
    cni_archive: "cni-plugins-{{ cni_os }}-{{ cni_arch }}-v{{ cni_version }}.tgz",
    cni_url:
      "https://github.com/containernetworking/plugins/releases/download/v{{ cni_version }}/{{ cni_archive }}",
    cni_restart_kubelet: false,

    // kubernetes-worker
    k8s_worker_conf_dir: "/etc/kubernetes/worker",
    k8s_worker_pki_dir: "{{ k8s_worker_conf_dir }}/pki",
    k8s_worker_bin_dir: "/usr/local/bin",
    k8s_worker_release: "1.34.4",
    k8s_interface: "eth0",
    k8s_ca_conf_directory: "{{ '~/k8s/certs' | expanduser }}",
    k8s_worker_api_endpoint_port: "6443",
    k8s_worker_os_packages: [
      "ebtables",
      "ethtool",
      "ipset",
      "conntrack",
      "iptables",
      "iptstate",
      "netstat-nat",
      "socat",
      "netbase",
    ],
    k8s_worker_binaries: ["kube-proxy", "kubelet", "kubectl"],
    // The role's vars/main.yml also copies the CA's and the API server's keys
    // (and certificate) to every worker; a worker needs neither.
    k8s_worker_certificates: ["ca-k8s-apiserver.pem", "cert-k8s-proxy.pem", "cert-k8s-proxy-key.pem"],
    k8s_worker_kubelet_conf_dir: "{{ k8s_worker_conf_dir }}/kubelet",
    k8s_worker_kubelet_settings: {
      config: "{{ k8s_worker_kubelet_conf_dir }}/kubelet-config.yaml",
      "node-ip": HOST_IP,
      kubeconfig: "{{ k8s_worker_kubelet_conf_dir }}/kubeconfig",
    },
    // The role writes this as a YAML template string; kept as data here and
    // rendered with the yaml package. A user may still give a YAML string.
    k8s_worker_kubelet_conf_yaml: {
      kind: "KubeletConfiguration",
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      address: HOST_IP,
      authentication: {
        anonymous: { enabled: false },
        webhook: { enabled: true },
        x509: { clientCAFile: "{{ k8s_worker_pki_dir }}/ca-k8s-apiserver.pem" },
      },
      authorization: { mode: "Webhook" },
      clusterDomain: "cluster.local",
      clusterDNS: ["10.32.0.254"],
      failSwapOn: true,
      healthzBindAddress: HOST_IP,
      healthzPort: 10248,
      runtimeRequestTimeout: "15m",
      serializeImagePulls: false,
      tlsCertFile: "{{ k8s_worker_pki_dir }}/cert-{{ inventory_hostname }}.pem",
      tlsPrivateKeyFile: "{{ k8s_worker_pki_dir }}/cert-{{ inventory_hostname }}-key.pem",
      cgroupDriver: "systemd",
      registerNode: true,
      containerRuntimeEndpoint: "unix:///run/containerd/containerd.sock",
    },
    k8s_worker_kubeproxy_conf_dir: "{{ k8s_worker_conf_dir }}/kube-proxy",
    k8s_worker_kubeproxy_settings: {
      config: "{{ k8s_worker_kubeproxy_conf_dir }}/kubeproxy-config.yaml",
    },
    k8s_worker_kubeproxy_conf_yaml: {
      kind: "KubeProxyConfiguration",
      apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
      bindAddress: HOST_IP,
      clientConnection: { kubeconfig: "{{ k8s_worker_kubeproxy_conf_dir }}/kubeconfig" },
      healthzBindAddress: `${HOST_IP}:10256`,
      mode: "ipvs",
      ipvs: { minSyncPeriod: "0s", scheduler: "", syncPeriod: "2s" },
      iptables: { masqueradeAll: true },
      clusterCIDR: "10.200.0.0/16",
    },

    // tend's own (as for the seed)
    tend_kernel_modules: ["ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh", "nf_conntrack", "br_netfilter"],
    tend_download_mode: "host",
    tend_worker_generation: "current",
    ...HEALTH_DEFAULTS,
  },
};

/** Current-generation variables without a default: setting them is optional. */
export const currentOptionalVariables: readonly string[] = [
  "k8s_config_cluster_name",
  "k8s_worker_api_endpoint_host",
  "k8s_worker_kubelet_settings_user",
  "k8s_worker_kubeproxy_settings_user",
  "k8s_worker_binary_checksums",
  "tend_download_mirror",
];

/**
 * Prefixes of the variables the current modules own. Narrower than the seed's
 * `k8s_`: the current controller and CA roles' `k8s_ctl_*`, `k8s_ca_*`, …
 * usually share group_vars/all.yml with the worker's and are not misspellings.
 */
export const CURRENT_PREFIXES: readonly string[] = ["k8s_worker_", "containerd_", "runc_", "cni_", "tend_"];

/**
 * Variables only the seed's roles know: next to a current-only one, the
 * generation is ambiguous. Generic names the current controller roles may
 * share (`k8s_conf_dir`, `k8s_bin_dir`) do not count.
 */
export const isSeedOnly = (name: string): boolean =>
  /^(flannel|docker|dockerd)_/.test(name) ||
  [
    "k8s_release",
    "k8s_cni_plugin_version",
    "k8s_cni_plugin_checksum",
    "k8s_cni_plugin_url",
    "k8s_release_url_base",
    "k8s_worker_download_dir",
  ].includes(name);

/** Variables only the current roles know: one of them in an inventory picks the current generation. */
export const isCurrentOnly = (name: string): boolean =>
  /^(containerd|runc|cni)_/.test(name) ||
  [
    "k8s_worker_release",
    "k8s_worker_conf_dir",
    "k8s_worker_pki_dir",
    "k8s_worker_bin_dir",
    "k8s_worker_os_packages",
    "k8s_worker_api_endpoint_host",
    "k8s_worker_api_endpoint_port",
    "k8s_config_cluster_name",
  ].includes(name);
