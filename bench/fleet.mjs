// Fleet benchmark (issue 9, "Scale"): the real CLI (main() of the built
// @tend/cli with the real worker modules) plans and applies 10, 100 and 1000
// Kubernetes workers that are SimHosts answering each round trip after an
// injected 20–50 ms latency. Per phase (first plan, apply, no-op plan): wall
// and CPU time, peak RSS and peak heap (sampled), round trips per host and
// output lines (etcd1 is contacted for its facts only, as flanneld needs them). Targets: plan 1000 hosts in under 5 s, peak memory under 500 MB.
//
// Each size runs in its own child process (`fleet.mjs --child N`, with
// --expose-gc), so peak memory is per size. The SimHosts live in that process
// too, but on a worker thread of their own: they stand for remote hosts, whose
// answering costs a real controller nothing, so their CPU stays off tend's
// thread (TEND_BENCH_SIM_THREAD=0 keeps them on it, as before 2026-12-02).
// Every call tend makes on a host is a message to that thread and back.
// "SimHosts' heap" is what they hold before tend starts, for scale; peak RSS
// and CPU are the whole process's, "tend thread CPU" the main thread's alone.
//
//   npm run bench fleet             TEND_BENCH_FLEET="10 100 1000" (default)
//   TEND_BENCH_CONCURRENCY=n        pass --concurrency n (default: the CLI's default)
//   TEND_BENCH_HEAP_CAP_MB=n        the largest size's apply once more with --max-old-space-size=n
//                                   (default 256; 0: not)
//   TEND_BENCH_CPU_PROF=dir         a V8 CPU profile of each child
//   TEND_BENCH_SIM_THREAD=0         the SimHosts on tend's own thread
//   TEND_BENCH_PHASE=plan|apply     measure only the phases starting so (to profile one); the
//                                   apply still runs, unmeasured, before a converged plan
//   TEND_BENCH_OUT=dir              also write each measured phase's whole stdout to dir/N-PHASE.out
//                                   (to check a change leaves the output byte-identical)
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

const MIRROR = "http://mirror.test";
const sha = (algo, b) => createHash(algo).update(b).digest("hex");
const bin = (name) => `#!/bin/sh\necho ${name}\n`;
const workerName = (i) => `worker${String(i).padStart(4, "0")}`;

/** A deterministic PRNG (mulberry32), so every run draws the same latencies. */
const prng = (seed) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

/** The mirror's files (the layout of @tend/modules' downloads.ts) and the checksum variables pinning them. */
const mirror = (tarArchive) => {
  const files = {};
  const put = (path, data) => {
    files[`${MIRROR}/${path}`] = typeof data === "string" ? new TextEncoder().encode(data) : data;
  };
  put("flannel/v0.10.0/flanneld-amd64", bin("flanneld"));
  const dockerBins = [
    "containerd",
    "containerd-shim",
    "ctr",
    "docker",
    "dockerd",
    "docker-init",
    "docker-proxy",
    "runc",
  ];
  const docker = tarArchive(
    dockerBins.map((b) => ({ path: `docker/${b}`, content: bin(b), mode: 0o755 })),
    { gzip: true },
  );
  put("docker/docker-18.09.6.tgz", docker);
  const cni = tarArchive(
    ["bridge", "flannel", "loopback", "portmap"].map((b) => ({
      path: `./${b}`,
      content: bin(b),
      mode: 0o755,
    })),
    { gzip: true },
  );
  put("cni-plugins/v0.7.5/cni-plugins-amd64-v0.7.5.tgz", cni);
  for (const b of ["kube-proxy", "kubelet", "kubectl"]) {
    put(`kubernetes/v1.17.4/bin/linux/amd64/${b}`, bin(b));
    put(`kubernetes/v1.17.4/bin/linux/amd64/${b}.sha256`, `${sha("sha256", bin(b))}  ${b}\n`);
  }
  const vars = {
    flannel_checksum: sha("sha256", bin("flanneld")),
    docker_checksum: sha("sha256", docker),
    k8s_cni_plugin_checksum: sha("sha512", cni),
  };
  return { files, vars };
};

/** The controller's certificates, kubeconfigs, group_vars and inventory for `n` workers and one etcd host. */
const controller = (dir, n, vars) => {
  mkdirSync(join(dir, "certs"));
  mkdirSync(join(dir, "configs"));
  mkdirSync(join(dir, "group_vars"));
  const certs = ["ca-etcd", "cert-etcd", "ca-k8s-apiserver", "cert-k8s-apiserver"];
  for (let i = 1; i <= n; i++) certs.push(`cert-${workerName(i)}`);
  for (const c of certs)
    for (const f of [`${c}.pem`, `${c}-key.pem`])
      writeFileSync(join(dir, "certs", f), `-----BEGIN ${f}-----\n`);
  const kubeconfigs = ["kube-proxy"];
  for (let i = 1; i <= n; i++) kubeconfigs.push(workerName(i));
  for (const k of kubeconfigs)
    writeFileSync(join(dir, "configs", `${k}.kubeconfig`), `kind: Config # ${k}\n`);
  const groupVars = {
    k8s_interface: "wg0",
    k8s_ca_conf_directory: join(dir, "certs"),
    k8s_config_directory: join(dir, "configs"),
    tend_download_mode: "controller",
    tend_download_mirror: MIRROR,
    ...vars,
  };
  writeFileSync(join(dir, "group_vars", "all.json"), JSON.stringify(groupVars));
  const workers = Array.from({ length: n }, (_, i) => workerName(i + 1));
  const inv = join(dir, "hosts.ini");
  writeFileSync(
    inv,
    `[k8s_etcd]\netcd1\n[k8s_worker]\n${workers.join("\n")}\n[k8s:children]\nk8s_etcd\nk8s_worker\n`,
  );
  return { inv, workers };
};

/** Peak RSS and heap over a phase, sampled every 10 ms (and once at the end). */
const sampler = () => {
  const peak = { rss: 0, heap: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heap = Math.max(peak.heap, m.heapUsed + m.external + m.arrayBuffers);
  };
  sample();
  const timer = setInterval(sample, 10);
  return () => {
    clearInterval(timer);
    sample();
    return peak;
  };
};

/** With TEND_BENCH_CPU_PROF=dir, starts a V8 CPU profile; the returned function writes it as dir/NAME.cpuprofile. */
const startProfile = async () => {
  const dir = process.env.TEND_BENCH_CPU_PROF;
  if (!dir) return undefined;
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return async (name) => {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  };
};

/**
 * CPU time of this process's main thread (tend's) so far, in ms, from Linux's
 * /proc (utime + stime, in clock ticks of 10 ms): unlike process.cpuUsage() it
 * leaves out the SimHosts' thread and V8's helper threads. NaN elsewhere.
 */
const threadCpuMs = () => {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
};

/** The number of line ends in `t`, without making garbage the measured heap would show. */
const newlines = (t) => {
  let n = 0;
  for (let i = t.indexOf("\n"); i >= 0; i = t.indexOf("\n", i + 1)) n++;
  return n;
};

const quietIo = {
  stdout: () => {},
  stderr: () => {},
  stdoutIsTTY: false,
  stderrIsTTY: false,
  stdinIsTTY: false,
  cwd: process.cwd(),
  prompt: async () => undefined,
};

const child = async (n) => {
  const { main } = await import("@tend/cli");
  const { tarArchive } = await import("@tend/core/testing");
  const dir = mkdtempSync(join(tmpdir(), "tend-bench-fleet-"));
  try {
    const { files, vars } = mirror(tarArchive);
    const { inv, workers } = controller(dir, n, vars);
    const sim =
      process.env.TEND_BENCH_SIM_THREAD === "0" ? await localSims(workers) : await threadSims(workers);
    const deps = {
      openTarget: async (c) => {
        const h = sim.target(c.host);
        return h ? { _tag: "Right", right: h } : { _tag: "Left", left: `${c.host}: no such SimHost` };
      },
      fetch: async (url) => {
        const body = files[url];
        return body ? new Response(Buffer.from(body)) : new Response("not found", { status: 404 });
      },
    };
    const env = { ...process.env, XDG_CACHE_HOME: join(dir, "cache"), NO_COLOR: "1" };
    const concurrency = process.env.TEND_BENCH_CONCURRENCY
      ? ["--concurrency", process.env.TEND_BENCH_CONCURRENCY]
      : [];
    const phase = async (label, args, want) => {
      // Output is counted, not kept (a terminal or a log keeps it, not tend): only its last
      // chunks, for errors (joined only then: a string per chunk would be the bench's own garbage).
      const tail = [];
      const whole = process.env.TEND_BENCH_OUT ? [] : undefined;
      let outLines = 0;
      let errLines = 0;
      const io = {
        stdout: (t) => {
          outLines += newlines(t);
          whole?.push(t);
          tail.push(t);
          if (tail.length > 64) tail.splice(0, 32);
        },
        stderr: (t) => {
          errLines += newlines(t);
        },
        stdoutIsTTY: false,
        stderrIsTTY: false,
        stdinIsTTY: false,
        env,
        cwd: dir,
        prompt: async () => undefined,
      };
      globalThis.gc?.();
      const rt0 = await sim.roundTrips();
      const thread0 = threadCpuMs();
      const cpu0 = process.cpuUsage();
      const stop = sampler();
      const profiler = await startProfile();
      const t0 = performance.now();
      const code = await main([...args, ...concurrency], io, deps);
      const wallMs = performance.now() - t0;
      await profiler?.(`fleet-${n}-${label.split(/[ ,(]/)[0]}`);
      if (whole)
        writeFileSync(
          join(process.env.TEND_BENCH_OUT, `${n}-${label.replace(/[^a-z]+/g, "-")}.out`),
          whole.join(""),
        );
      const peak = stop();
      const cpu = process.cpuUsage(cpu0);
      const threadMs = threadCpuMs() - thread0;
      const rt = (await sim.roundTrips()) - rt0;
      if (code !== want)
        throw new Error(`${label} of ${n} hosts exited ${code}, not ${want}:\n${tail.join("").slice(-3000)}`);
      return {
        hosts: n,
        phase: label,
        wallMs,
        cpuMs: (cpu.user + cpu.system) / 1000,
        threadMs,
        peakRss: peak.rss,
        peakHeap: peak.heap,
        roundTripsPerHost: rt / n,
        outLines,
        errLines,
      };
    };
    const rows = [];
    const limit = ["-i", inv, "--limit", "k8s_worker"];
    const phases = [
      ["plan, fresh hosts", ["plan", ...limit, "--detailed-exitcode"], 2],
      ["apply (plan, apply, re-plan)", ["apply", ...limit, "--yes"], 0],
      ["plan, converged", ["plan", ...limit, "--detailed-exitcode"], 0],
    ];
    const only = process.env.TEND_BENCH_PHASE;
    const measured = phases.map(([label]) => !only || label.startsWith(only));
    for (const [i, [label, args, want]] of phases.entries()) {
      if (!measured[i]) {
        // The converged plan needs the apply done, measured or not.
        if (label.startsWith("apply") && measured[2]) await main(args, { ...quietIo, env }, deps);
        continue;
      }
      rows.push(await phase(label, args, want));
    }
    const converged = !measured[1] || (await sim.converged());
    if (!converged) throw new Error("a worker's kubelet is not running after apply");
    const hostsHeap = sim.heap;
    process.stdout.write(
      `${JSON.stringify({ rows, hostsHeap, maxRss: process.resourceUsage().maxRSS * 1024 })}\n`,
    );
    await sim.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** The SimHosts of etcd1 and the workers, each answering a round trip after a drawn 20–50 ms. */
const simHosts = async (workers) => {
  const { freshDebianHost, SimHost } = await import("@tend/core/testing");
  const random = prng(9);
  const latencyMs = () => 20 + random() * 30;
  const available = {
    packages: { iptables: "1.8.9-2", iptstate: "2.2.7-1", netbase: "6.4", "netstat-nat": "1.4.10-4" },
  };
  const hosts = new Map();
  const addHost = (name, ip) =>
    hosts.set(
      name,
      new SimHost(freshDebianHost({ host: { hostname: name }, wg0: ip, available }), { name, latencyMs }),
    );
  addHost("etcd1", "10.8.0.1");
  for (const [i, w] of workers.entries()) addHost(w, `10.9.${Math.floor(i / 250)}.${(i % 250) + 1}`);
  globalThis.gc?.();
  const heap = process.memoryUsage().heapUsed;
  return {
    hosts,
    heap,
    roundTrips: () => [...hosts.values()].reduce((s, h) => s + h.roundTrips, 0),
    converged: () =>
      workers.every((w) => hosts.get(w).state.services["kubelet.service"]?.active === "active"),
  };
};

/** The SimHosts on tend's thread: openTarget hands out the SimHosts themselves. */
const localSims = async (workers) => {
  const s = await simHosts(workers);
  return {
    heap: s.heap,
    target: (name) => s.hosts.get(name),
    roundTrips: async () => s.roundTrips(),
    converged: async () => s.converged(),
    stop: async () => {},
  };
};

/** The Target methods a host answers; their arguments and answers are data (structured-cloned). */
const TARGET_CALLS = ["hostFacts", "probe", "observe", "run", "close"];

/** The SimHosts on a worker thread: openTarget hands out a Target that forwards each call there. */
const threadSims = async (workers) => {
  // A small young generation: the SimHosts stand for remote hosts, so their thread should add little to the
  // peak RSS measured for tend (it collects more often instead, off tend's thread).
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { workers },
    resourceLimits: { maxYoungGenerationSizeMb: 8 },
  });
  const pending = new Map();
  let next = 0;
  const call = (host, method, args = []) =>
    new Promise((resolve, reject) => {
      const id = next++;
      // The thread keeps this process alive only while a call waits on it (an error exits).
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, host, method, args });
    });
  worker.on("message", ({ id, result, error }) => {
    const p = pending.get(id);
    pending.delete(id);
    if (pending.size === 0) worker.unref();
    if (error === undefined) p.resolve(result);
    else p.reject(new Error(error));
  });
  worker.on("error", (e) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  });
  const { names, heap } = await call("", "ready");
  const known = new Set(names);
  const targets = new Map();
  return {
    heap,
    target: (host) => {
      if (!known.has(host)) return undefined;
      let t = targets.get(host);
      if (!t) {
        t = { host };
        for (const m of TARGET_CALLS) t[m] = (...args) => call(host, m, args);
        targets.set(host, t);
      }
      return t;
    },
    roundTrips: () => call("", "roundTrips"),
    converged: () => call("", "converged"),
    stop: () => worker.terminate(),
  };
};

/** The worker thread of threadSims: answers each call with the named SimHost's. */
const simThread = async ({ workers }) => {
  const s = await simHosts(workers);
  const answer = async ({ host, method, args }) => {
    if (method === "ready") return { names: [...s.hosts.keys()], heap: s.heap };
    if (method === "roundTrips") return s.roundTrips();
    if (method === "converged") return s.converged();
    if (!TARGET_CALLS.includes(method)) throw new Error(`no such call: ${method}`);
    return s.hosts.get(host)[method](...args);
  };
  parentPort.on("message", (m) => {
    answer(m).then(
      (result) => parentPort.postMessage({ id: m.id, result }),
      (e) => parentPort.postMessage({ id: m.id, error: String(e?.stack ?? e) }),
    );
  });
};

const measure = (n, flags = [], env = {}) =>
  new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      ["--expose-gc", ...flags, new URL(import.meta.url).pathname, "--child", String(n)],
      {
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let text = "";
    p.stdout.on("data", (b) => {
      text += b;
    });
    p.on("error", reject);
    p.on("close", (code) => {
      try {
        resolve(JSON.parse(text.trim().split("\n").pop()));
      } catch {
        reject(new Error(`fleet child for ${n} hosts exited ${code} with no report: ${text.slice(-2000)}`));
      }
    });
  });

const mb = (b) => `${(b / 1048576).toFixed(0)} MB`;
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

const parent = async () => {
  const sizes = (process.env.TEND_BENCH_FLEET ?? "10 100 1000").split(/\s+/).filter(Boolean).map(Number);
  const rows = [];
  // The largest size once more, its apply only, with V8's old space capped: what the run
  // needs, as opposed to the garbage V8 lets pile up before collecting when memory is plenty.
  const cap = Number(process.env.TEND_BENCH_HEAP_CAP_MB ?? 256);
  const largest = Math.max(...sizes);
  const runs = sizes.map((n) => [n, [], {}, ""]);
  if (cap > 0)
    runs.push([
      largest,
      [`--max-old-space-size=${cap}`],
      { TEND_BENCH_PHASE: "apply" },
      ` (old space ≤ ${cap} MB)`,
    ]);
  for (const [n, flags, env, note] of runs) {
    const r = await measure(n, flags, env);
    for (const row of r.rows)
      rows.push({
        ...row,
        phase: `${row.phase}${note}`,
        wall: s(row.wallMs),
        cpu: s(row.cpuMs),
        thread: Number.isNaN(row.threadMs) ? "?" : s(row.threadMs),
        rss: mb(row.peakRss),
        heap: mb(row.peakHeap),
        hostsHeap: mb(r.hostsHeap),
        rt: row.roundTripsPerHost.toFixed(1),
      });
  }
  const cols = [
    ["hosts", "workers"],
    ["phase", "phase"],
    ["wall", "wall"],
    ["cpu", "CPU"],
    ["thread", "tend thread CPU"],
    ["rss", "peak RSS"],
    ["heap", "peak heap+external"],
    ["hostsHeap", "SimHosts' heap"],
    ["rt", "round trips / host"],
    ["outLines", "stdout lines"],
    ["errLines", "stderr lines"],
  ];
  const width = cols.map(([k, h]) => Math.max(h.length, ...rows.map((r) => String(r[k]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(width[i])).join(" | ")} |`;
  console.log(
    "fleet: tend CLI (worker modules) on SimHosts with 20–50 ms per round trip, plus one etcd host",
  );
  console.log(line(cols.map(([, h]) => h)));
  console.log(`|${width.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of rows) console.log(line(cols.map(([k]) => r[k])));
};

if (!isMainThread) await simThread(workerData);
else if (process.argv[2] === "--child") await child(Number(process.argv[3]));
else await parent();
