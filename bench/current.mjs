// Current-stack worker benchmark: the real CLI sets up one worker of the
// current roles (Debian's real containerd, runc and CNI plugins in
// upstream-shaped archives, stand-in kubelet/kube-proxy; test/e2e/current-cluster.ts)
// on a real systemd test host. Measures a fresh host's first apply and the
// median of 3 no-op plans once converged: wall time of a `tend` process (node
// start-up included), CPU of that process, exec round trips to the host, peak RSS.
//
//   npm run bench current
import { spawn } from "node:child_process";
import { register } from "node:module";

const child = async ([command, inventory]) => {
  const { main } = await import("@tend/cli");
  const { ShellTarget } = await import("@tend/core");
  const { dockerTransport } = await import("@tend/transport-docker");
  const transports = [];
  const openTarget = async (c) => {
    if (c.type !== "docker") return { _tag: "Left", left: `${c.host}: the benchmark speaks docker only` };
    const t = dockerTransport({ container: c.container, host: c.host });
    transports.push(t);
    return { _tag: "Right", right: new ShellTarget(t) };
  };
  const args =
    command === "apply"
      ? ["apply", "-i", inventory, "--yes"]
      : ["plan", "-i", inventory, "--detailed-exitcode"];
  let out = "";
  const io = {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      out += t;
    },
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdinIsTTY: false,
    env: process.env,
    cwd: process.cwd(),
    prompt: async () => undefined,
  };
  const t0 = performance.now();
  const code = await main(args, io, { openTarget });
  const cpu = process.cpuUsage();
  const report = {
    code,
    inProcessMs: performance.now() - t0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    roundTrips: transports.reduce((n, t) => n + t.roundTrips, 0),
    maxRssKb: process.resourceUsage().maxRSS,
  };
  if (code !== 0) report.output = out.slice(-4000);
  process.stdout.write(`${JSON.stringify(report)}\n`);
};

const measure = (command, bed) =>
  new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(
      process.execPath,
      [new URL(import.meta.url).pathname, "--child", command, bed.inventory],
      {
        env: { ...process.env, XDG_CACHE_HOME: `${bed.work}/cache`, NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let text = "";
    p.stdout.on("data", (b) => {
      text += b;
    });
    p.on("error", reject);
    p.on("close", () => {
      try {
        resolve({ ...JSON.parse(text.trim().split("\n").pop()), wallMs: performance.now() - t0 });
      } catch {
        reject(new Error(`benchmark child printed no report: ${text}`));
      }
    });
  });

const parent = async () => {
  register(new URL("./ts-loader.mjs", import.meta.url));
  const { startCurrentBed } = await import("../test/e2e/current-cluster.ts");
  const bed = await startCurrentBed("bench-cur");
  const rows = [];
  try {
    const first = await measure("apply", bed);
    if (first.code !== 0) throw new Error(`first apply exited ${first.code}:\n${first.output}`);
    const plans = [];
    for (let i = 0; i < 3; i++) {
      const p = await measure("plan", bed);
      if (p.code !== 0) throw new Error(`no-op plan exited ${p.code} (not converged?):\n${p.output}`);
      plans.push(p);
    }
    plans.sort((a, b) => a.wallMs - b.wallMs);
    for (const [label, r] of [
      ["first apply (fresh host)", first],
      ["no-op plan (median of 3)", plans[1]],
    ])
      rows.push([
        label,
        `${(r.wallMs / 1000).toFixed(2)} s`,
        `${(r.inProcessMs / 1000).toFixed(2)} s`,
        `${(r.cpuMs / 1000).toFixed(2)} s`,
        String(r.roundTrips),
        `${(r.maxRssKb / 1024).toFixed(0)} MB`,
      ]);
  } finally {
    await bed.stop();
  }
  const head = ["run", "wall (process)", "main()", "CPU tend", "round trips", "peak RSS"];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(width[i])).join(" | ")} |`;
  console.log("current: one current-stack worker (containerd, runc, CNI, Kubernetes 1.34), docker transport");
  console.log(line(head));
  console.log(`|${width.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of rows) console.log(line(r));
};

if (process.argv[2] === "--child") await child(process.argv.slice(3));
else await parent();
