/**
 * The validation phase through main(), with the real worker modules: every
 * bad variable, interpolation, controller file and selection in the table is
 * refused with a message naming the thing, exit 1, no connection attempted
 * (deps.openTarget never called) and nothing done on the controller (no
 * fetch, nothing in the cache, no file a hostile value tried to create).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Target } from "@tend/core";
import { left } from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { main } from "./index.js";
import type { Connection } from "./internal/connect.js";
import { workerModules } from "./internal/engine-bridge.js";
import type { Deps } from "./internal/facade.js";
import { inventoryFile, motdModules, recordingIo, simDeps, simHost, tempDir } from "./test-support.js";

const WORKERS = Array.from({ length: 10 }, (_, i) => `worker${i + 1}`);
const CERTS = [
  "ca-etcd.pem",
  "ca-etcd-key.pem",
  "cert-etcd.pem",
  "cert-etcd-key.pem",
  "ca-k8s-apiserver.pem",
  "ca-k8s-apiserver-key.pem",
  "cert-k8s-apiserver.pem",
  "cert-k8s-apiserver-key.pem",
  ...WORKERS.flatMap((w) => [`cert-${w}.pem`, `cert-${w}-key.pem`]),
];

/** The seed's shape: one etcd host and ten workers, certificates and kubeconfigs on the "controller". */
const fleet = () => {
  const dir = tempDir("validate-");
  for (const d of ["certs", "configs", "group_vars", "host_vars", "cache"]) mkdirSync(join(dir, d));
  for (const c of CERTS) writeFileSync(join(dir, "certs", c), `-----BEGIN ${c}-----\n`);
  for (const k of [...WORKERS.map((w) => `${w}.kubeconfig`), "kube-proxy.kubeconfig"])
    writeFileSync(join(dir, "configs", k), `kind: Config # ${k}\n`);
  writeFileSync(
    join(dir, "group_vars", "all.yml"),
    [
      "# the fleet's shared variables",
      'k8s_interface: "wg0"',
      `k8s_ca_conf_directory: "${join(dir, "certs")}"`,
      `k8s_config_directory: "${join(dir, "configs")}"`,
      "",
    ].join("\n"),
  );
  const inv = join(dir, "hosts.ini");
  writeFileSync(
    inv,
    `[k8s_etcd]\netcd1\n[k8s_worker]\n${WORKERS.join("\n")}\n[k8s:children]\nk8s_etcd\nk8s_worker\n`,
  );
  const opened: string[] = [];
  const fetched: string[] = [];
  const deps: Deps = {
    modules: workerModules,
    openTarget: async (c: Connection) => {
      opened.push(c.host);
      return left(`${c.host}: cannot connect: no hosts in this test`);
    },
    fetch: async (url) => {
      fetched.push(url);
      return new Response("not found", { status: 404 });
    },
    cacheDir: join(dir, "cache"),
    user: "tester",
    localHost: "controller",
  };
  return { dir, inv, deps, opened, fetched, marker: join(dir, "pwned") };
};

type Fleet = ReturnType<typeof fleet>;

/** One bad input: how it is made, what the message must name. */
interface Case {
  /** The promise, as the test name. */
  readonly name: string;
  /** YAML of host_vars/worker1.yml (the message must name that file and a line). */
  readonly vars?: string;
  /** Other changes to the fleet's files; `marker` is a path no value may create. */
  readonly setup?: (f: Fleet) => void;
  /** Command-line arguments after `-i INV` (default: plan). */
  readonly argv?: readonly string[];
  /** What the messages must contain (the variable, the expectation). */
  readonly says: readonly (string | RegExp | ((f: Fleet) => string))[];
}

const hostVars = (f: Fleet, host: string, text: string, ext = "yml") =>
  writeFileSync(join(f.dir, "host_vars", `${host}.${ext}`), text);

const cases: readonly Case[] = [
  // the current roles' generation (containerd, Kubernetes 1.34) is validated by its own variables and files
  {
    name: "a worker of the current roles whose own certificate is missing",
    setup: (f) => {
      hostVars(f, "worker1", 'k8s_worker_release: "1.34.4"\n');
      rmSync(join(f.dir, "certs", "cert-worker1.pem"));
    },
    argv: ["validate"],
    says: [
      "k8s_ca_conf_directory",
      (f) => `${join(f.dir, "certs", "cert-worker1.pem")} does not exist`,
      "host: worker1",
    ],
  },
  // the modules' health gates: retries, backoff and timeout, each bounded and bounded together
  {
    name: "negative tend_health_retries",
    vars: "tend_health_retries: -1\n",
    argv: ["apply", "--yes", "--batch", "1"],
    says: ["tend_health_retries", "an integer from 0 to 10", "-1 is out of range"],
  },
  {
    name: "huge tend_health_retries",
    vars: "tend_health_retries: 1000000000000000000000\n",
    argv: ["apply", "--yes", "--batch", "1"],
    says: ["tend_health_retries", "an integer from 0 to 10"],
  },
  {
    name: "tend_health_retries that is a word",
    vars: "tend_health_retries: forever\n",
    says: ["tend_health_retries", 'got "forever"'],
  },
  {
    name: "tend_health_retries from a template that runs a command",
    vars: "tend_health_retries: \"{{ lookup('pipe', 'touch MARKER') }}\"\n",
    argv: ["apply", "--yes", "--batch", "1"],
    says: ["tend_health_retries", "unsupported expression"],
  },
  {
    name: "an empty template as tend_health_timeout",
    vars: 'tend_health_timeout: "{{ }}"\n',
    says: ["tend_health_timeout"],
  },
  {
    name: "tend_health_backoff of a year",
    vars: "tend_health_backoff: 365d\n",
    says: ["tend_health_backoff", "a duration from 0 to 1min", "out of range"],
  },
  {
    name: "a negative tend_health_backoff",
    vars: "tend_health_backoff: -5s\n",
    says: ["tend_health_backoff", 'got "-5s"'],
  },
  {
    name: "tend_health_timeout of a second and a half",
    vars: "tend_health_timeout: 1500ms\n",
    says: ["tend_health_timeout", "not a whole number of seconds"],
  },
  {
    name: "tend_health_timeout infinity",
    vars: "tend_health_timeout: infinity\n",
    says: ["tend_health_timeout", "whole seconds from 1s to 5min"],
  },
  {
    name: "retries and backoff that together would wait hours",
    vars: "tend_health_retries: 10\ntend_health_backoff: 1min\n",
    argv: ["apply", "--yes", "--batch", "1"],
    says: ["tend_health_retries", "could wait", "lower tend_health_retries or tend_health_backoff"],
  },
  {
    name: "a misspelt tend_health_retries",
    vars: "tend_health_retry: 2\n",
    says: ["tend_health_retry", "did you mean tend_health_retries?"],
  },
  // types and ranges
  {
    name: "a port above 65535",
    vars: "etcd_client_port: 70000\n",
    says: ["etcd_client_port", "TCP port (1-65535)", "out of range"],
  },
  { name: "port 0", vars: "etcd_client_port: 0\n", says: ["etcd_client_port", "0 is out of range 1-65535"] },
  {
    name: "a port that is a word",
    vars: "etcd_client_port: http\n",
    says: ["etcd_client_port", 'got "http"'],
  },
  { name: "a negative uid", vars: "docker_uid: -1\n", says: ["docker_uid", "user or group id"] },
  { name: "a gid that is not a number", vars: "docker_gid: many\n", says: ["docker_gid", 'got "many"'] },
  {
    name: "a CIDR without prefix length",
    vars: "flannel_ip_range: 10.200.0.0\n",
    says: ["flannel_ip_range", "IPv4 CIDR"],
  },
  {
    name: "a CIDR with an octet above 255",
    vars: "flannel_ip_range: 10.300.0.0/16\n",
    says: ["flannel_ip_range", "octet is not 0-255"],
  },
  {
    name: "a CIDR with prefix /33",
    vars: "flannel_ip_range: 10.200.0.0/33\n",
    says: ["flannel_ip_range", "prefix length 33"],
  },
  {
    name: "a release that is not a version",
    vars: "k8s_release: latest\n",
    says: ["k8s_release", "a version"],
  },
  {
    name: "a version with a path in it",
    vars: 'flannel_version: "v0.10.0/../../x"\n',
    says: ["flannel_version", "a version"],
  },
  {
    name: "a CNI version that climbs out of the download directory",
    vars: 'k8s_cni_plugin_version: "../../etc/cron.d/x"\n',
    says: ["k8s_cni_plugin_version", "a version"],
  },
  {
    name: "a sha512 one digit short",
    vars: `k8s_cni_plugin_checksum: "${"a".repeat(127)}"\n`,
    says: ["k8s_cni_plugin_checksum", "127 hex digits, not 128"],
  },
  {
    name: "a sha512 with a non-hex digit",
    vars: `k8s_cni_plugin_checksum: "${"g".repeat(128)}"\n`,
    says: ["k8s_cni_plugin_checksum", '"g" at position 1 is not a hex digit'],
  },
  {
    name: "a sha256 of 63 digits",
    vars: `docker_checksum: "${"0".repeat(63)}"\n`,
    says: ["docker_checksum", "sha256 digest (64 hex digits)", "63 hex digits"],
  },
  {
    name: "a bad digest inside the binary checksum map",
    vars: "k8s_worker_binary_checksums:\n  kubelet: abc\n",
    says: ["k8s_worker_binary_checksums.kubelet", "sha256"],
  },
  {
    name: "a duration in an unknown unit",
    vars: 'flannel_systemd_restartsec: "5 parsecs"\n',
    says: ["flannel_systemd_restartsec", "a duration"],
  },
  {
    name: "a negative duration",
    vars: "flannel_systemd_restartsec: -1\n",
    says: ["flannel_systemd_restartsec", "a duration"],
  },
  {
    name: "a kubelet deadline that is not a Go duration",
    vars: "k8s_worker_kubelet_settings_user:\n  image-pull-progress-deadline: 2 minutes\n",
    says: ["k8s_worker_kubelet_settings_user.image-pull-progress-deadline", "a Go duration"],
  },
  {
    name: "a limit that is a word",
    vars: "flannel_systemd_limitnofile: lots\n",
    says: ["flannel_systemd_limitnofile", "a limit"],
  },
  {
    name: "a boolean flag that is not one of Ansible's spellings",
    vars: "dockerd_settings_user:\n  iptables: maybe\n",
    says: ["dockerd_settings_user.iptables", "a boolean (true/false, yes/no, on/off, 1/0)"],
  },
  {
    name: "flannel's ip-masq given a non-boolean",
    vars: "flannel_settings_user:\n  ip-masq: sometimes\n",
    says: ["flannel_settings_user.ip-masq", "a boolean"],
  },
  {
    name: "kubelet's register-node given a sentence",
    vars: 'k8s_worker_kubelet_settings_user:\n  register-node: "yes please"\n',
    says: ["k8s_worker_kubelet_settings_user.register-node", "a boolean"],
  },
  {
    name: "an MTU below 68",
    vars: "dockerd_settings_user:\n  mtu: 20\n",
    says: ["dockerd_settings_user.mtu", "an MTU (68-65535)"],
  },
  // paths and names that would move a write elsewhere
  {
    name: "a relative path where an absolute one is needed",
    vars: "k8s_conf_dir: var/lib/kubernetes\n",
    says: ["k8s_conf_dir", "an absolute path", "it is relative"],
  },
  {
    name: "an absolute path with a .. segment",
    vars: "docker_bin_dir: /usr/local/../../etc\n",
    says: ["docker_bin_dir", "a .. segment"],
  },
  {
    name: "a NUL byte in a path",
    setup: (f) => hostVars(f, "worker1", JSON.stringify({ k8s_cni_bin_dir: "/opt/cni/bin\u0000/x" }), "json"),
    says: [/host_vars\/worker1\.json:1: k8s_cni_bin_dir/, "NUL byte"],
  },
  {
    name: "a certificate name that climbs out of its directory",
    vars: "etcd_certificates:\n  - ca-etcd.pem\n  - ../../etc/shadow\n",
    says: ["etcd_certificates[1]", "a file name", "it contains /"],
  },
  {
    name: "a CNI config file name with a line break",
    vars: 'flannel_cni_conf_file: "a\\nb"\n',
    says: ["flannel_cni_conf_file", "control character"],
  },
  {
    name: "a kernel module name that is a path",
    vars: "tend_kernel_modules:\n  - ../../etc/cron.d/evil\n",
    says: ["tend_kernel_modules[0]", "a kernel module name"],
  },
  {
    name: "a user name with shell characters",
    vars: 'docker_user: "root;touch /tmp/x"\n',
    says: ["docker_user", "a user or group name"],
  },
  {
    name: "an interface name with a slash",
    vars: "k8s_interface: eth0/../x\n",
    says: ["k8s_interface", "an interface name"],
  },
  {
    name: "a unit line with a line break that would add a directive",
    vars: "flannel_systemd_execstartpre: \"/bin/true\\nExecStartPre=/bin/sh -c 'touch MARKER'\"\n",
    says: ["flannel_systemd_execstartpre", "a string on one line"],
  },
  {
    name: "a daemon flag value with a line break",
    vars: 'dockerd_settings_user:\n  log-level: "error\\nExecStartPost=/bin/true"\n',
    says: ["dockerd_settings_user.log-level", "one line"],
  },
  {
    name: "a download URL with a line break",
    vars: 'tend_download_mirror: "http://mirror.test/\\nHost: evil"\n',
    says: ["tend_download_mirror", "an http(s) URL"],
  },
  // unknown variables
  {
    name: "a misspelt settings variable",
    vars: "dockerd_setings_user:\n  mtu: 1450\n",
    says: ["dockerd_setings_user", "unknown variable (did you mean dockerd_settings_user?)"],
  },
  {
    name: "a misspelt release variable",
    vars: "k8s_relase: 1.18.0\n",
    says: ["k8s_relase", "did you mean k8s_release?"],
  },
  {
    name: "a misspelt tend variable",
    vars: "tend_download_mod: controller\n",
    says: ["tend_download_mod", "did you mean tend_download_mode?"],
  },
  // interpolation
  {
    name: "a reference to an undefined name",
    vars: 'k8s_conf_dir: "{{ kube_root }}/kubernetes"\n',
    says: ["k8s_conf_dir", "{{ kube_root }} names a variable that is not defined"],
  },
  {
    name: "a reference cycle",
    vars: 'k8s_conf_dir: "{{ k8s_cni_dir }}/k"\nk8s_cni_dir: "{{ k8s_conf_dir }}/c"\n',
    says: ["interpolation cycle", "k8s_conf_dir -> k8s_cni_dir -> k8s_conf_dir"],
  },
  {
    name: "a Jinja filter",
    vars: "k8s_release: \"{{ k8s_version | default('1.17.4') }}\"\n",
    says: ["k8s_release", "unsupported expression", "default('1.17.4')"],
  },
  {
    name: "a Jinja block",
    vars: 'docker_version: "{% if x %}1{% endif %}"\n',
    says: ["docker_version", "unsupported expression {{ {% if x %} }}"],
  },
  {
    name: "an unterminated {{",
    vars: 'docker_version: "{{ docker_base"\n',
    says: ["docker_version", "unsupported expression"],
  },
  // controller-side files
  {
    name: "a certificate directory without the certificates",
    vars: "k8s_ca_conf_directory: /nonexistent/certs\n",
    says: [
      "k8s_ca_conf_directory",
      "controller file /nonexistent/certs/ca-etcd.pem does not exist",
      "listed in etcd_certificates",
    ],
  },
  {
    name: "a missing kubeconfig",
    setup: (f) => rmSync(join(f.dir, "configs", "worker3.kubeconfig")),
    says: [
      /group_vars\/all\.yml:4: k8s_config_directory/,
      (f) => `${join(f.dir, "configs", "worker3.kubeconfig")} does not exist`,
      "host: worker3",
    ],
  },
  {
    name: "a certificate that is a directory",
    setup: (f) => {
      rmSync(join(f.dir, "certs", "cert-worker2.pem"));
      mkdirSync(join(f.dir, "certs", "cert-worker2.pem"));
    },
    says: ["k8s_ca_conf_directory", "cert-worker2.pem is a directory, not a file", "host: worker2"],
  },
  {
    name: "a certificate that is a dangling symbolic link",
    setup: (f) => {
      rmSync(join(f.dir, "certs", "ca-etcd-key.pem"));
      symlinkSync(join(f.dir, "nowhere.pem"), join(f.dir, "certs", "ca-etcd-key.pem"));
    },
    says: ["ca-etcd-key.pem does not exist", "hosts: etcd1, worker1"],
  },
  {
    name: "a Docker CA certificate missing from its source directory",
    vars: "docker_ca_certificates:\n  - corp-root.crt\ndocker_ca_certificates_src_dir: /nonexistent/ca\n",
    says: [
      "docker_ca_certificates_src_dir",
      "/nonexistent/ca/corp-root.crt does not exist",
      "listed in docker_ca_certificates",
    ],
  },
  {
    name: "an inventory host name that would climb out of the certificate directory",
    setup: (f) =>
      writeFileSync(
        f.inv,
        `[k8s_etcd]\netcd1\n[k8s_worker]\n${WORKERS.join("\n")}\n../../etc/x\n[k8s:children]\nk8s_etcd\nk8s_worker\n`,
      ),
    says: ['host name "../../etc/x" cannot be used in file names', "it contains /"],
  },
  // selection and the phase
  {
    name: "--limit selecting the bad host",
    setup: (f) => hostVars(f, "worker2", "etcd_client_port: 99999\n"),
    argv: ["plan", "--limit", "worker2"],
    says: [/host_vars\/worker2\.yml:1: etcd_client_port/, "host: worker2"],
  },
  {
    name: "a problem in one host of ten stops every connection",
    setup: (f) => hostVars(f, "worker7", "# seven\ndocker_version: latest\n"),
    says: [
      /host_vars\/worker7\.yml:2: docker_version/,
      "host: worker7",
      "1 problem in 1 host; no host was contacted",
    ],
  },
  {
    name: "a problem in the shared group_vars is said once for every host",
    setup: (f) => writeFileSync(join(f.dir, "group_vars", "k8s.yml"), "flannel_backend_type: VXLAN!\n"),
    says: [
      /group_vars\/k8s\.yml:1: flannel_backend_type/,
      "hosts: etcd1, worker1, worker2",
      "and 1 more",
      "11 problems in 11 hosts",
    ],
  },
  {
    name: "connection and module problems of different hosts are reported together, by file",
    setup: (f) => {
      hostVars(f, "worker1", "ansible_port: 70000\n");
      hostVars(f, "worker2", "k8s_release: latest\n");
    },
    says: [
      /host_vars\/worker1\.yml:1: ansible_port: [^\n]*70000[\s\S]*host_vars\/worker2\.yml:1: k8s_release/,
      "2 problems in 2 hosts",
    ],
  },
  {
    name: "facts validates first",
    vars: "etcd_client_port: 70000\n",
    argv: ["facts"],
    says: ["etcd_client_port"],
  },
  {
    name: "apply -i validates first",
    vars: "etcd_client_port: 70000\n",
    argv: ["apply", "--yes"],
    says: ["etcd_client_port"],
  },
  {
    name: "validate reports and exits 1",
    vars: "k8s_release: latest\n",
    argv: ["validate"],
    says: ["k8s_release", "no host was contacted"],
  },
];

/** What no message may contain: a stack, a crash, a JavaScript value name. */
const NEVER = [/internal error/, /\bundefined\b/, /\[object Object\]/, /\n\s+at .*:\d+:\d+/];

describe("tend refuses bad configuration before contacting any host", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const f = fleet();
    if (c.vars !== undefined) hostVars(f, "worker1", c.vars.replaceAll("MARKER", f.marker));
    c.setup?.(f);
    const io = recordingIo();
    const code = await main(
      [...(c.argv ?? ["plan"]).slice(0, 1), "-i", f.inv, ...(c.argv ?? []).slice(1)],
      io,
      f.deps,
    );
    const err = io.err();
    expect(code, err).toBe(1);
    if (c.vars !== undefined) expect(err).toMatch(/host_vars\/worker1\.yml:\d+: /);
    for (const s of c.says) {
      if (s instanceof RegExp) expect(err).toMatch(s);
      else expect(err).toContain(typeof s === "function" ? s(f) : s);
    }
    for (const bad of NEVER) expect(err + io.out()).not.toMatch(bad);
    expect(f.opened).toEqual([]);
    expect(f.fetched).toEqual([]);
    expect(readdirSync(f.deps.cacheDir)).toEqual([]);
    expect(existsSync(f.marker)).toBe(false);
  });

  it("the table has at least 40 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });
});

describe("what passes validation goes on", () => {
  it("a clean fleet validates with exit 0 and contacts no host", async () => {
    const f = fleet();
    const io = recordingIo();
    expect(await main(["validate", "-i", f.inv], io, f.deps)).toBe(0);
    expect(io.out()).toContain("valid: 11 hosts checked, no problems");
    expect(f.opened).toEqual([]);
  });

  it("a clean fleet is planned: the phase lets the connections through", async () => {
    const f = fleet();
    await main(["plan", "-i", f.inv, "--limit", "worker1"], recordingIo(), f.deps);
    expect(f.opened.sort()).toEqual(["etcd1", "worker1"]);
  });

  it("--limit leaves out a bad host that is not selected", async () => {
    const f = fleet();
    hostVars(f, "worker2", "etcd_client_port: 99999\n");
    const io = recordingIo();
    expect(await main(["validate", "-i", f.inv, "--limit", "worker1"], io, f.deps)).toBe(0);
  });

  it("validate --json lists every problem as {host, file, line, variable, message}, sorted by file and line", async () => {
    const f = fleet();
    hostVars(f, "worker1", "# one\nk8s_release: latest\netcd_client_port: 0\n");
    hostVars(f, "worker2", "docker_uid: x\n");
    const io = recordingIo();
    expect(await main(["validate", "-i", f.inv, "--json"], io, f.deps)).toBe(1);
    const problems = JSON.parse(io.out()) as unknown[];
    expect(problems).toEqual([
      {
        host: "worker1",
        file: join(f.dir, "host_vars", "worker1.yml"),
        line: 2,
        variable: "k8s_release",
        message: expect.stringContaining("expected a version"),
      },
      {
        host: "worker1",
        file: join(f.dir, "host_vars", "worker1.yml"),
        line: 3,
        variable: "etcd_client_port",
        message: expect.stringContaining("0 is out of range 1-65535"),
      },
      {
        host: "worker2",
        file: join(f.dir, "host_vars", "worker2.yml"),
        line: 1,
        variable: "docker_uid",
        message: expect.stringContaining('got "x"'),
      },
    ]);
    expect(f.opened).toEqual([]);
  });

  it("a value that needs facts waits for them: an interface without an address fails at plan, naming it", async () => {
    const f = fleet();
    hostVars(f, "worker1", "k8s_interface: eth7\n");
    const io = recordingIo();
    const hosts = { etcd1: simHost("etcd1"), worker1: simHost("worker1") };
    const deps: Deps = {
      ...f.deps,
      openTarget: async (c) => {
        f.opened.push(c.host);
        const h = hosts[c.host as keyof typeof hosts];
        return h ? { _tag: "Right", right: h as Target } : left(`${c.host}: no`);
      },
    };
    expect(await main(["plan", "-i", f.inv, "--limit", "worker1"], io, deps)).toBe(1);
    expect(f.opened.sort()).toEqual(["etcd1", "worker1"]);
    expect(io.out()).toContain("interface eth7 has no IPv4 address");
  });

  it("apply of a saved plan contacts no host when one plan host has a bad connection variable", async () => {
    const inv = inventoryFile("hosts.ini", "[k8s_worker]\nw1\nw2\n");
    const hosts = { w1: simHost("w1"), w2: simHost("w2") };
    const planFile = join(tempDir("plan-"), "plan.json");
    expect(await main(["plan", "-i", inv, "--out", planFile], recordingIo(), simDeps(hosts))).toBe(0);
    mkdirSync(join(inv, "..", "host_vars"));
    writeFileSync(join(inv, "..", "host_vars", "w2.yml"), "ansible_port: 70000\n");
    const opened: string[] = [];
    const base = simDeps(hosts, motdModules());
    const deps: Deps = {
      ...base,
      openTarget: (c) => {
        opened.push(c.host);
        return base.openTarget(c);
      },
    };
    const io = recordingIo();
    expect(await main(["apply", planFile, "-i", inv], io, deps)).toBe(1);
    expect(io.err()).toContain("ansible_port");
    expect(io.err()).toContain("no host was contacted");
    expect(opened).toEqual([]);
    expect(hosts.w1.opLog).toEqual([]);
  });
});
