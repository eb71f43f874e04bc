/**
 * Test helpers for main(): an in-memory io, SimHost-backed deps, and a small
 * module set that declares one file per host. Not exported by the package.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_GATE_POLICY, type HealthGate, type Target } from "@tend/core";
import { freshDebianHost, type RolloutFault, SimHost } from "@tend/core/testing";
import { left, right } from "fp-ts/lib/Either.js";
import { afterAll } from "vitest";
import type { Deps, Modules } from "./internal/facade.js";
import type { CliIo } from "./internal/io.js";

/** One scratch root per test file, removed after its tests, so test runs leave no temp dirs behind. */
const scratch = mkdtempSync(join(tmpdir(), "tend-cli-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh directory under the test process's scratch root. */
export const tempDir = (prefix: string): string => mkdtempSync(join(scratch, prefix));

/** An io that records output and answers prompts from a list. */
export interface RecordingIo extends CliIo {
  readonly out: () => string;
  readonly err: () => string;
  readonly prompts: string[];
}

export const recordingIo = (
  options: { tty?: boolean; answers?: string[]; env?: Record<string, string> } = {},
): RecordingIo => {
  let out = "";
  let err = "";
  const prompts: string[] = [];
  const answers = [...(options.answers ?? [])];
  return {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    stdoutIsTTY: options.tty ?? false,
    stderrIsTTY: options.tty ?? false,
    stdinIsTTY: options.tty ?? false,
    env: options.env ?? {},
    cwd: process.cwd(),
    prompt: async (q) => {
      prompts.push(q);
      return answers.shift();
    },
    out: () => out,
    err: () => err,
    prompts,
  };
};

/** Modules that give each host one file, /etc/motd, with its `motd` variable (default "hello"). */
export const motdModules = (overrides: Partial<Modules> = {}): Modules => ({
  resolveVars: (layers) => {
    const vars: Record<string, unknown> = {};
    for (const l of layers) Object.assign(vars, l.vars);
    if (vars.motd !== undefined && typeof vars.motd !== "string") {
      const origin = [...layers].reverse().find((l) => Object.hasOwn(l.vars, "motd"))?.origin;
      return left([{ variable: "motd", message: "expected a string", ...(origin ? { origin } : {}) }]);
    }
    return right(vars);
  },
  checksumUrls: () => [],
  controllerArtifacts: () => [],
  factHosts: () => [],
  resources: (host, cluster) => {
    const vars = (cluster.hosts.get(host)?.vars ?? {}) as Record<string, unknown>;
    return right([{ kind: "file", name: "/etc/motd", props: { content: `${vars.motd ?? "hello"}\n` } }]);
  },
  ...overrides,
});

/** Deps whose targets are SimHosts by inventory name; a host without one is unreachable. */
export const simDeps = (hosts: Record<string, SimHost>, modules: Modules = motdModules()): Deps => ({
  modules,
  openTarget: async (c) => {
    const h = hosts[c.host];
    return h ? right(h as Target) : left(`${c.host}: cannot connect: connection refused`);
  },
  fetch: async (url) => new Response(`no such url ${url}`, { status: 404 }),
  cacheDir: tempDir("cache-"),
  user: "tester",
  localHost: "thismachine",
  // Health gate retries run at once: tests assert tries and waits, never time.
  sleep: async () => {},
});

/** A fresh Debian SimHost named `name`. */
export const simHost = (name: string): SimHost =>
  new SimHost(freshDebianHost({ host: { hostname: name } }), { name });

/**
 * Modules of motdModules whose one health gate per host is "/etc/motd
 * exists", tried `retries` times more (SimHost fails it on a host that lists
 * the path as unhealthy).
 */
export const motdGatedModules = (retries: number): Modules =>
  motdModules({
    healthGates: (): HealthGate[] => [
      {
        name: "motd",
        origin: "test",
        ...DEFAULT_GATE_POLICY,
        retries,
        check: { kind: "file", path: "/etc/motd" },
      },
    ],
  });

/**
 * Fresh SimHosts by name, each with its rollout fault: "unreachable" has
 * no SimHost (it cannot be connected to), "gate" fails the motd gate, "op"
 * fails its op number `failAtOp` (default 0, its first).
 */
export const faultyHosts = (
  names: readonly string[],
  faultOf: (host: string) => { readonly fault: RolloutFault; readonly failAtOp?: number } = () => ({
    fault: "none",
  }),
): Record<string, SimHost> =>
  Object.fromEntries(
    names.flatMap((h) => {
      const { fault, failAtOp = 0 } = faultOf(h);
      if (fault === "unreachable") return [];
      const options = {
        name: h,
        ...(fault === "gate" ? { unhealthy: ["/etc/motd"] } : {}),
        ...(fault === "op" ? { failAtOp } : {}),
      };
      return [[h, new SimHost(freshDebianHost({ host: { hostname: h } }), options)]];
    }),
  );

/** Fresh SimHosts by name (but those `missing`, which are unreachable); the `unhealthy` ones fail the motd gate. */
export const gatedHosts = (
  names: readonly string[],
  unhealthy: readonly string[] = [],
  missing: readonly string[] = [],
): Record<string, SimHost> =>
  faultyHosts(names, (h) => ({
    fault: missing.includes(h) ? "unreachable" : unhealthy.includes(h) ? "gate" : "none",
  }));

/** Writes an inventory file into a fresh directory and returns its path. */
export const inventoryFile = (name: string, text: string, extra: Record<string, string> = {}): string => {
  const dir = tempDir("inv-");
  writeFileSync(join(dir, name), text);
  for (const [p, t] of Object.entries(extra)) writeFileSync(join(dir, p), t);
  return join(dir, name);
};

/** The content of a file on a SimHost, or undefined. */
export const fileOn = (host: SimHost, path: string): string | undefined => {
  const f = host.state.files[path];
  return f?.type === "file" ? Buffer.from(f.content, "base64").toString("utf8") : undefined;
};
