// Worker benchmark (DESIGN.md cost model): the real CLI against real systemd
// test hosts, for 1 and 10 k8s_worker hosts: the first apply of fresh workers
// and a no-op plan of converged ones. Per run: wall time of a `tend` process
// (node start-up included), exec round trips per host, and the process's peak
// RSS. Targets: no-op plan < 0.8 s and first apply < 6 s for one host; ten
// hosts cost little more than one.
//
// Hosts, TLS, etcd and artifacts come from the e2e fixture (test/e2e/cluster.ts,
// loaded through bench/ts-loader.mjs). Each measured run is a child process
// (`worker.mjs --child ...`) that calls main() of the built @tend/cli with the
// real docker transport, counting the transport's round trips per host.
// The etcd host is applied first (not measured); the controller's artifact
// cache is warm by then, as it is after any first run.
//
//   npm run bench worker            TEND_BENCH_WORKERS="1 10" (default)
//   TEND_BENCH_CPU_PROF=dir         a V8 CPU profile of each measured child
//
// With one worker it also times the installed `tend` executable itself (the
// bin, as a user runs it: node start-up and module loading included) for a
// no-op plan of worker1 over SSH, median of 5, by two routes (sshInventory):
// "docker", ssh2 to `sshd -i` through a ProxyCommand of `docker exec`, and
// "tcp", a TCP connection to an sshd daemon on the container's loopback (for
// etcd1's facts too), which costs what a user's SSH to a real host costs;
// on that route also OpenSSH's own `ssh root@HOST true`, what sshd alone costs.
//   TEND_BENCH_BIN=path             the tend bin to time (default: this tree's)
//   TEND_BENCH_BIN_BEFORE=path      also time this one, e.g. a build of an older commit
//   TEND_BENCH_HOLD=seconds         keep the cluster up that long before timing the bin,
//                                   printing the plan commands, to profile them by hand
import { spawn } from "node:child_process";
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { register } from "node:module";
import { connect, createServer } from "node:net";
import os from "node:os";
import { dirname, join } from "node:path";

const child = async ([command, inventory]) => {
  const { main } = await import("@tend/cli");
  const { ShellTarget } = await import("@tend/core");
  const { dockerTransport } = await import("@tend/transport-docker");
  const transports = [];
  const openTarget = async (c) => {
    if (c.type !== "docker") return { _tag: "Left", left: `${c.host}: the benchmark speaks docker only` };
    const t = dockerTransport({ container: c.container, host: c.host });
    transports.push([c.host, t]);
    return { _tag: "Right", right: new ShellTarget(t) };
  };
  const args =
    command === "apply"
      ? ["apply", "-i", inventory, "--limit", "k8s_worker", "--yes"]
      : ["plan", "-i", inventory, "--limit", "k8s_worker", "--detailed-exitcode"];
  let out = "";
  const io = {
    stdout: (t) => {
      out += t;
    },
    stderr: () => {},
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdinIsTTY: false,
    env: process.env,
    cwd: process.cwd(),
    prompt: async () => undefined,
  };
  const t0 = performance.now();
  const code = await main(args, io, { openTarget });
  const ms = performance.now() - t0;
  const roundTrips = {};
  for (const [host, t] of transports) roundTrips[host] = (roundTrips[host] ?? 0) + t.roundTrips;
  const cpu = process.cpuUsage();
  const report = {
    code,
    inProcessMs: ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    cpuSysMs: cpu.system / 1000,
    roundTrips,
    maxRssKb: process.resourceUsage().maxRSS,
  };
  if (code !== 0) report.output = out.slice(-4000);
  process.stdout.write(`${JSON.stringify(report)}\n`);
};

/** TEND_BENCH_CPU_PROF=dir writes a V8 CPU profile of each measured child there. */
const profile = process.env.TEND_BENCH_CPU_PROF
  ? ["--cpu-prof", `--cpu-prof-dir=${process.env.TEND_BENCH_CPU_PROF}`]
  : [];

const TICK_MS = 10; // USER_HZ is 100 on Linux
/** CPU time (ms) of the docker daemons (dockerd, containerd and its shims), from /proc. */
const daemonCpuMs = () => {
  let ticks = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (!/^(dockerd|containerd|containerd-shim.*)$/.test(name)) continue;
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]); // utime, stime
    } catch {}
  }
  return ticks * TICK_MS;
};
/** CPU time (ms) of all docker containers (the cgroup v1 cpuacct of docker), or NaN where there is none. */
const containersCpuMs = () => {
  try {
    return Number(readFileSync("/sys/fs/cgroup/cpuacct/docker/cpuacct.usage", "utf8")) / 1e6;
  } catch {
    return Number.NaN;
  }
};
/** Busy CPU time (ms) of the whole machine, all cores, from /proc/stat. */
const machineBusyMs = () => {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  return (f.slice(0, 8).reduce((a, b) => a + b, 0) - idle) * TICK_MS;
};

/**
 * Runs one measured child; resolves to its report plus the wall time of the whole process
 * and the CPU the docker daemons, the containers and the machine as a whole spent meanwhile
 * ("other": the rest of the machine, e.g. unrelated processes).
 */
const measure = (command, cluster) =>
  new Promise((resolve, reject) => {
    const d0 = daemonCpuMs();
    const m0 = machineBusyMs();
    const c0 = containersCpuMs();
    const t0 = performance.now();
    const p = spawn(
      process.execPath,
      [...profile, new URL(import.meta.url).pathname, "--child", command, cluster.inventory],
      {
        env: { ...process.env, XDG_CACHE_HOME: `${cluster.work}/cache`, NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let text = "";
    p.stdout.on("data", (b) => {
      text += b;
    });
    p.on("error", reject);
    p.on("close", () => {
      const wallMs = performance.now() - t0;
      const daemonMs = daemonCpuMs() - d0;
      const machineMs = machineBusyMs() - m0;
      const containersMs = containersCpuMs() - c0;
      try {
        resolve({ ...JSON.parse(text.trim().split("\n").pop()), wallMs, daemonMs, machineMs, containersMs });
      } catch {
        reject(new Error(`benchmark child printed no report: ${text}`));
      }
    });
  });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Wall and CPU time (ms, user + sys, from GNU time) of one run of argv;
 * rejects unless it exits `want`. CPU time barely moves with the machine's
 * load, wall time does.
 */
const timeCommand = (argv, env, want) =>
  new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn("/usr/bin/time", ["-f", "TEND-TIME %U %S", ...argv], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    p.stdout.on("data", (b) => {
      out += b;
    });
    p.stderr.on("data", (b) => {
      out += b;
    });
    p.on("error", reject);
    p.on("close", (code) => {
      const wallMs = performance.now() - t0;
      const m = /TEND-TIME (\S+) (\S+)/.exec(out);
      if (code === want && m) resolve({ wallMs, cpuMs: (Number(m[1]) + Number(m[2])) * 1000 });
      else reject(new Error(`${argv.join(" ")} exited ${code}, not ${want}:\n${out.slice(-3000)}`));
    });
  });

/** timeCommand of `node bin args`. */
const timeBin = (bin, args, env, want) =>
  timeCommand([process.execPath, ...profile, bin, ...args], env, want);

/**
 * A copy of the cluster's inventory where worker1 (and, with `tcp`, etcd1) is
 * reached over SSH as root with a fresh key, by one of two routes:
 * - "docker": ssh2 speaks to `sshd -i` run by `docker exec` as the
 *   ProxyCommand (what the e2e suites do; the docker CLI starts per
 *   connection); etcd1 stays on the docker transport;
 * - "tcp": a plain TCP connection to 127.0.0.1, relayed to an sshd daemon that
 *   listens on the container's own loopback (see loopbackRoute), for worker1
 *   and etcd1 alike: what a user's SSH to a real host costs, minus the network.
 * Returns the copy's hosts.yml and, for "tcp", the argv of OpenSSH's own
 * client running `true` on worker1 by the same route: what sshd alone costs.
 */
const sshInventory = async (cluster, helpers, route, routes) => {
  const key = await helpers.makeKeyPair();
  const dir = join(cluster.work, `inventory-ssh-${route}`);
  cpSync(dirname(cluster.inventory), dir, { recursive: true });
  const common = {
    ansible_connection: "ssh",
    ansible_user: "root",
    ansible_ssh_private_key_file: key.privateKeyPath,
  };
  const noKnownHosts = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null";
  const names = route === "tcp" ? ["worker1", "etcd1"] : ["worker1"];
  let sshTrue;
  for (const name of names) {
    const host = cluster.hosts.get(name);
    await helpers.installAuthorizedKey(host, key.publicKey);
    const vars =
      route === "tcp"
        ? {
            ...common,
            ansible_host: "127.0.0.1",
            ansible_port: (await routes(host)).port,
            ansible_ssh_common_args: noKnownHosts,
          }
        : {
            ...common,
            ansible_host: `${name}.invalid`,
            ansible_ssh_common_args: `-o ProxyCommand="${helpers.sshdCommand(host).join(" ")}" ${noKnownHosts}`,
          };
    writeFileSync(join(dir, "host_vars", `${name}.yml`), `${JSON.stringify(vars, null, 2)}\n`);
    if (route === "tcp" && name === "worker1")
      sshTrue = [
        ...["ssh", "-i", key.privateKeyPath, "-p", String(vars.ansible_port), "-o", "BatchMode=yes"],
        ...["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"],
        ...["root@127.0.0.1", "true"],
      ];
  }
  return { inventory: join(dir, "hosts.yml"), sshTrue };
};

// Runs inside a container's network namespace (nsenter -n, the host's
// filesystem): relays each connection on a unix socket to the container's
// 127.0.0.1:22. Unix sockets are named in the filesystem, so this one
// bridges the two namespaces. Like a wire, it holds nothing back: Nagle's
// algorithm is off on its TCP socket (with it on, each reply of sshd's that
// follows another unacknowledged one waited for this relay's delayed ACK,
// ~40 ms per exec round trip that a direct connection does not pay).
const INNER_RELAY = `const net = require("node:net");
const server = net.createServer((c) => {
  const s = net.connect({ port: 22, host: "127.0.0.1", noDelay: true });
  c.on("error", () => s.destroy());
  s.on("error", () => c.destroy());
  c.pipe(s).pipe(c);
});
server.listen(process.argv[1], () => process.stdout.write("ready\\n"));
// Gone with the benchmark, even when it is killed: its end of stdin closes.
process.stdin.on("end", () => process.exit(0)).resume();`;

/**
 * A TCP route to the host's sshd that costs what TCP costs: sshd runs as a
 * daemon listening on the container's own loopback (the containers have no
 * network), a relay in the container's network namespace connects to it from
 * a unix socket, and a listener on this machine's 127.0.0.1 relays to that
 * socket. No process starts per connection and no traffic leaves loopback.
 * Resolves to the port on 127.0.0.1 and a close function.
 */
const loopbackRoute = async (host, dir) => {
  await dockerCli.mustRun([
    "docker",
    "exec",
    host.container,
    "/usr/sbin/sshd",
    "-o",
    "ListenAddress=127.0.0.1:22",
  ]);
  const sock = join(dir, `${host.container}.sock`);
  const inner = spawn("nsenter", ["-t", String(host.pid), "-n", process.execPath, "-e", INNER_RELAY, sock], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  await new Promise((resolve, reject) => {
    inner.on("error", reject);
    inner.on("exit", (code) => reject(new Error(`the loopback relay for ${host.container} exited ${code}`)));
    inner.stdout.once("data", resolve);
  });
  // noDelay: the accepted TCP socket to tend sends each chunk at once (see INNER_RELAY).
  const server = createServer({ noDelay: true }, (c) => {
    const s = connect(sock);
    c.on("error", () => s.destroy());
    s.on("error", () => c.destroy());
    c.pipe(s).pipe(c);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: server.address().port,
    close: () => {
      server.close();
      inner.removeAllListeners("exit");
      inner.kill();
    },
  };
};

/** test/hosts/docker-cli.ts, loaded by parent(). */
let dockerCli;

const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

/**
 * Median wall time of 5 no-op plans of worker1 over SSH by each bin and each
 * route, after one warm-up run, interleaved with `tend --help`; with the
 * load average before and after.
 */
const sshPlans = async (cluster, sshHelpers) => {
  const routes = [];
  const routeOf = new Map();
  const openRoute = async (host) => {
    if (!routeOf.has(host.container)) {
      const r = await loopbackRoute(host, cluster.work);
      routes.push(r);
      routeOf.set(host.container, r);
    }
    return routeOf.get(host.container);
  };
  const bins = [
    [
      "this tree",
      process.env.TEND_BENCH_BIN ?? new URL("../packages/cli/bin/tend.js", import.meta.url).pathname,
    ],
    ...(process.env.TEND_BENCH_BIN_BEFORE ? [["before", process.env.TEND_BENCH_BIN_BEFORE]] : []),
  ];
  const env = { ...process.env, XDG_CACHE_HOME: `${cluster.work}/cache`, NO_COLOR: "1" };
  const rows = [];
  try {
    const inventories = {
      docker: await sshInventory(cluster, sshHelpers, "docker", openRoute),
      tcp: await sshInventory(cluster, sshHelpers, "tcp", openRoute),
    };
    const hold = Number(process.env.TEND_BENCH_HOLD ?? 0);
    if (hold > 0) {
      console.error(
        `bench: holding the cluster for ${hold} s; no-op plans:\n` +
          Object.values(inventories)
            .map((i) => `  XDG_CACHE_HOME=${cluster.work}/cache tend plan -i ${i.inventory} --limit worker1`)
            .join("\n"),
      );
      await new Promise((r) => setTimeout(r, hold * 1000));
    }
    const at = (xs, k) => median(xs.map((x) => x[k]));
    const range = (xs, k) =>
      `${(Math.min(...xs.map((x) => x[k])) / 1000).toFixed(2)}–${(Math.max(...xs.map((x) => x[k])) / 1000).toFixed(2)}`;
    for (const [route, { inventory, sshTrue }] of Object.entries(inventories)) {
      const args = ["plan", "-i", inventory, "--limit", "worker1", "--detailed-exitcode"];
      const loadBefore = load();
      const plans = bins.map(() => []);
      const helps = bins.map(() => []);
      const floor = [];
      for (const [, bin] of bins) await timeBin(bin, args, env, 0);
      // Interleaved, bin after bin and plan after help, so load on the machine hits all alike.
      for (let i = 0; i < 5; i++) {
        for (const [j, [, bin]] of bins.entries()) {
          plans[j].push(await timeBin(bin, args, env, 0));
          helps[j].push(await timeBin(bin, ["--help"], env, 0));
        }
        if (sshTrue) floor.push(await timeCommand(sshTrue, env, 0));
      }
      const loadAfter = load();
      if (floor.length > 0)
        rows.push({
          label: "OpenSSH's ssh",
          bin: "`ssh root@127.0.0.1 true`: one connection, one command",
          route,
          plan: `${(at(floor, "wallMs") / 1000).toFixed(2)} s (${range(floor, "wallMs")}; CPU ${(at(floor, "cpuMs") / 1000).toFixed(2)} s)`,
          help: "",
          load: `${loadBefore} → ${loadAfter}`,
        });
      for (const [j, [label, bin]] of bins.entries())
        rows.push({
          label,
          bin,
          route,
          plan: `${(at(plans[j], "wallMs") / 1000).toFixed(2)} s (${range(plans[j], "wallMs")}; CPU ${(at(plans[j], "cpuMs") / 1000).toFixed(2)} s)`,
          help: `${(at(helps[j], "wallMs") / 1000).toFixed(3)} s (CPU ${(at(helps[j], "cpuMs") / 1000).toFixed(2)} s)`,
          load: `${loadBefore} → ${loadAfter}`,
        });
    }
  } finally {
    for (const r of routes) r.close();
  }
  return rows;
};

const parent = async () => {
  register(new URL("./ts-loader.mjs", import.meta.url));
  const { startCluster } = await import("../test/e2e/cluster.ts");
  const helpers = await import("../test/hosts/ssh.ts");
  dockerCli = await import("../test/hosts/docker-cli.ts");
  const sshRows = [];
  const sizes = (process.env.TEND_BENCH_WORKERS ?? "1 10").split(/\s+/).filter(Boolean).map(Number);
  const rows = [];
  for (const n of sizes) {
    const t0 = performance.now();
    const cluster = await startCluster({ prefix: "bench", workers: n });
    const bootMs = performance.now() - t0;
    try {
      const setup = await cluster.tend(["apply", "-i", cluster.inventory, "--limit", "k8s_etcd", "--yes"]);
      if (setup.code !== 0) throw new Error(`etcd host apply failed:\n${setup.stdout}\n${setup.stderr}`);
      const first = await measure("apply", cluster);
      if (first.code !== 0)
        throw new Error(`first apply of ${n} workers exited ${first.code}:\n${first.output}`);
      const plans = [];
      for (let i = 0; i < 3; i++) {
        const p = await measure("plan", cluster);
        if (p.code !== 0)
          throw new Error(`no-op plan of ${n} workers exited ${p.code} (not converged?):\n${p.output}`);
        plans.push(p);
      }
      const plan = plans.find((p) => p.wallMs === median(plans.map((x) => x.wallMs)));
      const workers = (r) => Object.entries(r.roundTrips).filter(([h]) => h.startsWith("worker"));
      const perHost = (r) => {
        const counts = workers(r).map(([, c]) => c);
        const lo = Math.min(...counts);
        const hi = Math.max(...counts);
        return lo === hi ? `${lo}` : `${lo}-${hi}`;
      };
      for (const [label, r] of [
        ["first apply", first],
        ["no-op plan (median of 3)", plan],
      ])
        rows.push({
          workers: n,
          run: label,
          wall: `${(r.wallMs / 1000).toFixed(2)} s`,
          inProcess: `${(r.inProcessMs / 1000).toFixed(2)} s`,
          cpuTend: `${(r.cpuMs / 1000).toFixed(2)} s (sys ${(r.cpuSysMs / 1000).toFixed(2)})`,
          cpuDocker: `${(r.daemonMs / 1000).toFixed(2)} s`,
          cpuHosts: Number.isNaN(r.containersMs) ? "?" : `${(r.containersMs / 1000).toFixed(2)} s`,
          cpuOther: `${((r.machineMs - r.cpuMs - r.daemonMs - (r.containersMs || 0)) / 1000).toFixed(2)} s`,
          rtPerWorker: perHost(r),
          rtEtcdFacts: String(r.roundTrips.etcd1 ?? 0),
          peakRss: `${(r.maxRssKb / 1024).toFixed(0)} MB`,
        });
      if (n === 1) sshRows.push(...(await sshPlans(cluster, helpers)));
      console.error(`bench: ${n} worker(s) done (hosts booted in ${(bootMs / 1000).toFixed(1)} s)`);
    } finally {
      await cluster.stop();
    }
  }
  const cols = [
    ["workers", "workers"],
    ["run", "run"],
    ["wall", "wall (process)"],
    ["inProcess", "main()"],
    ["cpuTend", "CPU tend"],
    ["cpuDocker", "CPU docker daemons"],
    ["cpuHosts", "CPU containers"],
    ["cpuOther", "CPU other"],
    ["rtPerWorker", "round trips / worker"],
    ["rtEtcdFacts", "round trips etcd1 (facts)"],
    ["peakRss", "peak RSS"],
  ];
  const width = cols.map(([k, h]) => Math.max(h.length, ...rows.map((r) => String(r[k]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(width[i])).join(" | ")} |`;
  console.log("worker: tend CLI on real systemd hosts (docker transport, controller downloads)");
  console.log(line(cols.map(([, h]) => h)));
  console.log(`|${width.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of rows) console.log(line(cols.map(([k]) => r[k])));
  if (sshRows.length > 0) {
    console.log(
      "\nthe tend executable, a no-op plan of worker1 over SSH (median of 5 (min–max): process wall time, CPU user+sys)",
    );
    console.log("| tend | route | no-op plan over SSH | tend --help | load average (1, 5, 15 min) |");
    console.log("|---|---|---|---|---|");
    for (const r of sshRows)
      console.log(`| ${r.label} (${r.bin}) | ${r.route} | ${r.plan} | ${r.help} | ${r.load} |`);
  }
};

if (process.argv[2] === "--child") await child(process.argv.slice(3));
else await parent();
