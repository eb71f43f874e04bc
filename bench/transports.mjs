// Transport benchmark (DESIGN.md cost model): a no-op plan of N file resources
// through ShellTarget over each transport — local (a temp dir on this
// machine), docker (Engine API exec) and ssh (ssh2 over the stdio of
// `docker exec -i C /usr/sbin/sshd -i`, so no network) against one systemd
// test host. Reports wall time and exec round trips; a no-op plan must cost
// 2 round trips (host facts + every resource probe) whatever N is.
// Run through `npm run bench` (or `node bench/run.mjs transports` after `tsc -b`).
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { apply, plan, ShellTarget } from "@tend/core";
import { dockerTransport } from "@tend/transport-docker";
import { localTransport } from "@tend/transport-local";
import { commandSocket, sshTransport } from "@tend/transport-ssh";

const SIZES = (process.env.TEND_BENCH_FILES ?? "20,200,1000").split(",").map(Number);
const REPEATS = Number(process.env.TEND_BENCH_REPEATS ?? 3);
const IMAGE =
  process.env.TEND_TEST_IMAGE ?? readFileSync(new URL("../test/hosts/IMAGE", import.meta.url), "utf8").trim();
// The label test/hosts uses: a container whose starting pid is gone is removed by the next test run.
const LABEL = "tend.test.pid";

/** Runs argv; returns trimmed stdout or throws with stderr. */
const run = (argv, input) => {
  const r = spawnSync(argv[0], argv.slice(1), { input, encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${argv.slice(0, 4).join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
};

/** A systemd test host as DESIGN.md "Test hosts" starts one (no network, no wg0: the bench needs none). */
const startHost = async () => {
  if (spawnSync("docker", ["image", "inspect", IMAGE], { stdio: "ignore" }).status !== 0) {
    run(["bash", new URL("../test/hosts/build-image.sh", import.meta.url).pathname]);
  }
  const name = `tend-bench-${process.pid.toString(36)}${randomBytes(3).toString("hex")}`;
  run([
    "docker",
    "run",
    "-d",
    "--name",
    name,
    "--hostname",
    "bench",
    "--label",
    `${LABEL}=${process.pid}`,
    "--network",
    "none",
    "--cap-add",
    "SYS_ADMIN",
    "--cap-add",
    "NET_ADMIN",
    "--security-opt",
    "systempaths=unconfined",
    "--tmpfs",
    "/run",
    "--tmpfs",
    "/run/lock",
    "-v",
    "/sys/fs/cgroup:/sys/fs/cgroup:rw",
    IMAGE,
    "/lib/systemd/systemd",
  ]);
  process.once("exit", () => spawnSync("docker", ["rm", "-f", name], { stdio: "ignore" }));
  const deadline = Date.now() + 120_000;
  for (;;) {
    const s = spawnSync("docker", ["exec", name, "systemctl", "is-system-running"], {
      encoding: "utf8",
    }).stdout.trim();
    if (s === "running" || s === "degraded") break;
    if (Date.now() > deadline) throw new Error(`${name}: systemd not running (${s})`);
    await new Promise((r) => setTimeout(r, 250));
  }
  run(["docker", "exec", name, "sh", "-c", "mkdir -p /run/sshd && chmod 0755 /run/sshd"]);
  return name;
};

/** ssh2 over `sshd -i` on docker exec's stdio, as root with a fresh key. */
const sshInto = async (container, dir) => {
  const key = join(dir, "id_ed25519");
  run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key]);
  run(
    [
      "docker",
      "exec",
      "-i",
      container,
      "sh",
      "-c",
      "mkdir -p /root/.ssh && cat >> /root/.ssh/authorized_keys && chmod -R go= /root/.ssh",
    ],
    readFileSync(`${key}.pub`),
  );
  const t = await sshTransport({
    host: "bench-ssh",
    username: "root",
    privateKeyPath: key,
    knownHostsPath: join(dir, "known_hosts"),
    hostKeyPolicy: "accept-new",
    sock: commandSocket(["docker", "exec", "-i", container, "/usr/sbin/sshd", "-i"]),
  });
  if (t._tag === "Left") throw new Error(`ssh: ${JSON.stringify(t.left)}`);
  return t.right;
};

const filesUnder = (root, n) => [
  { kind: "directory", name: root, props: { mode: 0o755 } },
  ...Array.from({ length: n }, (_, i) => ({
    kind: "file",
    name: `${root}/f${i}.conf`,
    props: { content: `key${i} = value${i}\n`, mode: 0o644 },
  })),
];

const actions = (p) =>
  p.hosts[0].status === "ready" ? p.hosts[0].actions.length : `error: ${p.hosts[0].errors.join("; ")}`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Converges N files, then measures no-op plans: median wall ms and round trips of each. */
const measure = async (label, transport, root, n) => {
  const target = new ShellTarget(transport);
  const resources = filesUnder(root, n);
  const report = await apply(await plan(resources, target), target);
  if (report.hosts[0].status === "failed")
    throw new Error(`${label}: apply failed: ${report.hosts[0].error}`);
  const times = [];
  const trips = new Set();
  for (let i = 0; i < REPEATS; i++) {
    const before = transport.roundTrips;
    const t0 = performance.now();
    const p = await plan(resources, target);
    times.push(performance.now() - t0);
    trips.add(transport.roundTrips - before);
    if (actions(p) !== 0) throw new Error(`${label} ${n}: the no-op plan has ${actions(p)} actions`);
  }
  return { transport: label, files: n, ms: median(times), roundTrips: [...trips].join("/") };
};

const rows = [];
const dir = mkdtempSync(join(tmpdir(), "tend-bench-"));
let container;
try {
  container = await startHost();
  const local = localTransport({ host: "bench-local" });
  const docker = dockerTransport({ container, host: "bench-docker" });
  const ssh = await sshInto(container, dir);
  for (const n of SIZES) {
    rows.push(await measure("local", local, join(dir, `n${n}`), n));
    rows.push(await measure("docker", docker, `/srv/bench/docker-n${n}`, n));
    rows.push(await measure("ssh", ssh, `/srv/bench/ssh-n${n}`, n));
  }
  await Promise.all([local.close(), docker.close(), ssh.close()]);
} finally {
  if (container) spawnSync("docker", ["rm", "-f", container], { stdio: "ignore" });
  rmSync(dir, { recursive: true, force: true });
}

console.log(`transports: no-op plan of N file resources (median of ${REPEATS} plans after converging)`);
console.log(
  `  ${"transport".padEnd(10)}${"files".padStart(6)}${"wall ms".padStart(10)}${"round trips".padStart(13)}`,
);
for (const r of rows.sort((a, b) => a.transport.localeCompare(b.transport) || a.files - b.files)) {
  console.log(
    `  ${r.transport.padEnd(10)}${String(r.files).padStart(6)}${r.ms.toFixed(0).padStart(10)}${r.roundTrips.padStart(13)}`,
  );
}
const bad = rows.filter((r) => r.roundTrips !== "2");
if (bad.length > 0) {
  console.log(
    `  cost model broken: ${bad.map((r) => `${r.transport}/${r.files}=${r.roundTrips}`).join(", ")} (want 2)`,
  );
  process.exitCode = 1;
}
