/**
 * The rollback a killed or cut-off apply or rollback leaves to the next run.
 * An apply with --rollback-on-fail records `rollback <dir>` (write-ahead)
 * before it keeps anything, then writes `<dir>/units` (what its rollback
 * does to units, as lines `stop|disable|enable|restart <unit>`) before its
 * first change. The next plan
 * reads that file and the states of the units it names (one more round trip
 * each, only when such an intent is there) and finishes the rollback with
 * ops that hold whatever part of the apply or rollback ran: a unit is
 * stopped only if it runs, disabled only if enabled, enabled only if
 * disabled.
 */
import { isUnitName } from "../names.js";
import type { Op } from "../op.js";
import type { Action } from "../plan/format.js";
import type { Probe, ProbeResult, UnitFact } from "../probe.js";
import { fromBase64 } from "./digest.js";
import { type Intents, leftOverReason } from "./intents.js";

type Systemctl = Extract<Op, { op: "systemctl" }>;

/** What a rollback does to units: before the restore (stop, disable, enable), and the restarts after it. */
export interface UnitUndo {
  readonly before: readonly Systemctl[];
  readonly restarts: readonly string[];
}

/** Where an apply records its rollback's unit ops. */
export const unitsFileOf = (dir: string): string => `${dir}/units`;

/** The units file's text. */
export const formatUnitUndo = (u: UnitUndo): string =>
  [...u.before.map((o) => `${o.verb} ${o.unit}`), ...u.restarts.map((unit) => `restart ${unit}`)]
    .map((l) => `${l}\n`)
    .join("");

const BEFORE_VERBS = new Set(["stop", "disable", "enable"]);

/** The units file read back; lines it does not know, or with a bad unit name, are skipped. */
export const parseUnitUndo = (text: string): UnitUndo => {
  const before: Systemctl[] = [];
  const restarts: string[] = [];
  for (const line of text.split("\n")) {
    const [verb, unit, ...rest] = line.trim().split(" ");
    if (!verb || !unit || rest.length > 0 || !isUnitName(unit)) continue;
    if (verb === "restart") restarts.push(unit);
    else if (BEFORE_VERBS.has(verb)) before.push({ op: "systemctl", verb: verb as Systemctl["verb"], unit });
  }
  return { before, restarts };
};

/** Answers to probes asked so far, by probe. */
export type Answer = (p: Probe) => ProbeResult | undefined;

const unitsProbe = (dir: string): Probe => ({ type: "file", path: unitsFileOf(dir), content: true });
const unitProbe = (unit: string): Probe => ({ type: "unit", name: unit });

const undoIn = (dir: string, answer: Answer): UnitUndo | undefined => {
  const f = answer(unitsProbe(dir));
  if (!f || !("type" in f) || f.type !== "file" || !f.contentBase64) return undefined;
  return parseUnitUndo(Buffer.from(fromBase64(f.contentBase64)).toString("utf8"));
};

/** Probes a left-over rollback needs, given the answers so far: its units file, then the units it names. */
export const rollbackProbes = (intents: Intents, answer: Answer, ignore?: string): Probe[] =>
  [...(intents.rollbacks?.keys() ?? [])]
    .filter((dir) => dir !== ignore)
    .flatMap((dir) => [
      unitsProbe(dir),
      ...(undoIn(dir, answer)?.before ?? []).map((o) => unitProbe(o.unit!)),
    ]);

const isUnitFact = (f: ProbeResult | undefined): f is UnitFact =>
  f !== undefined && "load" in f && "active" in f && "enabled" in f;

/** The before-restore op if the unit's state still needs it. */
const stillNeeded = (o: Systemctl, answer: Answer): boolean => {
  const u = answer(unitProbe(o.unit!));
  if (!isUnitFact(u)) return false;
  if (o.verb === "stop")
    return u.active === "active" || u.active === "reloading" || u.active === "activating";
  if (o.verb === "disable") return u.enabled === "enabled";
  return u.enabled === "disabled";
};

/**
 * A rollback left over in the intent record (the apply or its rollback was
 * killed or cut off), the newest when there are several: one action that finishes it (what the units file says
 * to undo, as far as still needed; the restore; a daemon-reload; the
 * restarts), instead of the host's other actions: plan again afterwards.
 * Undefined when no rollback is due; `ignore` is a dir whose rollback is not
 * left over (the apply that recorded it is the one re-planning).
 */
export const leftOverRollback = (
  intents: Intents,
  answer: Answer = () => undefined,
  ignore?: string,
): Action[] | undefined => {
  // Only the newest (the record lists them as they were added): a later apply may have changed what
  // an earlier rollback restores (it may even have been finishing it), so it is undone first, and the
  // earlier one is planned afresh by the next run, from what the host answers then. Two at once would
  // both be decided from the same answers, before either ran.
  const dirs = [...(intents.rollbacks ?? [])].filter(([dir]) => dir !== ignore).slice(-1);
  if (dirs.length === 0) return undefined;
  return dirs.map(([dir, origin]) => {
    const undo = undoIn(dir, answer) ?? { before: [], restarts: [] };
    const started = new Set(undo.before.filter((o) => o.verb === "stop").map((o) => o.unit));
    // Units the apply started are stopped (and their new files go): never restarted.
    const units = [...new Set([...undo.restarts, ...intents.restarts.keys()])].filter((u) => !started.has(u));
    const cleared = [...new Set([...units, ...intents.restarts.keys()])];
    return {
      id: `rollback[${dir}]`,
      action: "update" as const,
      reasons: [leftOverReason("rollback", origin)],
      fields: [],
      notes: ["only the rollback is finished; plan again afterwards for the declared state"],
      unknown: [],
      ops: [
        ...undo.before.filter((o) => stillNeeded(o, answer)),
        { op: "restore", dir },
        { op: "systemctl", verb: "daemon-reload" },
        ...units.map((unit): Op => ({ op: "systemctl", verb: "restart", unit })),
        // The dir first: a kill between leaves the intent, and its rerun finds nothing to restore.
        { op: "remove", path: dir },
        {
          op: "intent",
          action: "remove",
          restart: cleared,
          reload: true,
          rollback: dir,
          at: `rollback[${dir}]`,
        },
      ],
      after: [],
    };
  });
};
