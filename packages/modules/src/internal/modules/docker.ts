/**
 * Docker from the static binaries archive on every host of `k8s`: optional
 * registry CA certificates, the docker user and group, the binaries, the
 * socket and service units, and the running service (after flanneld).
 */
import { type Declared, type ResourceId, resourceId } from "@tend/core";
import { declarer, join, type ModuleInput, ROOT, serviceId } from "../context.js";
import { dockerUrl } from "../downloads.js";
import { renderUnit } from "../render/unit.js";
import { cachePathFor } from "./artifacts.js";

const declare = declarer("@tend/modules/docker");

/** Members of the archive's `docker/` folder installed into `docker_bin_dir`. */
export const DOCKER_BINARIES: readonly string[] = [
  "containerd",
  "containerd-shim",
  "ctr",
  "docker",
  "dockerd",
  "docker-init",
  "docker-proxy",
  "runc",
];

/**
 * Succeeds when every given certificate is already in the system bundle, so
 * update-ca-certificates runs only when one changed (the role runs it every
 * time). Paths arrive as arguments ($@), never spliced into the script.
 */
const CA_BUNDLE_CHECK =
  'b=$(tr -d "\\r\\n" < /etc/ssl/certs/ca-certificates.crt) || exit 1; ' +
  'for f in "$@"; do c=$(tr -d "\\r\\n" < "$f") || exit 1; case "$b" in *"$c"*) ;; *) exit 1;; esac; done';

/** docker.socket. */
export const dockerSocketUnit = (v: ModuleInput["vars"]): string =>
  renderUnit([
    {
      name: "Unit",
      entries: [
        ["Documentation", "https://github.com/docker/docker/tree/master/contrib/init/systemd"],
        ["Description", "Docker Socket for the API"],
        ["PartOf", "docker.service"],
      ],
    },
    {
      name: "Socket",
      entries: [
        ["ListenStream", "/var/run/docker.sock"],
        ["SocketMode", "0660"],
        ["SocketUser", "root"],
        ["SocketGroup", v.docker_group],
      ],
    },
    { name: "Install", entries: [["WantedBy", "sockets.target"]] },
  ]);

/** docker.service with the merged dockerd settings as `--key=value` flags. */
export const dockerServiceUnit = (v: ModuleInput["vars"]): string =>
  renderUnit([
    {
      name: "Unit",
      entries: [
        ["Description", "Docker Application Container Engine"],
        ["Documentation", "https://docs.docker.com"],
        ["After", "network-online.target docker.socket"],
        ["Wants", "network-online.target"],
        ["Requires", "docker.socket"],
      ],
    },
    {
      name: "Service",
      entries: [
        ["Type", "notify"],
        [
          "ExecStart",
          { executable: join(v.docker_bin_dir, "dockerd"), settings: v.dockerd_settings, style: "--" },
        ],
        ["ExecReload", "/bin/kill -s HUP $MAINPID"],
        ["LimitNOFILE", "1048576"],
        ["LimitNPROC", "infinity"],
        ["LimitCORE", "infinity"],
        ["TasksMax", "infinity"],
        ["TimeoutStartSec", "0"],
        ["Delegate", "yes"],
        ["KillMode", "process"],
        ["Restart", "on-failure"],
        ["RestartSec", "2"],
        ["StartLimitBurst", "3"],
        ["StartLimitInterval", "60s"],
      ],
    },
    { name: "Install", entries: [["WantedBy", "multi-user.target"]] },
  ]);

/** The docker module's resources; `after` are ids docker must wait for (kernel modules). */
export const docker = (input: ModuleInput, after: readonly ResourceId[] = []): Declared[] => {
  const v = input.vars;
  const restart = [serviceId("docker")];

  const caFiles = v.docker_ca_certificates.map((c) =>
    declare.file(join(v.docker_ca_certificates_dst_dir, c), {
      source: join(v.docker_ca_certificates_src_dir, c),
      mode: 0o644,
      ...ROOT,
    }),
  );
  const caUpdate =
    caFiles.length > 0
      ? [
          declare.command(
            "update-ca-certificates",
            {
              argv: ["update-ca-certificates"],
              unless: ["sh", "-c", CA_BUNDLE_CHECK, "sh", ...caFiles.map((f) => f.name)],
            },
            { deps: caFiles.map(resourceId) },
          ),
        ]
      : [];

  const group = declare.group(v.docker_group, { gid: v.docker_gid });
  const user = declare.user(v.docker_user, {
    uid: v.docker_uid,
    group: v.docker_group,
    shell: "/usr/sbin/nologin",
  });
  const downloadDir = declare.directory(v.docker_download_dir, { mode: 0o750, ...ROOT });

  const url = dockerUrl(v);
  const checksum = v.docker_checksum ? { algo: "sha256" as const, hex: v.docker_checksum } : null;
  const extract = {
    dest: v.docker_bin_dir,
    checksum,
    members: [...DOCKER_BINARIES],
    strip: 1,
    mode: 0o755,
    ...ROOT,
  };
  const binaries: Declared[] =
    v.tend_download_mode === "controller"
      ? (() => {
          const copy = join(v.docker_download_dir, `docker-${v.docker_version}.tgz`);
          return [
            declare.file(copy, {
              source: cachePathFor(input, url),
              mode: 0o640,
              ...ROOT,
              format: "binary",
            }),
            declare.archive(v.docker_bin_dir, { ...extract, archive: copy }, { notify: restart }),
          ];
        })()
      : [declare.archive(v.docker_bin_dir, { ...extract, url }, { notify: restart })];

  const socket = declare.unit(
    "docker.socket",
    { content: dockerSocketUnit(v), mode: 0o644 },
    { notify: restart },
  );
  const unit = declare.unit(
    "docker.service",
    { content: dockerServiceUnit(v), mode: 0o644 },
    { notify: restart },
  );
  const service = declare.service(
    "docker",
    { enabled: true, state: "running" },
    { deps: [serviceId("flanneld"), resourceId(group), ...caUpdate.map(resourceId), ...after] },
  );
  return [...caFiles, ...caUpdate, group, user, downloadDir, ...binaries, socket, unit, service];
};
