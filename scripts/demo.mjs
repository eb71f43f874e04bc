#!/usr/bin/env node
// `npm run demo`: tend sets up a Kubernetes worker on a throwaway systemd
// host, end to end, with nothing downloaded from the internet.
//
//  1. installs missing system prerequisites (docker.io, debootstrap, ...) and
//     starts dockerd, as .ci/run does; builds the test image with
//     test/hosts/build-image.sh (cached by name);
//  2. starts two systemd containers per DESIGN.md "Test hosts" (etcd1 in
//     k8s_etcd, worker1 in k8s_worker), each with a wg0 interface, and runs
//     etcd with TLS on etcd1 (the flannel network config is written there);
//  3. generates stand-in artifacts (flanneld, the Docker and CNI archives in
//     their upstream layouts, kubelet/kube-proxy/kubectl with .sha256 files)
//     whose daemons notify systemd (READY=1 from the main pid) and serve
//     their healthz port, and serves them from a loopback HTTP server;
//     the containers have no network, so tend_download_mode: controller makes
//     tend fetch them here and upload them;
//  4. writes an inventory (ansible_connection: docker), runs `tend plan`,
//     `tend apply --yes`, and `tend plan --detailed-exitcode` (exit 0 =
//     converged), shows the services and healthz answers, and removes
//     everything it made, also on Ctrl-C or failure.
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tend = join(root, "packages", "cli", "dist", "bin.js");
const IMAGE = process.env.TEND_TEST_IMAGE ?? readFileSync(join(root, "test", "hosts", "IMAGE"), "utf8").trim();
const RUN = `${process.pid.toString(36)}${randomBytes(2).toString("hex")}`;
const work = mkdtempSync(join(tmpdir(), "tend-demo-"));
const cleanups = [];

const say = (text) => process.stdout.write(`\n\u001b[1m== ${text}\u001b[0m\n`);

/** Runs argv; throws with its stderr on failure unless `ok` accepts the exit code. */
const sh = (argv, { input, quiet = true, ok = (c) => c === 0 } = {}) => {
  const r = spawnSync(argv[0], argv.slice(1), {
    input,
    encoding: "utf8",
    stdio: quiet ? ["pipe", "pipe", "pipe"] : ["inherit", "inherit", "inherit"],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw new Error(`${argv[0]}: ${r.error.message}`);
  if (!ok(r.status)) throw new Error(`${argv.join(" ")} exited ${r.status}: ${(r.stderr ?? "").trim()}`);
  return r;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- 1. prerequisites ---------------------------------------------------------

const prerequisites = () => {
  say("system prerequisites and test image");
  // One script for the tests, CI and the demo: apt packages, dockerd, the systemd image.
  sh(["bash", join(root, "scripts", "ensure-system.sh")], { quiet: false });
};

// --- 2. hosts -----------------------------------------------------------------

const startHost = async (name, ip) => {
  const container = `tend-demo-${RUN}-${name}`;
  const veth = `td${randomBytes(4).toString("hex")}`;
  cleanups.push(() => {
    spawnSync("docker", ["rm", "-f", container], { stdio: "ignore" });
    spawnSync("ip", ["link", "del", veth], { stdio: "ignore" });
  });
  sh(["docker", "run", "-d", "--name", container, "--hostname", name, "--network", "none",
    "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--security-opt", "systempaths=unconfined",
    "--tmpfs", "/run", "--tmpfs", "/run/lock", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", IMAGE, "/lib/systemd/systemd"]);
  for (let i = 0; ; i++) {
    const state = sh(["docker", "exec", container, "systemctl", "is-system-running"], { ok: () => true }).stdout.trim();
    if (state === "running" || state === "degraded") break;
    if (i > 480) throw new Error(`${container}: systemd did not come up (${state})`);
    await sleep(250);
  }
  const pid = sh(["docker", "inspect", "-f", "{{.State.Pid}}", container]).stdout.trim();
  sh(["ip", "link", "add", veth, "type", "veth", "peer", "name", "wg0", "netns", pid]);
  sh(["docker", "exec", container, "sh", "-c", `ip addr add ${ip}/24 dev wg0 && ip link set wg0 up`]);
  console.log(`${name}: container ${container}, wg0 ${ip}`);
  return { name, container, ip };
};

const putFile = (host, path, data, mode = "0644") =>
  sh(["docker", "exec", "-i", host.container, "sh", "-c", `mkdir -p "$(dirname ${path})" && cat > ${path} && chmod ${mode} ${path}`], {
    input: data,
  });

// --- 3. certificates, artifacts, the loopback mirror ------------------------

const certificates = (etcdIp) => {
  const certs = join(work, "certs");
  const configs = join(work, "configs");
  mkdirSync(certs, { recursive: true });
  mkdirSync(configs, { recursive: true });
  const ossl = (...args) => sh(["openssl", ...args]);
  const ca = (name) => {
    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${name}`,
      "-keyout", join(certs, `${name}-key.pem`), "-out", join(certs, `${name}.pem`));
  };
  const cert = (caName, name, cn, sans) => {
    const ext = join(work, `${name}.ext`);
    writeFileSync(ext, `subjectAltName=${sans}\nextendedKeyUsage=serverAuth,clientAuth\n`);
    ossl("req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${cn}`, "-keyout", join(certs, `${name}-key.pem`), "-out", join(work, `${name}.csr`));
    ossl("x509", "-req", "-in", join(work, `${name}.csr`), "-CA", join(certs, `${caName}.pem`), "-CAkey", join(certs, `${caName}-key.pem`),
      "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", join(certs, `${name}.pem`));
  };
  ca("ca-etcd");
  cert("ca-etcd", "cert-etcd", "etcd", `IP:127.0.0.1,IP:${etcdIp}`);
  ca("ca-k8s-apiserver");
  cert("ca-k8s-apiserver", "cert-k8s-apiserver", "kubernetes", "IP:127.0.0.1");
  cert("ca-k8s-apiserver", "cert-worker1", "system:node:worker1", "DNS:worker1");
  for (const name of ["worker1", "kube-proxy"]) {
    writeFileSync(join(configs, `${name}.kubeconfig`), `apiVersion: v1\nkind: Config\nclusters: []\nusers:\n- name: ${name}\n  user: {token: demo-${randomBytes(8).toString("hex")}}\n`);
  }
  return { certs, configs };
};

/** One program for every stand-in binary: daemons notify systemd and serve healthz, the rest print a line. */
const STAND_IN = `#!/usr/bin/perl
# tend demo stand-in. Daemons send READY=1 from their main pid (Type=notify)
# and answer HTTP on their healthz port; other tools print a line and exit.
use strict; use warnings; use Socket; use IO::Socket::INET;
my ($name) = $0 =~ m{([^/]+)$};
my %daemon = (flanneld => 0, dockerd => 0, kubelet => 10248, "kube-proxy" => 10256);
if (!exists $daemon{$name}) { print "$name (tend demo stand-in)\\n"; exit 0; }
$SIG{TERM} = sub { exit 0 };
my $srv;
if ($daemon{$name}) {
  $srv = IO::Socket::INET->new(LocalAddr => "0.0.0.0", LocalPort => $daemon{$name}, Listen => 8, ReuseAddr => 1)
    or die "$name: cannot listen on $daemon{$name}: $!\\n";
}
if (my $path = $ENV{NOTIFY_SOCKET}) {
  $path =~ s/^@/\\0/;
  socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!\\n";
  send($s, "READY=1\\nSTATUS=$name stand-in ready\\n", 0, pack_sockaddr_un($path)) or die "notify: $!\\n";
}
if ($srv) {
  while (my $c = $srv->accept) { my $line = <$c>; print $c "HTTP/1.0 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok"; close $c; }
}
sleep 3600 while 1;
`;

const artifacts = () => {
  const mirror = join(work, "mirror");
  const file = (rel, data, mode = 0o755) => {
    const p = join(mirror, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
    chmodSync(p, mode);
    return p;
  };
  const sha = (algo, path) => createHash(algo).update(readFileSync(path)).digest("hex");
  const tgz = (rel, dir, members) => {
    for (const m of members) file(join("..", "staging", dir, m), STAND_IN);
    const out = join(mirror, rel);
    mkdirSync(dirname(out), { recursive: true });
    const cwd = join(work, "staging", dir === "." ? "" : dir, dir === "." ? "" : "..");
    sh(["tar", "-C", cwd, "-czf", out, ...(dir === "." ? members.map((m) => `./${m}`) : [dir])]);
    return out;
  };
  const flannel = file("flannel/v0.10.0/flanneld-amd64", STAND_IN);
  const docker = tgz("docker/docker-18.09.6.tgz", "docker",
    ["containerd", "containerd-shim", "ctr", "docker", "dockerd", "docker-init", "docker-proxy", "runc"]);
  mkdirSync(join(work, "staging", "cni"), { recursive: true });
  for (const m of ["bridge", "flannel", "host-local", "loopback", "portmap"]) file(join("..", "staging", "cni", m), STAND_IN);
  const cniOut = join(mirror, "cni-plugins/v0.7.5/cni-plugins-amd64-v0.7.5.tgz");
  mkdirSync(dirname(cniOut), { recursive: true });
  sh(["tar", "-C", join(work, "staging", "cni"), "-czf", cniOut, "./bridge", "./flannel", "./host-local", "./loopback", "./portmap"]);
  for (const b of ["kube-proxy", "kubelet", "kubectl"]) {
    const p = file(`kubernetes/v1.17.4/bin/linux/amd64/${b}`, STAND_IN);
    file(`kubernetes/v1.17.4/bin/linux/amd64/${b}.sha256`, `${sha("sha256", p)}\n`, 0o644);
  }
  return {
    mirror,
    vars: { flannel_checksum: sha("sha256", flannel), docker_checksum: sha("sha256", docker), k8s_cni_plugin_checksum: sha("sha512", cniOut) },
  };
};

/** Serves `dir` on 127.0.0.1 (a random port); only GET of files below it. */
const serve = (dir) =>
  new Promise((resolve) => {
    const server = createServer((req, res) => {
      const path = join(dir, decodeURIComponent(new URL(req.url, "http://x").pathname));
      if (!path.startsWith(dir)) return res.writeHead(403).end();
      try {
        const body = readFileSync(path);
        res.writeHead(200, { "content-length": body.length }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    server.listen(0, "127.0.0.1", () => {
      cleanups.push(() => server.close());
      resolve(`http://127.0.0.1:${server.address().port}`);
    });
  });

// --- etcd on etcd1, as an earlier role would have left it -------------------

const startEtcd = async (host, certs) => {
  for (const f of ["ca-etcd.pem", "cert-etcd.pem", "cert-etcd-key.pem"]) {
    putFile(host, `/etc/tend-demo-etcd/${f}`, readFileSync(join(certs, f)), "0600");
  }
  const d = "/etc/tend-demo-etcd";
  sh(["docker", "exec", host.container, "systemd-run", "--unit=tend-demo-etcd", "/usr/bin/etcd", "--name", host.name,
    "--data-dir", "/var/lib/tend-demo-etcd", "--enable-v2=true",
    "--listen-client-urls", `https://127.0.0.1:2379,https://${host.ip}:2379`, "--advertise-client-urls", `https://${host.ip}:2379`,
    "--cert-file", `${d}/cert-etcd.pem`, "--key-file", `${d}/cert-etcd-key.pem`, "--trusted-ca-file", `${d}/ca-etcd.pem`, "--client-cert-auth"]);
  for (let i = 0; ; i++) {
    const r = sh(["docker", "exec", host.container, "etcdctl", "--endpoints", "https://127.0.0.1:2379", "--cacert", `${d}/ca-etcd.pem`,
      "--cert", `${d}/cert-etcd.pem`, "--key", `${d}/cert-etcd-key.pem`, "endpoint", "health"], { ok: () => true });
    if (r.status === 0) break;
    if (i > 80) throw new Error(`etcd on ${host.name} is not healthy: ${r.stderr.trim()}`);
    await sleep(250);
  }
  console.log(`${host.name}: etcd running with TLS on 127.0.0.1:2379`);
};

// --- 4. tend ------------------------------------------------------------------

const inventory = (hosts, base, certs, configs, artifactVars) => {
  const path = join(work, "inventory", "hosts.yml");
  mkdirSync(dirname(path), { recursive: true });
  const vars = {
    ansible_connection: "docker",
    k8s_interface: "wg0",
    k8s_ca_conf_directory: certs,
    k8s_config_directory: configs,
    etcd_bin_dir: "/usr/bin",
    tend_download_mode: "controller",
    tend_download_mirror: base,
    // This kernel has no loadable modules and no ip_vs (DESIGN.md "Test hosts"), and its
    // built-in br_netfilter leaves no trace in /sys/module, so none are declared here.
    tend_kernel_modules: [],
    ...artifactVars,
  };
  const group = (h) => ({ hosts: { [h.name]: { ansible_host: h.container } } });
  const doc = { all: { vars, children: { k8s: { children: { k8s_etcd: group(hosts[0]), k8s_worker: group(hosts[1]) } } } } };
  // JSON is YAML: no YAML writer needed.
  writeFileSync(path, JSON.stringify(doc, null, 2));
  return path;
};

/** Runs tend asynchronously: the mirror is served from this process's event loop. */
const runTend = (args, env) =>
  new Promise((resolve) => {
    console.log(`\n$ tend ${args.join(" ")}`);
    const child = spawn(process.execPath, [tend, ...args], { stdio: "inherit", env });
    child.on("error", () => resolve(1));
    child.on("exit", (code) => resolve(code ?? 1));
  });

const main = async () => {
  prerequisites();
  say("throwaway systemd hosts");
  const hosts = [await startHost("etcd1", "10.78.0.1"), await startHost("worker1", "10.78.0.2")];
  say("certificates, stand-in artifacts, loopback mirror, etcd");
  const { certs, configs } = certificates(hosts[0].ip);
  const { mirror, vars } = artifacts();
  const base = await serve(mirror);
  console.log(`mirror: ${base}`);
  await startEtcd(hosts[0], certs);
  const inv = inventory(hosts, base, certs, configs, vars);
  const env = { ...process.env, XDG_CACHE_HOME: join(work, "cache") };

  say("plan");
  if ((await runTend(["plan", "-i", inv], env)) !== 0) throw new Error("tend plan failed");
  say("apply");
  const applied = await runTend(["apply", "-i", inv, "--yes"], env);
  say("converged?");
  const again = await runTend(["plan", "-i", inv, "--detailed-exitcode"], env);
  console.log(again === 0 ? "\nconverged: a second plan is empty" : `\nNOT converged (tend plan exit ${again})`);
  say("services on worker1");
  const w = hosts[1];
  sh(["docker", "exec", w.container, "systemctl", "--no-pager", "is-active", "flanneld", "docker", "kubelet", "kube-proxy"], {
    quiet: false,
    ok: () => true,
  });
  for (const port of [10248, 10256]) {
    const r = sh(["docker", "exec", w.container, "curl", "-s", "-m", "3", `http://${w.ip}:${port}/healthz`], { ok: () => true });
    console.log(`healthz ${w.ip}:${port}: ${r.status === 0 ? r.stdout : `no answer (curl exit ${r.status})`}`);
  }
  if (applied !== 0 || again !== 0) process.exitCode = 1;
};

const cleanup = () => {
  for (const f of cleanups.reverse()) {
    try {
      f();
    } catch {}
  }
  cleanups.length = 0;
  rmSync(work, { recursive: true, force: true });
};
process.on("SIGINT", () => {
  cleanup();
  process.exit(130);
});

main()
  .catch((e) => {
    process.stderr.write(`\ndemo failed: ${e.message}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    say("removing the demo hosts");
    cleanup();
  });
