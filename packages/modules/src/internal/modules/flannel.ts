/**
 * flanneld on every host of `k8s`: etcd certificates, the network config in
 * etcd (written from the first k8s_etcd host only), the binary, the unit,
 * the CNI config, and the running service. Set up before Docker.
 */
import { type Declared, ipv4Of, resourceId } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { declarer, isSecretFile, join, type ModuleInput, ROOT, serviceId } from "../context.js";
import { flannelUrl } from "../downloads.js";
import type { ModuleError } from "../errors.js";
import { renderJson } from "../render/config.js";
import { renderUnit } from "../render/unit.js";
import { cachePathFor } from "./artifacts.js";

const declare = declarer("@tend/modules/flannel");

/** `https://<ip>:<port>` of every k8s_etcd host, in inventory order, from their facts. */
export const etcdEndpoints = (input: ModuleInput): E.Either<ModuleError[], string> => {
  const etcdHosts = input.cluster.hostsOf("k8s_etcd");
  if (etcdHosts.length === 0) return E.left([{ _tag: "NoEtcdHosts", host: input.host }]);
  const errors: ModuleError[] = [];
  const urls: string[] = [];
  for (const h of etcdHosts) {
    const facts = h === input.host ? input.facts : input.cluster.factsOf(h);
    if (!facts) {
      errors.push({
        _tag: "MissingHostFacts",
        host: h,
        neededBy: input.host,
        why: "flanneld's etcd-endpoints",
      });
      continue;
    }
    // The other host's interface is named by this host's k8s_interface: the
    // cluster shares one VPN interface name (the seed sets it in group_vars/all).
    const ip = ipv4Of(facts, input.vars.k8s_interface);
    if (ip === undefined) {
      errors.push({
        _tag: "MissingInterfaceAddress",
        host: h,
        interface: input.vars.k8s_interface,
        neededBy: input.host,
      });
      continue;
    }
    urls.push(`https://${ip}:${input.vars.etcd_client_port}`);
  }
  return errors.length > 0 ? E.left(errors) : E.right(urls.join(","));
};

/** The flanneld.service text for merged settings (etcd-endpoints included). */
export const flanneldUnit = (v: ModuleInput["vars"], settings: Readonly<Record<string, string>>): string =>
  renderUnit([
    {
      name: "Unit",
      entries: [
        ["Description", "Network fabric for containers"],
        ["After", "network.target"],
        ["After", "network-online.target"],
        ["Wants", "network-online.target"],
        ["Before", "docker.service"],
      ],
    },
    {
      name: "Service",
      entries: [
        ["Type", "notify"],
        ["Restart", "always"],
        ["RestartSec", v.flannel_systemd_restartsec],
        ["LimitNOFILE", v.flannel_systemd_limitnofile],
        ["LimitNPROC", v.flannel_systemd_limitnproc],
        ["ExecStartPre", v.flannel_systemd_execstartpre],
        ["ExecStartPost", v.flannel_systemd_execstartpost],
        ["ExecStart", { executable: join(v.flannel_bin_dir, "flanneld"), settings, style: "-" }],
      ],
    },
    {
      name: "Install",
      entries: [
        ["WantedBy", "multi-user.target"],
        ["RequiredBy", "docker.service"],
      ],
    },
  ]);

/** The flannel module's resources for one host. */
export const flannel = (input: ModuleInput): E.Either<ModuleError[], Declared[]> => {
  const v = input.vars;
  const endpoints = etcdEndpoints(input);
  if (E.isLeft(endpoints)) return endpoints;
  const settings: Record<string, string> = { "etcd-endpoints": endpoints.right, ...v.flannel_settings };
  const restart = [serviceId("flanneld")];

  const confDir = declare.directory(v.k8s_conf_dir, { mode: 0o700, ...ROOT });
  const certs = v.etcd_certificates.map((c) =>
    declare.file(join(v.k8s_conf_dir, c), {
      source: join(v.k8s_ca_conf_directory, c),
      mode: 0o640,
      ...ROOT,
      sensitive: isSecretFile(c),
    }),
  );
  const certIds = certs.map(resourceId);

  // Written once per cluster, from the first etcd host, which runs etcd locally.
  const firstEtcd = input.cluster.hostsOf("k8s_etcd")[0];
  const prefix = settings["etcd-prefix"] ?? v.flannel_etcd_prefix;
  const etcdKey =
    firstEtcd === input.host
      ? [
          declare.etcdKey(
            `${prefix.replace(/\/+$/, "")}/config`,
            {
              value: JSON.stringify({
                Network: v.flannel_ip_range,
                Backend: { Type: v.flannel_backend_type },
              }),
              etcdctl: join(v.etcd_bin_dir, "etcdctl"),
              endpoints: `https://127.0.0.1:${v.etcd_client_port}`,
              caFile: join(v.k8s_conf_dir, "ca-etcd.pem"),
              certFile: join(v.k8s_conf_dir, "cert-etcd.pem"),
              keyFile: join(v.k8s_conf_dir, "cert-etcd-key.pem"),
              // flannel v0.10.0 reads its config through etcd's v2 API.
              api: "v2",
              format: "json",
            },
            { deps: certIds },
          ),
        ]
      : [];

  const binaryPath = join(v.flannel_bin_dir, "flanneld");
  const url = flannelUrl(v);
  const binary =
    v.tend_download_mode === "controller"
      ? declare.file(
          binaryPath,
          { source: cachePathFor(input, url), mode: 0o750, ...ROOT, format: "binary" },
          { notify: restart },
        )
      : declare.download(
          binaryPath,
          {
            url,
            checksum: v.flannel_checksum ? { algo: "sha256", hex: v.flannel_checksum } : null,
            mode: 0o750,
            ...ROOT,
          },
          { notify: restart },
        );

  const unit = declare.unit(
    "flanneld.service",
    { content: flanneldUnit(v, settings), mode: 0o644 },
    { notify: restart },
  );
  const cniDir = declare.directory(v.k8s_cni_conf_dir, { mode: 0o755, ...ROOT });
  const conflist = declare.file(join(v.k8s_cni_conf_dir, `${v.flannel_cni_conf_file}.conflist`), {
    content: renderJson(v.flannel_cni_conf),
    mode: 0o600,
    ...ROOT,
    format: "json",
  });
  const service = declare.service(
    "flanneld",
    { enabled: true, state: "running" },
    { deps: [...certIds, ...etcdKey.map(resourceId)] },
  );
  return E.right([confDir, ...certs, ...etcdKey, binary, unit, cniDir, conflist, service]);
};
