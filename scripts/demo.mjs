#!/usr/bin/env node
// `npm run demo`: tend sets up a Kubernetes worker on a throwaway systemd
// host, end to end, with nothing downloaded from the internet.
//
//  1. scripts/ensure-system.sh: missing apt packages, dockerd, the test image;
//  2. the e2e test bed (test/e2e/cluster.ts, loaded through
//     bench/ts-loader.mjs as bench/worker.mjs does) with one worker: systemd
//     hosts etcd1 and worker1 (test/hosts), TLS material, etcd with TLS on
//     etcd1, the compiled stand-in artifacts (test/artifacts) on a loopback
//     mirror, and an inventory (the seed's group_vars plus the test bed's);
//  3. the real CLI as a child process: `tend apply --yes` (the plan once,
//     then progress and the outcome: a separate `tend plan` first would show
//     the same plan twice), `tend plan --detailed-exitcode` (exit 0 =
//     converged), then the worker's services; the hosts are removed at the
//     end, also on failure or Ctrl-C. Headings are bold on a terminal only.
import { spawn, spawnSync } from "node:child_process";
import { register } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const tend = join(root, "packages", "cli", "dist", "bin.js");
const SERVICES = ["flanneld", "docker", "kubelet", "kube-proxy"];

/** Bold headings only where tend itself would colour (packages/cli/src/internal/io.ts: useColor). */
const colour = (() => {
  const { NO_COLOR, FORCE_COLOR, TERM } = process.env;
  if (NO_COLOR) return false;
  if (FORCE_COLOR) return FORCE_COLOR !== "0" && FORCE_COLOR.toLowerCase() !== "false";
  return process.stdout.isTTY === true && TERM !== "dumb";
})();
const say = (text) => process.stdout.write(colour ? `\n\u001b[1m== ${text}\u001b[0m\n` : `\n== ${text}\n`);

let cluster;
let starting;
let stopping;
let interrupted = false;

/** Runs the built CLI as a child, asynchronously: the mirror is served from this process's event loop. */
const runTend = (args, env) =>
  new Promise((resolve, reject) => {
    if (interrupted) return reject(new Error("interrupted"));
    console.log(`\n$ tend ${args.join(" ")}`);
    const child = spawn(process.execPath, [tend, ...args], { stdio: "inherit", env });
    child.on("error", reject);
    child.on("exit", (code) => (interrupted ? reject(new Error("interrupted")) : resolve(code ?? 1)));
  });

/** Removes the hosts, the mirror and the scratch directory; once, however often it is called. */
const stop = () => {
  stopping ??= (async () => {
    say("removing the demo hosts");
    const started = await starting?.catch(() => undefined);
    await started?.stop();
  })();
  return stopping;
};

const main = async () => {
  say("system prerequisites and test image");
  const pre = spawnSync("bash", [join(root, "scripts", "ensure-system.sh")], { stdio: "inherit" });
  if (pre.status !== 0) throw new Error(`scripts/ensure-system.sh exited ${pre.status ?? pre.signal}`);

  say("throwaway systemd hosts, TLS, etcd, stand-in artifacts on a loopback mirror");
  register(new URL("../bench/ts-loader.mjs", import.meta.url));
  const { startCluster } = await import("../test/e2e/cluster.ts");
  starting = startCluster({ prefix: "demo", workers: 1 });
  cluster = await starting;
  if (interrupted) return;
  for (const [name, h] of cluster.hosts) console.log(`${name}: container ${h.container}, wg0 ${h.ip}`);
  console.log(`etcd1: etcd running with TLS on 127.0.0.1:2379`);
  console.log(`mirror: ${cluster.server.baseUrl}`);
  console.log(`inventory: ${cluster.inventory}`);

  const inv = cluster.inventory;
  const env = { ...process.env, XDG_CACHE_HOME: join(cluster.work, "cache") };
  say("plan and apply");
  const applied = await runTend(["apply", "-i", inv, "--yes"], env);
  say("converged?");
  const again = await runTend(["plan", "-i", inv, "--detailed-exitcode"], env);
  console.log(
    again === 0 ? "\nconverged: a second plan is empty" : `\nNOT converged (tend plan exit ${again})`,
  );

  say("services on worker1");
  const active = await cluster.sh("worker1", `systemctl is-active ${SERVICES.join(" ")}`);
  if (interrupted) return;
  const states = active.stdout.toString().trim().split("\n");
  for (const [i, s] of SERVICES.entries()) console.log(`${s.padEnd(10)} ${states[i] ?? "?"}`);
  if (applied !== 0 || again !== 0 || states.some((s) => s !== "active")) process.exitCode = 1;
};

const interrupt = (signal) => {
  // A second signal quits at once; test/hosts still removes the containers on exit.
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write(`\n${signal}: removing the demo hosts (Ctrl-C again to quit now)\n`);
  stop().finally(() => process.exit(130));
};
process.on("SIGINT", interrupt);
process.on("SIGTERM", interrupt);

try {
  await main();
} catch (e) {
  if (!interrupted) {
    process.stderr.write(`\ndemo failed: ${e instanceof Error ? e.message : e}\n`);
    process.exitCode = 1;
  }
} finally {
  await stop();
}
