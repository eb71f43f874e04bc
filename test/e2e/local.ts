/**
 * Running tend inside a test host, for `tend apply --local`: this machine's
 * node and the CLI bundled into one file (built from the current sources),
 * the controller's certificates and kubeconfigs, the inventory with those
 * paths, and the stand-in artifacts served on the host's own loopback at the
 * same url as on this machine (the host has no network to reach ours).
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { mustRun, runCommand } from "../hosts/docker-cli.js";
import type { Cluster } from "./cluster.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));

/** Where everything lives in the host. */
export const IN_HOST = "/root/e2e";

const MIRROR_SERVER = `const http = require("node:http"), fs = require("node:fs"), path = require("node:path");
const [root, port] = process.argv.slice(2);
http.createServer((req, res) => {
  const p = path.join(root, decodeURIComponent(new URL(req.url, "http://x").pathname));
  if (!p.startsWith(root)) return res.writeHead(403).end();
  fs.readFile(p, (err, body) => (err ? res.writeHead(404).end() : res.writeHead(200, { "content-length": body.length }).end(body)));
}).listen(Number(port), "127.0.0.1");
`;

/** Builds the CLI and bundles it (dependencies included) into one CommonJS file. */
const bundleCli = async (out: string): Promise<void> => {
  await mustRun(["npx", "tsc", "-b", join(repo, "packages/cli")], { timeoutMs: 300_000 });
  const { build } = await import("rolldown");
  await build({
    input: join(repo, "packages/cli/dist/bin.js"),
    platform: "node",
    // ssh2's optional native helpers; it falls back to JavaScript without them.
    external: [/\.node$/, "cpu-features"],
    logLevel: "silent",
    output: { file: out, format: "cjs", codeSplitting: false },
  });
};

/**
 * Installs node, the bundled CLI, certificates, configs, an inventory and an
 * artifact mirror into the host. Returns the inventory path inside the host.
 */
export const installTendInHost = async (cluster: Cluster, host: string): Promise<string> => {
  const container = cluster.hosts.get(host)?.container;
  if (!container) throw new Error(`no host ${host}`);
  const stage = join(cluster.work, `in-${host}`);
  mkdirSync(stage, { recursive: true });
  await bundleCli(join(stage, "tend.cjs"));
  for (const a of cluster.artifacts) {
    const p = join(stage, "mirror", a.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, a.bytes);
  }
  writeFileSync(join(stage, "mirror.cjs"), MIRROR_SERVER);
  cpSync(cluster.certs, join(stage, "certs"), { recursive: true });
  cpSync(cluster.configs, join(stage, "configs"), { recursive: true });
  const inv = join(stage, "inventory");
  cpSync(dirname(cluster.inventory), inv, { recursive: true });
  const k8s = join(inv, "group_vars", "k8s.yml");
  writeFileSync(
    k8s,
    readFileSync(k8s, "utf8")
      .replaceAll(JSON.stringify(cluster.certs), JSON.stringify(`${IN_HOST}/certs`))
      .replaceAll(JSON.stringify(cluster.configs), JSON.stringify(`${IN_HOST}/configs`)),
  );
  await mustRun(["docker", "cp", "-L", process.execPath, `${container}:/usr/local/bin/node`], {
    timeoutMs: 120_000,
  });
  await mustRun(["docker", "exec", container, "mkdir", "-p", IN_HOST]);
  await mustRun(["docker", "cp", `${stage}/.`, `${container}:${IN_HOST}`], { timeoutMs: 120_000 });
  const port = new URL(cluster.server.baseUrl).port;
  await mustRun([
    "docker",
    "exec",
    container,
    "systemd-run",
    "--unit=e2e-mirror",
    "/usr/local/bin/node",
    `${IN_HOST}/mirror.cjs`,
    `${IN_HOST}/mirror`,
    port,
  ]);
  const probe = `${cluster.server.baseUrl}/${cluster.artifacts[0]?.path}`;
  for (let i = 0; i < 80; i++) {
    const r = await runCommand(["docker", "exec", container, "curl", "-sf", "-o", "/dev/null", probe]);
    if (r.code === 0) return `${IN_HOST}/inventory/hosts.yml`;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`${host}: the in-host artifact mirror does not answer ${probe}`);
};

/** Runs the bundled tend inside the host; its own cache, no colour. */
export const tendInHost = async (
  cluster: Cluster,
  host: string,
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> => {
  const container = cluster.hosts.get(host)?.container;
  if (!container) throw new Error(`no host ${host}`);
  const r = await runCommand(
    [
      "docker",
      "exec",
      "-w",
      IN_HOST,
      "-e",
      `XDG_CACHE_HOME=${IN_HOST}/cache`,
      "-e",
      "NO_COLOR=1",
      container,
      "/usr/local/bin/node",
      `${IN_HOST}/tend.cjs`,
      ...args,
    ],
    { timeoutMs: 300_000 },
  );
  return { code: r.code, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
};
