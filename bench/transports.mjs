// Transport benchmark (DESIGN.md cost model): a no-op plan of N file resources
// through ShellTarget over each transport — local (a temp dir on this
// machine), docker (Engine API exec) and ssh (ssh2 over the stdio of
// `docker exec -i C /usr/sbin/sshd -i`, so no network) against one systemd
// test host. Reports wall time and exec round trips; a no-op plan must cost
// 2 round trips (host facts + every resource probe) whatever N is.
// Run through `npm run bench` (or `node bench/run.mjs transports` after `tsc -b`).
import { mkdtempSync, rmSync } from "node:fs";
import { register } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { apply, plan, ShellTarget } from "@tend/core";
import { dockerTransport } from "@tend/transport-docker";
import { localTransport } from "@tend/transport-local";
import { commandSocket, sshTransport } from "@tend/transport-ssh";

// The test-host helpers are TypeScript; the loader strips types (as in bench/worker.mjs).
register(new URL("./ts-loader.mjs", import.meta.url));
const { ensureImage, installAuthorizedKey, makeKeyPair, sshdCommand, startHosts, stopHosts } = await import(
  "../test/hosts/hosts.ts"
);

const SIZES = (process.env.TEND_BENCH_FILES ?? "20,200,1000").split(",").map(Number);
const REPEATS = Number(process.env.TEND_BENCH_REPEATS ?? 3);

/** ssh2 over `sshd -i` on docker exec's stdio, as root with a fresh key. */
const sshInto = async (host, dir) => {
  const key = await makeKeyPair();
  await installAuthorizedKey(host, key.publicKey);
  const t = await sshTransport({
    host: "bench-ssh",
    username: "root",
    privateKeyPath: key.privateKeyPath,
    knownHostsPath: join(dir, "known_hosts"),
    hostKeyPolicy: "accept-new",
    sock: commandSocket(sshdCommand(host)),
  });
  if (t._tag === "Left") throw new Error(`ssh: ${JSON.stringify(t.left)}`);
  return { transport: t.right, dispose: key.dispose };
};

const filesUnder = (root, n) => [
  { kind: "directory", name: root, props: { mode: 0o755 } },
  ...Array.from({ length: n }, (_, i) => ({
    kind: "file",
    name: `${root}/f${i}.conf`,
    props: { content: `key${i} = value${i}\n`, mode: 0o644 },
  })),
];

const actions = ({ plan: p }) =>
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
let hosts = [];
try {
  await ensureImage();
  hosts = await startHosts(1, { prefix: "bench" });
  const host = hosts[0];
  const local = localTransport({ host: "bench-local" });
  const docker = dockerTransport({ container: host.container, host: "bench-docker" });
  const { transport: ssh, dispose } = await sshInto(host, dir);
  for (const n of SIZES) {
    rows.push(await measure("local", local, join(dir, `n${n}`), n));
    rows.push(await measure("docker", docker, `/srv/bench/docker-n${n}`, n));
    rows.push(await measure("ssh", ssh, `/srv/bench/ssh-n${n}`, n));
  }
  await Promise.all([local.close(), docker.close(), ssh.close()]);
  await dispose();
} finally {
  await stopHosts(hosts);
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
