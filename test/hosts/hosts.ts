/**
 * Real systemd test hosts in Docker containers, started with the recipe in
 * DESIGN.md "Test hosts": no network at all (`--network none`), a `wg0`
 * interface inside made from a veth pair, and sshd reachable only over the
 * stdio of `docker exec -i C /usr/sbin/sshd -i`.
 *
 * Names carry a per-run id so parallel runs never collide; containers are
 * labelled with the pid that started them so a crashed run's leftovers are
 * removed by the next run.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type CommandOutput, docker, mustRun, removeContainersSync, runCommand } from "./docker-cli.js";

export type { CommandOutput } from "./docker-cli.js";
export { installNodePackage } from "./node-in-host.js";
export { countRoundTrips, type RoundTripCount } from "./round-trips.js";
export { addUser, installAuthorizedKey, type KeyPair, makeKeyPair, sshdCommand } from "./ssh.js";

/** One running test host. */
export interface TestHost {
  /** The inventory name (what a transport reports in its errors). */
  readonly name: string;
  /** The Docker container name, unique per run. */
  readonly container: string;
  /** The container's init pid on this machine (its network namespace). */
  readonly pid: number;
  /** The address of `wg0` inside the container; it exists only in the container's netns. */
  readonly ip: string;
  /** The host-side end of the veth pair whose other end is `wg0`. */
  readonly veth: string;
}

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

/** The test image; its tag is kept in test/hosts/IMAGE (shared with build-image.sh). */
export const IMAGE: string = process.env.TEND_TEST_IMAGE ?? readFileSync(here("./IMAGE"), "utf8").trim();

const LABEL = "tend.test.pid";
const live = new Set<string>();
let exitHookInstalled = false;

/** Builds the test image with build-image.sh unless it is already there. */
export const ensureImage = async (): Promise<void> => {
  const present = await runCommand(["docker", "image", "inspect", IMAGE], { timeoutMs: 60_000 });
  if (present.code === 0) return;
  const r = await runCommand(["bash", here("./build-image.sh")], {
    timeoutMs: 15 * 60_000,
  });
  if (r.code !== 0) {
    const tail = Buffer.concat([r.stdout, r.stderr]).toString().split("\n").slice(-20).join("\n");
    throw new Error(`build-image.sh failed (exit ${r.code}):\n${tail}`);
  }
};

/**
 * Removes test containers whose starting process is gone (a run that crashed
 * or was killed before its afterAll). Containers of live runs are left alone.
 */
export const reapStaleHosts = async (): Promise<void> => {
  const out = await docker([
    "ps",
    "-a",
    "--filter",
    `label=${LABEL}`,
    "--format",
    `{{.Names}} {{.Label "${LABEL}"}}`,
  ]);
  const stale = out
    .split("\n")
    .map((l) => l.trim().split(" "))
    .filter(([name, pid]) => name && pid && !processAlive(Number(pid)))
    .map(([name]) => name as string);
  if (stale.length > 0) await runCommand(["docker", "rm", "-f", ...stale], { timeoutMs: 120_000 });
};

const processAlive = (pid: number): boolean => {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Options of {@link startHosts}. */
export interface StartOptions {
  /** A short word naming the suite; it begins every container and host name. */
  readonly prefix: string;
  /** How long one host may take to reach systemd `running`/`degraded`. Default 120 s. */
  readonly bootTimeoutMs?: number;
}

/**
 * Starts n systemd hosts and waits until each one's systemd reports running
 * or degraded, then gives each a `wg0` at 10.77.0.<i+1>/24. On any failure the
 * hosts already started are removed before the error is thrown.
 */
export const startHosts = async (n: number, options: StartOptions): Promise<TestHost[]> => {
  await ensureImage();
  await reapStaleHosts();
  installExitHook();
  const runId = `${process.pid.toString(36)}${randomBytes(3).toString("hex")}`;
  const started: TestHost[] = [];
  try {
    const hosts = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const host = await startOne(options.prefix, runId, i, options.bootTimeoutMs ?? 120_000, (c) => {
          started.push(c);
        });
        return host;
      }),
    );
    return hosts;
  } catch (e) {
    await stopHosts(started);
    throw e;
  }
};

const startOne = async (
  prefix: string,
  runId: string,
  i: number,
  bootTimeoutMs: number,
  onCreated: (h: TestHost) => void,
): Promise<TestHost> => {
  const container = `tend-${prefix}-${runId}-${i + 1}`;
  // Linux caps interface names at 15 bytes; random hex keeps parallel runs apart.
  const veth = `tv${randomBytes(4).toString("hex")}${i}`;
  const ip = `10.77.0.${i + 1}`;
  live.add(container);
  await docker([
    "run",
    "-d",
    "--name",
    container,
    "--hostname",
    `${prefix}-${i + 1}`,
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
  const pid = Number(await docker(["inspect", "-f", "{{.State.Pid}}", container]));
  const host: TestHost = { name: `${prefix}-${i + 1}`, container, pid, ip, veth };
  onCreated(host);
  await waitForSystemd(container, bootTimeoutMs);
  await mustRun(["ip", "link", "add", veth, "type", "veth", "peer", "name", "wg0", "netns", String(pid)]);
  await mustRun([
    "docker",
    "exec",
    container,
    "sh",
    "-c",
    `ip addr add ${ip}/24 dev wg0 && ip link set wg0 up && mkdir -p /run/sshd && chmod 0755 /run/sshd`,
  ]);
  return host;
};

const waitForSystemd = async (container: string, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    // is-system-running exits non-zero for "degraded" too, so read its words, not its code.
    const r = await runCommand(["docker", "exec", container, "systemctl", "is-system-running"], {
      timeoutMs: 30_000,
    });
    last = `${r.stdout.toString().trim()} ${r.stderr.toString().trim()}`.trim();
    const state = r.stdout.toString().trim();
    if (state === "running" || state === "degraded") return;
    if (r.stderr.toString().includes("No such container") || r.stderr.toString().includes("is not running")) {
      throw new Error(`${container} exited during boot: ${last}`);
    }
    await new Promise((res) => setTimeout(res, 250));
  }
  throw new Error(`${container}: systemd not running after ${timeoutMs} ms (last: ${last})`);
};

/** Removes the containers and their host-side veths; never throws, so it is safe in afterAll. */
export const stopHosts = async (hosts: readonly TestHost[]): Promise<void> => {
  await Promise.all(
    hosts.map(async (h) => {
      // The veth pair normally dies with the container's netns; delete it in case the netns outlives it.
      await runCommand(["ip", "link", "del", h.veth], { timeoutMs: 30_000 }).catch(() => undefined);
      await runCommand(["docker", "rm", "-f", h.container], { timeoutMs: 120_000 }).catch(() => undefined);
      live.delete(h.container);
    }),
  );
};

/** `docker kill` the host: it disappears like a powered-off machine, mid-command if one is running. */
export const killHost = async (host: TestHost): Promise<void> => {
  await runCommand(["docker", "kill", host.container], { timeoutMs: 60_000 });
};

/**
 * Runs argv on the host as root through `docker exec -i`, outside of any
 * transport under test, so tests can check what a transport did.
 */
export const execOnHost = (
  host: TestHost,
  argv: readonly string[],
  options: { readonly stdin?: Uint8Array; readonly timeoutMs?: number; readonly user?: string } = {},
): Promise<CommandOutput> =>
  runCommand(
    ["docker", "exec", "-i", ...(options.user ? ["-u", options.user] : []), host.container, ...argv],
    {
      ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
      timeoutMs: options.timeoutMs ?? 120_000,
    },
  );

const installExitHook = (): void => {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test run that exits without its afterAll (crash, bail) still removes its hosts.
  process.once("exit", () => removeContainersSync([...live]));
};
