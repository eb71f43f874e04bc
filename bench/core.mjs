// Core benchmark: planning 10,000 resources against a SimHost (DESIGN.md cost
// model; target: under 1 s and under 300 MB). Run through `npm run bench`.
import { apply, isConverged, plan } from "@tend/core";
import { freshDebianHost, SimHost } from "@tend/core/testing";

const N = Number(process.env.TEND_BENCH_RESOURCES ?? 10_000);

const resources = [];
const dirs = 100;
for (let d = 0; d < dirs; d++)
  resources.push({ kind: "directory", name: `/srv/bench/d${d}`, props: { mode: 0o755 } });
for (let i = 0; resources.length < N; i++)
  resources.push({
    kind: "file",
    name: `/srv/bench/d${i % dirs}/f${i}.conf`,
    props: { content: `key${i} = value${i}\n`, mode: 0o644 },
  });

let peak = 0;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage().rss);
};
const timer = setInterval(sample, 5);

const time = async (label, f) => {
  globalThis.gc?.();
  sample();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const out = await f();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  sample();
  // CPU time beside wall time: on a busy 2-core machine wall time includes waiting for a core.
  return { label, ms, cpuMs: (cpu.user + cpu.system) / 1000, out };
};

const host = new SimHost(freshDebianHost());
const fresh = await time("plan, fresh host", () => plan(resources, host));
const applied = await time("apply", () => apply(fresh.out, host));
const noop = await time("plan, converged host", () => plan(resources, host));
clearInterval(timer);

const actions = ({ plan: p }) => (p.hosts[0].status === "ready" ? p.hosts[0].actions.length : "error");
console.log(`core: ${N} resources on SimHost`);
const line = (r, what) =>
  console.log(`  ${r.label}: ${r.ms.toFixed(0)} ms wall, ${r.cpuMs.toFixed(0)} ms CPU (${what})`);
line(fresh, `${actions(fresh.out)} actions`);
line(applied, `${applied.out.hosts[0].opsRun} ops, converged=${isConverged(applied.out.hosts[0])}`);
line(noop, `${actions(noop.out)} actions`);
console.log(`  peak RSS: ${(peak / 1024 / 1024).toFixed(0)} MB`);
