/**
 * What "no restart or daemon-reload lost" means on a SimHost, as checks the
 * crash-safety tests share: every running service runs its current unit,
 * binary and config; systemd has loaded the unit files on disk; no intent of
 * a declared unit is left in the record.
 */
import type { Plan, ReadyHostPlan } from "../plan/format.js";
import { PENDING_RESTARTS_PATH } from "../probe.js";
import type { Resource } from "../resource.js";
import { loadableUnits } from "../sim/ops.js";
import type { SimHost, SimHostOptions } from "../sim/simhost.js";
import type { SimState } from "../sim/state.js";
import { parseIntents } from "./intents.js";
import { type PlannedRun, planOf } from "./report.fixture.js";

/** The ready plan of a one-host plan, or a thrown error naming why it failed. */
export const ready = (p: Plan | PlannedRun): ReadyHostPlan => {
  const h = planOf(p).hosts[0]!;
  if (h.status !== "ready") throw new Error(`plan failed: ${h.errors.join("; ")}`);
  return h;
};

/** One way an apply stops at op `op` of its batch. */
export type Fault =
  | { readonly kind: "fail"; readonly op: number }
  | { readonly kind: "drop"; readonly op: number }
  | { readonly kind: "kill"; readonly op: number; readonly phase: "before" | "after" };

/** Every fault at one op index. */
export const faultsAt = (op: number): Fault[] => [
  { kind: "fail", op },
  { kind: "drop", op },
  { kind: "kill", op, phase: "before" },
  { kind: "kill", op, phase: "after" },
];

/** SimHost options injecting `f` (op indices count from the host's first op). */
export const faultOptions = (f: Fault): SimHostOptions =>
  f.kind === "fail"
    ? { failAtOp: f.op }
    : f.kind === "drop"
      ? { dropAfterOp: f.op }
      : { killAtOp: { op: f.op, phase: f.phase } };

/** Where a resource's content lives on the host, for the services it notifies. */
const causePath = (r: Resource): string | undefined =>
  r.kind === "unit"
    ? `/etc/systemd/system/${r.name}`
    : r.kind === "file" || r.kind === "download"
      ? r.name
      : undefined;

/**
 * (a) Running services whose unit file, binary or config changed after they
 * last started, or that run a unit other than the one on disk: one line each.
 */
export const staleServices = (state: SimState, resources: readonly Resource[]): string[] => {
  const out: string[] = [];
  const disk = loadableUnits(state);
  for (const [unit, svc] of Object.entries(state.services)) {
    if (svc.active !== "active") continue;
    const id = `service[${unit.replace(/\.service$/, "")}]`;
    const causes = resources.filter((r) => r.notify?.includes(id)).flatMap((r) => causePath(r) ?? []);
    for (const path of causes) {
      const at = state.history?.changedAt[path];
      if (at !== undefined && (svc.startedAt === undefined || at > svc.startedAt))
        out.push(`${unit}: ${path} changed at ${at}, last started at ${svc.startedAt ?? "boot"}`);
    }
    if (svc.startedAt !== undefined && svc.startedUnit !== disk[unit])
      out.push(`${unit}: runs unit ${svc.startedUnit ?? "(never loaded)"}, disk has ${disk[unit] ?? "none"}`);
  }
  return out;
};

/** (b) Units whose loaded content differs from their file on disk. */
export const unloadedUnits = (state: SimState): string[] => {
  const disk = loadableUnits(state);
  const names = new Set([...Object.keys(disk), ...Object.keys(state.loadedUnits)]);
  return [...names].filter((u) => disk[u] !== state.loadedUnits[u]).sort();
};

/**
 * Intents still recorded: the reload and every restart, of declared services
 * or not (a restart of a service the next plan dropped is owed all the same).
 */
export const leftIntents = (state: SimState): string[] => {
  const e = state.files[PENDING_RESTARTS_PATH];
  if (e?.type !== "file") return [];
  const intents = parseIntents(Buffer.from(e.content, "base64").toString("utf8"));
  return [
    ...(intents.reload !== null ? ["daemon-reload"] : []),
    ...[...intents.restarts.keys()].map((u) => `restart ${u}`),
    ...[...(intents.rollbacks?.keys() ?? [])].map((d) => `rollback ${d}`),
  ];
};

/** Everything (a), (b) and the record say is still owed on the host; empty when nothing was lost. */
export const owed = (host: SimHost, resources: readonly Resource[]): string[] => [
  ...staleServices(host.state, resources),
  ...unloadedUnits(host.state).map((u) => `${u}: loaded unit differs from its file`),
];
