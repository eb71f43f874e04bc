/**
 * The role defaults: the lowest variable layer. Values and names are the seed
 * roles' (flanneld, docker, kubernetes-worker), with the defaults the blog
 * stripped filled in from SPEC.md, and `{{ }}` templates kept as the roles
 * write them so that a user who overrides one variable sees the others follow.
 */
import { HEALTH_DEFAULTS } from "./health.js";

/** One layer of variables, e.g. the contents of `group_vars/all.yml`. */
export interface VarLayer {
  /** Where the variables came from; named in every error about them. */
  readonly origin: string;
  readonly vars: Readonly<Record<string, unknown>>;
}

/** The seed's expression for "the IPv4 address of k8s_interface on this host". */
const HOST_IP = "{{hostvars[inventory_hostname]['ansible_' + k8s_interface].ipv4.address}}";

/** The lowest layer of every host's variables. */
export const roleDefaults: VarLayer = {
  origin: "role defaults (@tend/modules)",
  vars: {
    // shared by the three roles
    k8s_interface: "tap0",
    k8s_conf_dir: "/var/lib/kubernetes",
    k8s_ca_conf_directory: "{{ '~/k8s/certs' | expanduser }}",
    k8s_config_directory: "{{ '~/k8s/configs' | expanduser }}",
    k8s_cni_conf_dir: "/etc/cni/net.d",
    etcd_bin_dir: "/usr/local/bin",
    etcd_client_port: 2379,
    etcd_certificates: ["ca-etcd.pem", "ca-etcd-key.pem", "cert-etcd.pem", "cert-etcd-key.pem"],

    // flanneld
    flannel_version: "v0.10.0",
    flannel_etcd_prefix: "/kubernetes-cluster/network",
    flannel_ip_range: "10.200.0.0/16",
    flannel_backend_type: "vxlan",
    flannel_cni_interface: "cni0",
    flannel_subnet_file_dir: "/run/flannel",
    flannel_options_dir: "/etc/flannel",
    flannel_bin_dir: "/usr/local/sbin",
    flannel_cni_conf_file: "10-flannel",
    flannel_cni_spec_version: "0.3.1",
    flannel_systemd_restartsec: "5",
    flannel_systemd_limitnofile: "40000",
    flannel_systemd_limitnproc: "1048576",
    flannel_systemd_execstartpre: "/bin/mkdir -p {{flannel_subnet_file_dir}}",
    flannel_settings: {
      "etcd-cafile": "{{k8s_conf_dir}}/ca-etcd.pem",
      "etcd-certfile": "{{k8s_conf_dir}}/cert-etcd.pem",
      "etcd-keyfile": "{{k8s_conf_dir}}/cert-etcd-key.pem",
      "etcd-prefix": "{{flannel_etcd_prefix}}",
      iface: "{{k8s_interface}}",
      "public-ip": HOST_IP,
      "subnet-file": "{{flannel_subnet_file_dir}}/subnet.env",
      "ip-masq": "true",
      "healthz-ip": "0.0.0.0",
      "healthz-port": "0",
    },
    flannel_cni_conf: {
      name: "{{flannel_cni_interface}}",
      cniVersion: "{{flannel_cni_spec_version}}",
      plugins: [
        { type: "flannel", delegate: { hairpinMode: true, isDefaultGateway: true } },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    },

    // docker
    docker_download_dir: "/opt/tmp",
    docker_version: "18.09.6",
    docker_user: "docker",
    docker_group: "docker",
    docker_uid: 666,
    docker_gid: 666,
    docker_bin_dir: "/usr/local/bin",
    dockerd_settings: {
      host: "unix:///var/run/docker.sock",
      "log-level": "error",
      "storage-driver": "overlay",
      iptables: "false",
      "ip-masq": "false",
      bip: "",
      mtu: "1472",
    },
    docker_ca_certificates: [],
    docker_ca_certificates_src_dir: "{{ '~/docker-ca-certificates' | expanduser }}",
    docker_ca_certificates_dst_dir: "/usr/local/share/ca-certificates",

    // kubernetes-worker
    k8s_bin_dir: "/usr/local/bin",
    k8s_release: "1.17.4",
    k8s_worker_binaries: ["kube-proxy", "kubelet", "kubectl"],
    k8s_worker_certificates: [
      "ca-k8s-apiserver.pem",
      "ca-k8s-apiserver-key.pem",
      "cert-k8s-apiserver.pem",
      "cert-k8s-apiserver-key.pem",
    ],
    k8s_worker_download_dir: "/opt/tmp",
    k8s_worker_kubelet_conf_dir: "/var/lib/kubelet",
    // --allow-privileged is gone: kubelet 1.15 removed it (the blog's changelog).
    k8s_worker_kubelet_settings: {
      config: "{{k8s_worker_kubelet_conf_dir}}/kubelet-config.yaml",
      "node-ip": HOST_IP,
      "container-runtime": "docker",
      "image-pull-progress-deadline": "2m",
      kubeconfig: "{{k8s_worker_kubelet_conf_dir}}/kubeconfig",
      "network-plugin": "cni",
      "cni-conf-dir": "{{k8s_cni_conf_dir}}",
      "cni-bin-dir": "{{k8s_cni_bin_dir}}",
      "cloud-provider": "",
      "register-node": "true",
    },
    // The roles write this as a YAML template string; we keep it as data and
    // render it with the yaml package. A user may still give a YAML string.
    k8s_worker_kubelet_conf_yaml: {
      kind: "KubeletConfiguration",
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      address: HOST_IP,
      authentication: {
        anonymous: { enabled: false },
        webhook: { enabled: true },
        x509: { clientCAFile: "{{k8s_conf_dir}}/ca-k8s-apiserver.pem" },
      },
      authorization: { mode: "Webhook" },
      clusterDomain: "cluster.local",
      clusterDNS: ["10.32.0.254"],
      failSwapOn: true,
      healthzBindAddress: HOST_IP,
      healthzPort: 10248,
      runtimeRequestTimeout: "15m",
      serializeImagePulls: false,
      // The kubelet serves the per-node certificate (SPEC), not the API server's.
      tlsCertFile: "{{k8s_conf_dir}}/cert-{{inventory_hostname}}.pem",
      tlsPrivateKeyFile: "{{k8s_conf_dir}}/cert-{{inventory_hostname}}-key.pem",
    },
    k8s_worker_kubeproxy_conf_dir: "/var/lib/kube-proxy",
    k8s_worker_kubeproxy_settings: {
      config: "{{k8s_worker_kubeproxy_conf_dir}}/kubeproxy-config.yaml",
    },
    k8s_worker_kubeproxy_conf_yaml: {
      kind: "KubeProxyConfiguration",
      apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
      bindAddress: HOST_IP,
      clientConnection: { kubeconfig: "{{k8s_worker_kubeproxy_conf_dir}}/kubeconfig" },
      healthzBindAddress: `${HOST_IP}:10256`,
      mode: "ipvs",
      ipvs: { minSyncPeriod: "0s", scheduler: "", syncPeriod: "2s" },
      iptables: { masqueradeAll: true },
      // Pods get addresses from flannel's range; kube-proxy must agree with it.
      clusterCIDR: "{{flannel_ip_range}}",
    },
    k8s_cni_dir: "/opt/cni",
    k8s_cni_bin_dir: "{{k8s_cni_dir}}/bin",
    k8s_cni_plugin_version: "0.7.5",
    k8s_cni_plugin_checksum:
      "1abfb567c13f87aab94efd6f2c6bb17f3581cbcce87bf8c6216510a92486cb44e6b8701fd3a6cb85273a97981feecbd0c4eb624eab0eca5a005fd85a7d95c284",

    // tend's own
    // ip_vs* are what kube-proxy's IPVS mode needs; a kernel without them
    // (as in test containers) drops them here.
    tend_kernel_modules: ["ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh", "nf_conntrack", "br_netfilter"],
    tend_download_mode: "host",
    ...HEALTH_DEFAULTS,
  },
};

/**
 * Variables we understand that have no default: setting them is optional.
 * Together with the keys of `roleDefaults` they are every variable name with
 * one of our prefixes that is not a misspelling.
 */
export const optionalVariables: readonly string[] = [
  "flannel_systemd_execstartpost",
  "flannel_settings_user",
  "flannel_download_url",
  "flannel_checksum",
  "dockerd_settings_user",
  "docker_download_url",
  "docker_checksum",
  "k8s_worker_kubelet_settings_user",
  "k8s_worker_kubeproxy_settings_user",
  "k8s_cni_plugin_url",
  "k8s_release_url_base",
  "k8s_worker_binary_checksums",
  "tend_download_mirror",
];

/** Prefixes of the variables this package owns; others (ansible_*, other roles') are left alone. */
export const OWN_PREFIXES: readonly string[] = ["k8s_", "flannel_", "docker_", "dockerd_", "etcd_", "tend_"];
