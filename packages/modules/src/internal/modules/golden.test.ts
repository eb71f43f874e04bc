/**
 * Golden tests: the seed's defaults on worker1 produce exactly SPEC.md's end
 * state, item by item (paths, modes, owners, unit texts, configs).
 */
import type { Resource } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { resourcesForHost } from "../host.js";
import { seedContext } from "../testing/seed-cluster.js";

const worker1 = (): Resource[] => {
  const r = resourcesForHost(seedContext("worker1"));
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};
const byId = (rs: readonly Resource[], id: string): Resource => {
  const r = rs.find((x) => `${x.kind}[${x.name}]` === id);
  if (!r) throw new Error(`no ${id} among ${rs.map((x) => `${x.kind}[${x.name}]`).join(" ")}`);
  return r;
};
const props = (rs: readonly Resource[], id: string) => byId(rs, id).props as Record<string, unknown>;

const FLANNELD_SERVICE = `[Unit]
Description=Network fabric for containers
After=network.target
After=network-online.target
Wants=network-online.target
Before=docker.service

[Service]
Type=notify
Restart=always
RestartSec=5
LimitNOFILE=40000
LimitNPROC=1048576
ExecStartPre=/bin/mkdir -p /run/flannel
ExecStart=/usr/local/sbin/flanneld \\
  -etcd-cafile=/var/lib/kubernetes/ca-etcd.pem \\
  -etcd-certfile=/var/lib/kubernetes/cert-etcd.pem \\
  -etcd-endpoints=https://10.8.0.101:2379 \\
  -etcd-keyfile=/var/lib/kubernetes/cert-etcd-key.pem \\
  -etcd-prefix=/kubernetes-cluster/network \\
  -healthz-ip=0.0.0.0 \\
  -healthz-port=0 \\
  -iface=wg0 \\
  -ip-masq=true \\
  -public-ip=10.8.0.121 \\
  -subnet-file=/run/flannel/subnet.env

[Install]
WantedBy=multi-user.target
RequiredBy=docker.service
`;

const DOCKER_SOCKET = `[Unit]
Documentation=https://github.com/docker/docker/tree/master/contrib/init/systemd
Description=Docker Socket for the API
PartOf=docker.service

[Socket]
ListenStream=/var/run/docker.sock
SocketMode=0660
SocketUser=root
SocketGroup=docker

[Install]
WantedBy=sockets.target
`;

const DOCKER_SERVICE = `[Unit]
Description=Docker Application Container Engine
Documentation=https://docs.docker.com
After=network-online.target docker.socket
Wants=network-online.target
Requires=docker.socket

[Service]
Type=notify
ExecStart=/usr/local/bin/dockerd \\
  --bip= \\
  --host=unix:///var/run/docker.sock \\
  --ip-masq=false \\
  --iptables=false \\
  --log-level=error \\
  --mtu=1472 \\
  --storage-driver=overlay
ExecReload=/bin/kill -s HUP $MAINPID
LimitNOFILE=1048576
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
TimeoutStartSec=0
Delegate=yes
KillMode=process
Restart=on-failure
RestartSec=2
StartLimitBurst=3
StartLimitInterval=60s

[Install]
WantedBy=multi-user.target
`;

const KUBELET_SERVICE = `[Unit]
Description=Kubernetes Kubelet
Documentation=https://github.com/GoogleCloudPlatform/kubernetes
After=docker.service
Requires=docker.service

[Service]
ExecStart=/usr/local/bin/kubelet \\
  --cloud-provider= \\
  --cni-bin-dir=/opt/cni/bin \\
  --cni-conf-dir=/etc/cni/net.d \\
  --config=/var/lib/kubelet/kubelet-config.yaml \\
  --container-runtime=docker \\
  --image-pull-progress-deadline=2m \\
  --kubeconfig=/var/lib/kubelet/kubeconfig \\
  --network-plugin=cni \\
  --node-ip=10.8.0.121 \\
  --register-node=true
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
`;

const KUBE_PROXY_SERVICE = `[Unit]
Description=Kubernetes Kube Proxy
Documentation=https://github.com/GoogleCloudPlatform/kubernetes

[Service]
ExecStart=/usr/local/bin/kube-proxy \\
  --config=/var/lib/kube-proxy/kubeproxy-config.yaml
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
`;

describe("seed defaults on worker1 match SPEC.md", () => {
  const rs = worker1();

  it.each([
    ["flanneld.service", FLANNELD_SERVICE],
    ["docker.socket", DOCKER_SOCKET],
    ["docker.service", DOCKER_SERVICE],
    ["kubelet.service", KUBELET_SERVICE],
    ["kube-proxy.service", KUBE_PROXY_SERVICE],
  ])("unit %s has SPEC's sections and lines byte for byte, mode 0644", (name, text) => {
    expect(props(rs, `unit[${name}]`)).toEqual({ content: text, mode: 0o644 });
  });

  it.each([
    ["/var/lib/kubernetes", 0o700],
    ["/etc/cni/net.d", 0o755],
    ["/opt/tmp", 0o750],
    ["/var/lib/kubelet", 0o700],
    ["/var/lib/kube-proxy", 0o700],
    ["/opt/cni", 0o700],
    ["/opt/cni/bin", 0o700],
  ])("directory %s has mode %o and is root:root", (path, mode) => {
    expect(props(rs, `directory[${path}]`)).toEqual({ mode, owner: "root", group: "root" });
  });

  it.each([
    ["ca-etcd.pem", false],
    ["ca-etcd-key.pem", true],
    ["cert-etcd.pem", false],
    ["cert-etcd-key.pem", true],
    ["ca-k8s-apiserver.pem", false],
    ["ca-k8s-apiserver-key.pem", true],
    ["cert-k8s-apiserver.pem", false],
    ["cert-k8s-apiserver-key.pem", true],
    ["cert-worker1.pem", false],
    ["cert-worker1-key.pem", true],
  ])(
    "certificate %s is copied from the controller's ~/k8s/certs, 0640 root:root, sensitive=%s",
    (name, secret) => {
      expect(props(rs, `file[/var/lib/kubernetes/${name}]`)).toEqual({
        source: `/home/da_user/k8s/certs/${name}`,
        mode: 0o640,
        owner: "root",
        group: "root",
        sensitive: secret,
      });
    },
  );

  it("kubeconfigs come from ~/k8s/configs, 0600 and sensitive", () => {
    expect(props(rs, "file[/var/lib/kubelet/kubeconfig]")).toMatchObject({
      source: "/home/da_user/k8s/configs/worker1.kubeconfig",
      mode: 0o600,
      sensitive: true,
    });
    expect(props(rs, "file[/var/lib/kube-proxy/kubeconfig]")).toMatchObject({
      source: "/home/da_user/k8s/configs/kube-proxy.kubeconfig",
      mode: 0o600,
      sensitive: true,
    });
  });

  it("kubelet-config.yaml is SPEC's KubeletConfiguration, 0600", () => {
    const p = props(rs, "file[/var/lib/kubelet/kubelet-config.yaml]");
    expect(p).toMatchObject({ mode: 0o600, format: "yaml", owner: "root", group: "root" });
    expect(parse(p.content as string)).toEqual({
      kind: "KubeletConfiguration",
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      address: "10.8.0.121",
      authentication: {
        anonymous: { enabled: false },
        webhook: { enabled: true },
        x509: { clientCAFile: "/var/lib/kubernetes/ca-k8s-apiserver.pem" },
      },
      authorization: { mode: "Webhook" },
      clusterDomain: "cluster.local",
      clusterDNS: ["10.32.0.254"],
      failSwapOn: true,
      healthzBindAddress: "10.8.0.121",
      healthzPort: 10248,
      runtimeRequestTimeout: "15m",
      serializeImagePulls: false,
      tlsCertFile: "/var/lib/kubernetes/cert-worker1.pem",
      tlsPrivateKeyFile: "/var/lib/kubernetes/cert-worker1-key.pem",
    });
  });

  it("kubeproxy-config.yaml is SPEC's KubeProxyConfiguration, 0600", () => {
    const p = props(rs, "file[/var/lib/kube-proxy/kubeproxy-config.yaml]");
    expect(p).toMatchObject({ mode: 0o600, format: "yaml" });
    expect(p.content).toBe(`kind: KubeProxyConfiguration
apiVersion: kubeproxy.config.k8s.io/v1alpha1
bindAddress: 10.8.0.121
clientConnection:
  kubeconfig: /var/lib/kube-proxy/kubeconfig
healthzBindAddress: 10.8.0.121:10256
mode: ipvs
ipvs:
  minSyncPeriod: 0s
  scheduler: ""
  syncPeriod: 2s
iptables:
  masqueradeAll: true
clusterCIDR: 10.200.0.0/16
`);
  });

  it("10-flannel.conflist is the flannel_cni_conf JSON, 0600", () => {
    const p = props(rs, "file[/etc/cni/net.d/10-flannel.conflist]");
    expect(p).toMatchObject({ mode: 0o600, format: "json" });
    expect(JSON.parse(p.content as string)).toEqual({
      name: "cni0",
      cniVersion: "0.3.1",
      plugins: [
        { type: "flannel", delegate: { hairpinMode: true, isDefaultGateway: true } },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    });
  });

  it("flanneld is downloaded from the GitHub release to /usr/local/sbin, 0750, without a checksum", () => {
    expect(byId(rs, "download[/usr/local/sbin/flanneld]")).toMatchObject({
      props: {
        url: "https://github.com/coreos/flannel/releases/download/v0.10.0/flanneld-amd64",
        checksum: null,
        mode: 0o750,
      },
      notify: ["service[flanneld]"],
    });
  });

  it("docker's eight binaries come from the static archive's docker/ folder, 0755, restarting docker", () => {
    expect(byId(rs, "archive[/usr/local/bin]")).toMatchObject({
      props: {
        dest: "/usr/local/bin",
        url: "https://download.docker.com/linux/static/stable/x86_64/docker-18.09.6.tgz",
        members: [
          "containerd",
          "containerd-shim",
          "ctr",
          "docker",
          "dockerd",
          "docker-init",
          "docker-proxy",
          "runc",
        ],
        strip: 1,
        mode: 0o755,
      },
      notify: ["service[docker]"],
    });
  });

  it("the CNI archive is kept as /opt/tmp/0.7.5.tgz 0640, checked by sha512, unpacked into /opt/cni/bin restarting kubelet", () => {
    const sha512 = { algo: "sha512", hex: expect.stringMatching(/^1abfb567/) };
    expect(props(rs, "download[/opt/tmp/0.7.5.tgz]")).toMatchObject({
      url: "https://github.com/containernetworking/plugins/releases/download/v0.7.5/cni-plugins-amd64-v0.7.5.tgz",
      checksum: sha512,
      mode: 0o640,
    });
    expect(byId(rs, "archive[/opt/cni/bin]")).toMatchObject({
      props: { dest: "/opt/cni/bin", archive: "/opt/tmp/0.7.5.tgz", checksum: sha512 },
      notify: ["service[kubelet]"],
    });
  });

  it.each(["kube-proxy", "kubelet", "kubectl"])(
    "%s comes from the release bucket, verified by its .sha256, 0755, restarting kube-proxy and kubelet",
    (bin) => {
      expect(byId(rs, `download[/usr/local/bin/${bin}]`)).toMatchObject({
        props: {
          url: `https://storage.googleapis.com/kubernetes-release/release/v1.17.4/bin/linux/amd64/${bin}`,
          checksum: { algo: "sha256", hex: expect.stringMatching(/^[0-9a-f]{64}$/) },
          mode: 0o755,
        },
        notify: ["service[kube-proxy]", "service[kubelet]"],
      });
    },
  );

  it("docker runs as group docker gid 666 and user docker uid 666 with nologin", () => {
    expect(props(rs, "group[docker]")).toEqual({ gid: 666 });
    expect(props(rs, "user[docker]")).toEqual({ uid: 666, group: "docker", shell: "/usr/sbin/nologin" });
  });

  it("services are ordered flanneld → docker → kubelet and kube-proxy", () => {
    expect(byId(rs, "service[docker]").deps).toContain("service[flanneld]");
    expect(byId(rs, "service[kubelet]").deps).toContain("service[docker]");
    expect(byId(rs, "service[kube-proxy]").deps).toContain("service[docker]");
  });

  it("every unit change restarts its own service", () => {
    expect(byId(rs, "unit[flanneld.service]").notify).toEqual(["service[flanneld]"]);
    expect(byId(rs, "unit[docker.socket]").notify).toEqual(["service[docker]"]);
    expect(byId(rs, "unit[docker.service]").notify).toEqual(["service[docker]"]);
    expect(byId(rs, "unit[kubelet.service]").notify).toEqual(["service[kubelet]"]);
    expect(byId(rs, "unit[kube-proxy.service]").notify).toEqual(["service[kube-proxy]"]);
  });

  it("the worker has swap off, IPVS/conntrack/br_netfilter/overlay modules, both sysctls and Debian's packages", () => {
    const ids = rs.map((r) => `${r.kind}[${r.name}]`);
    expect(ids).toEqual(
      expect.arrayContaining([
        "swap[off]",
        "kmod[overlay]",
        ...["ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh", "nf_conntrack", "br_netfilter"].map(
          (m) => `kmod[${m}]`,
        ),
        "sysctl[net.bridge.bridge-nf-call-iptables]",
        "sysctl[net.ipv4.ip_forward]",
        ...[
          "ebtables",
          "ethtool",
          "ipset",
          "conntrack",
          "iptables",
          "iptstate",
          "netstat-nat",
          "socat",
          "netbase",
        ].map((p) => `package[${p}]`),
      ]),
    );
    expect(props(rs, "sysctl[net.bridge.bridge-nf-call-iptables]")).toEqual({ value: "1" });
    expect(byId(rs, "sysctl[net.bridge.bridge-nf-call-iptables]").deps).toEqual(["kmod[br_netfilter]"]);
  });

  it("no registry CA certificates and no update-ca-certificates by default", () => {
    expect(rs.some((r) => r.kind === "command")).toBe(false);
  });

  it("every declared service is enabled and running", () => {
    const services = rs.filter((r) => r.kind === "service");
    expect(services.map((s) => s.name).sort()).toEqual(["docker", "flanneld", "kube-proxy", "kubelet"]);
    for (const s of services) expect(s.props).toEqual({ enabled: true, state: "running" });
  });
});
