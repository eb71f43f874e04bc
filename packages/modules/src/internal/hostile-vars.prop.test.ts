/**
 * No variable steers a write or a command (DESIGN.md). Whatever hostile
 * strings the current stack's variables hold (the kubelet, kube-proxy and
 * containerd unit settings, keys and values; the k8s_worker_* and
 * containerd paths; the KubeletConfiguration document; names), the host's
 * plan, made through the same validation and planning as the CLI's, is
 * either refused or made of valid ops only, whose unit files hold exactly
 * the directives and executables of the plan with the role defaults, and
 * whose commands are the ones the modules declare.
 */
import { Op, plan, type ReadyHostPlan } from "@tend/core";
import { freshDebianHost, SimHost } from "@tend/core/testing";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { resourcesForHost } from "./host.js";
import { CURRENT_GROUP_VARS } from "./testing/current-cluster.js";
import { seedContext } from "./testing/seed-cluster.js";
import { resolveHostVars } from "./vars/host-vars.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);

interface Planned {
  readonly ops: readonly unknown[];
  /** Unit file path → its directives as `[Section] Key` → the first word of each value (for Exec* lines). */
  readonly units: ReadonlyMap<string, ReadonlyMap<string, string[]>>;
  /** argv[0] of every exec op and check probe. */
  readonly commands: ReadonlySet<string>;
}

const UNIT_DIRS = ["/etc/systemd/system/", "/lib/systemd/system/", "/usr/lib/systemd/system/"];

/** A unit file's logical lines (continuations joined), as systemd reads them: `[Section] Key` → programs of Exec lines. */
const directives = (text: string): Map<string, string[]> => {
  const out = new Map<string, string[]>();
  let section = "";
  const logical = text.replace(/\\\n/g, " ").split("\n");
  for (const raw of logical) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    if (line.startsWith("[")) {
      section = line;
      continue;
    }
    const eq = line.indexOf("=");
    const key = `${section} ${eq < 0 ? line : line.slice(0, eq).trim()}`;
    const value = eq < 0 ? "" : line.slice(eq + 1).trim();
    const list = out.get(key) ?? [];
    // An Exec line's program, by name: its directory is a variable (k8s_worker_bin_dir, ...) by design.
    const program = value.split(/\s+/)[0] ?? "";
    list.push(key.includes(" Exec") ? program.slice(program.lastIndexOf("/") + 1) : "");
    out.set(key, list);
  }
  return out;
};

/** The host's plan for `extra` host vars, or "refused" when validation, the modules or the plan refuse them. */
const planFor = async (extra: Record<string, unknown>): Promise<Planned | "refused"> => {
  const vars = resolveHostVars(
    [CURRENT_GROUP_VARS, { origin: "host_vars/worker1.yml", vars: extra }],
    "worker1",
  );
  if (E.isLeft(vars)) return "refused";
  const resources = resourcesForHost(seedContext("worker1", { vars: vars.right }));
  if (E.isLeft(resources)) return "refused";
  const host = new SimHost(freshDebianHost({ host: { hostname: "worker1" }, wg0: "10.8.0.121" }));
  // Controller-side files (certificates) as stand-in bytes named by their path.
  const run = await plan(resources.right, host, {
    readSource: async (path) => new TextEncoder().encode(`stand-in for ${path}\n`),
  });
  const hp = run.plan.hosts[0]!;
  if (hp.status !== "ready") {
    if (Object.keys(extra).length === 0) throw new Error(hp.errors.join("\n"));
    return "refused";
  }
  const blobs = run.hosts.get("worker1")?.blobs ?? new Map<string, Uint8Array>();
  const ops = hp.actions.flatMap((a) => a.ops);
  const units = new Map<string, Map<string, string[]>>();
  for (const op of ops)
    if (op.op === "writeFile" && UNIT_DIRS.some((d) => op.path.startsWith(d))) {
      const bytes = blobs.get(op.blob);
      units.set(op.path, directives(bytes ? Buffer.from(bytes).toString("utf8") : ""));
    }
  const commands = new Set([
    ...ops.flatMap((o) => (o.op === "exec" ? [o.argv[0] ?? ""] : [])),
    ...(hp as ReadyHostPlan).probes.flatMap((p) => (p.type === "check" ? [p.argv[0] ?? ""] : [])),
  ]);
  return { ops, units, commands };
};

const hostile = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    "a\nExecStartPre=/bin/evil",
    "x\rExecStartPost=/tmp/x",
    "\0",
    '"; /bin/evil; "',
    "$(touch /tmp/pwned)",
    "%n",
    "$${HOME}",
    "a \\\nExecStart=/bin/evil",
    "/etc/../../etc/systemd/system",
    "../../etc/cron.d",
    "/etc/cron.d/x\n",
    "-e",
    "--config=/etc/shadow",
  ),
  fc
    .tuple(fc.constantFrom("/", "\n", "\\", "$", "%", "-", '"', " "), fc.string({ maxLength: 20 }))
    .map(([a, b]) => a + b),
);
/** Maps with hostile keys, or with flag-like keys (which validation lets through) and hostile values. */
const settingsMap = fc.oneof(
  fc.dictionary(hostile, hostile, { maxKeys: 3 }),
  fc.dictionary(fc.stringMatching(/^[a-z][a-z-]{0,8}$/), hostile, { maxKeys: 3 }),
);

/** Variables a user sets for the current stack, each with values an attacker would try. */
const hostileVars = fc.oneof(
  ...[
    "k8s_worker_kubelet_settings",
    "k8s_worker_kubelet_settings_user",
    "k8s_worker_kubeproxy_settings",
    "k8s_worker_kubeproxy_settings_user",
    "containerd_service_settings",
  ].map((name) => settingsMap.map((v) => ({ [name]: v }))),
  ...[
    "k8s_worker_conf_dir",
    "k8s_worker_pki_dir",
    "k8s_worker_bin_dir",
    "k8s_worker_kubelet_conf_dir",
    "k8s_worker_kubeproxy_conf_dir",
    "containerd_binary_directory",
    "containerd_config_directory",
    "containerd_tmp_directory",
    "cni_tmp_directory",
    "cni_bin_directory",
    "cni_conf_directory",
    "runc_bin_directory",
    "containerd_owner",
    "containerd_group",
    "k8s_worker_api_endpoint_host",
    "containerd_config",
  ].map((name) => hostile.map((v) => ({ [name]: v }))),
  fc.dictionary(hostile, hostile, { maxKeys: 3 }).map((doc) => ({ k8s_worker_kubelet_conf_yaml: doc })),
);

describe("hostile variables of the current stack", () => {
  it("never yield an invalid op, a unit directive or executable the defaults do not have, or another command", async () => {
    const base = await planFor({});
    if (base === "refused") throw new Error("the default worker plan is refused");
    const baseCommands = base.commands;
    let planned = 0;
    await fc.assert(
      fc.asyncProperty(hostileVars, async (extra) => {
        const p = await planFor(extra);
        if (p === "refused") return;
        planned++;
        const why = JSON.stringify(extra);
        for (const op of p.ops) expect(Op.is(op), `${why}: ${JSON.stringify(op)}`).toBe(true);
        for (const [path, d] of p.units) {
          const want = base.units.get(path);
          expect(want, `${why}: ${path} is no unit of the defaults`).toBeDefined();
          for (const [key, values] of d) {
            // The same directive as the defaults (settings add lines, never another directive).
            const known = want!.get(key) ?? (key.includes(" Exec") ? undefined : values);
            expect(known, `${why}: ${path}: ${key}`).toBeDefined();
            if (key.includes(" Exec")) expect(values, `${why}: ${path}: ${key}`).toEqual(known);
          }
        }
        for (const c of p.commands) expect(baseCommands.has(c), `${why}: runs ${c}`).toBe(true);
      }),
      { numRuns },
    );
    // The runs planned (not only refusals).
    if (numRuns >= 100) expect(planned).toBeGreaterThan(numRuns / 5);
  }, 600_000);
});
