// Start-up benchmark (issue 9, "Start-up"): wall and CPU time (GNU time) of
// the `tend` executable for `--help` and `--version` against bare `node -e 0`,
// 21 runs each, interleaved so the machine's load hits every command alike,
// with the load average before and after. Target: `tend --help` under
// 0.12 s. The no-op plan of one worker over SSH is timed by bench/worker.mjs
// (it needs a real test host).
//
//   npm run bench startup
//   TEND_BENCH_BIN=path             the tend bin to time (default: this tree's packages/cli/bin/tend.js)
//   TEND_BENCH_BIN_BEFORE=path      also time this one, e.g. a build of an older commit
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";

const RUNS = Number(process.env.TEND_BENCH_RUNS ?? 21);
const bin = process.env.TEND_BENCH_BIN ?? new URL("../packages/cli/bin/tend.js", import.meta.url).pathname;
// The bundle keeps V8's compiled code between runs (scripts/bundle-entry.mjs);
// a first run, or one with the cache off, compiles everything again.
const noCache = { ...process.env, NODE_DISABLE_COMPILE_CACHE: "1" };
const commands = [
  ["bare node (node -e 0)", ["-e", "0"]],
  ["tend --help", [bin, "--help"]],
  ["tend --version", [bin, "--version"]],
  ["tend --help, no code cache", [bin, "--help"], noCache],
];
if (process.env.TEND_BENCH_BIN_BEFORE) {
  const before = process.env.TEND_BENCH_BIN_BEFORE;
  commands.push(
    ["before: tend --help", [before, "--help"]],
    ["before: tend --version", [before, "--version"]],
  );
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
const loadBefore = load();
const times = commands.map(() => []);
const cpus = commands.map(() => []);
for (let i = 0; i < RUNS; i++) {
  for (const [j, [label, args, env]] of commands.entries()) {
    const t0 = performance.now();
    const r = spawnSync("/usr/bin/time", ["-f", "TEND-TIME %U %S", process.execPath, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: env ?? process.env,
    });
    const ms = performance.now() - t0;
    const cpu = /TEND-TIME (\S+) (\S+)/.exec(String(r.stderr));
    if (r.status !== 0 || !cpu) throw new Error(`${label} exited ${r.status}: ${r.stderr}`);
    times[j].push(ms);
    cpus[j].push((Number(cpu[1]) + Number(cpu[2])) * 1000);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const min = (xs) => Math.min(...xs);
const s = (ms) => `${(ms / 1000).toFixed(3)} s`;
console.log(
  `startup: a process's wall time (median, min) and CPU user+sys (median) over ${RUNS} runs; load average ${loadBefore} → ${load()}`,
);
console.log("| command | wall median | wall min | CPU median |\n|---|---|---|---|");
for (const [j, [label]] of commands.entries())
  console.log(`| ${label} | ${s(median(times[j]))} | ${s(min(times[j]))} | ${s(median(cpus[j]))} |`);
