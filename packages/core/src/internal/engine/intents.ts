/**
 * The write-ahead intent record read back: restarts and a daemon-reload that
 * became due during an apply that did not finish (see PENDING_RESTARTS_PATH
 * for the format). The next plan carries them out as actions.
 */
import { isUnitName } from "../names.js";
import { type Op, RollbackDir } from "../op.js";
import type { Action } from "../plan/format.js";
import type { Probe, ProbeResult, UnitFact } from "../probe.js";
import { fromBase64 } from "./digest.js";

/** Where an intent came from: the action about to run and the host's time; absent for records of earlier versions. */
export interface IntentOrigin {
  readonly at: string;
  readonly time: string;
}

/** Intents found on a host. */
export interface Intents {
  /** Unit → origin of its pending restart. */
  readonly restarts: ReadonlyMap<string, IntentOrigin | undefined>;
  /** A pending daemon-reload (`null` when none). */
  readonly reload: IntentOrigin | undefined | null;
  /** Rollbacks due (`rollback <dir>`): their dir → origin. Absent from records of older versions. */
  readonly rollbacks?: ReadonlyMap<string, IntentOrigin | undefined>;
}

export const NO_INTENTS: Intents = { restarts: new Map(), reload: null };

/** Host text shown in a plan's reasons: control characters (a terminal's escapes) become "?". */
const shownText = (s: string): string =>
  [...s].map((ch) => (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f ? "?" : ch)).join("");

const originOf = (time: string | undefined, at: readonly string[]): IntentOrigin | undefined =>
  time === undefined || at.length === 0 ? undefined : { time: shownText(time), at: shownText(at.join(" ")) };

/**
 * Parses the record's text; lines it does not know are ignored (a newer
 * version may add kinds), and so are entries whose unit or dir does not fit
 * its grammar: the record is read from the host, and no op may restart,
 * restore or remove what such a line names.
 */
export const parseIntents = (text: string): Intents => {
  const restarts = new Map<string, IntentOrigin | undefined>();
  let reload: IntentOrigin | undefined | null = null;
  const rollbacks = new Map<string, IntentOrigin | undefined>();
  for (const line of text.split("\n")) {
    const [head, ...rest] = line.trim().split(" ");
    if (!head || head.startsWith("#")) continue;
    if (rest.length === 0) {
      if (isUnitName(head)) restarts.set(head, undefined);
    } else if (head === "restart" && rest[0] && isUnitName(rest[0]))
      restarts.set(rest[0], originOf(rest[1], rest.slice(2)));
    else if (head === "daemon-reload") reload = originOf(rest[0], rest.slice(1));
    else if (head === "rollback" && rest[0] && RollbackDir.is(rest[0]))
      rollbacks.set(rest[0], originOf(rest[1], rest.slice(2)));
  }
  return { restarts, reload, ...(rollbacks.size > 0 ? { rollbacks } : {}) };
};

/** The intents in the answer to the record's file probe. */
export const intentsOf = (fact: ProbeResult | undefined): Intents => {
  if (!fact || !("type" in fact) || fact.type !== "file" || !fact.contentBase64) return NO_INTENTS;
  return parseIntents(Buffer.from(fromBase64(fact.contentBase64)).toString("utf8"));
};

/** The reason a left-over intent gives in the plan. */
export const leftOverReason = (what: string, origin: IntentOrigin | undefined): string =>
  origin
    ? `${what} left over from an apply interrupted at ${origin.at} (${origin.time})`
    : `${what} left pending by an earlier apply`;

/**
 * Restarts in the record for units that no declared resource controls (the
 * next plan dropped their service): each is still owed. Only names of the
 * unit grammar: another line cannot be probed or cleared by an op, and is
 * left as it is.
 */
export const orphanRestarts = (intents: Intents, declared: ReadonlySet<string>): string[] =>
  [...intents.restarts.keys()].filter((u) => !declared.has(u) && isUnitName(u)).sort();

/** The probe that tells whether an orphan restart is owed: the unit's state. */
export const orphanProbe = (unit: string): Probe => ({ type: "unit", name: unit });

/** The id of the action that carries out (or drops) a left-over restart of an undeclared unit. */
export const orphanId = (unit: string): string => `systemd[restart ${unit}]`;

const isUnitFact = (f: ProbeResult | undefined): f is UnitFact =>
  f !== undefined && "load" in f && "active" in f && "enabled" in f;

/**
 * Left-over restarts of undeclared units, as actions run last (after the
 * daemon-reload): a unit that runs is restarted, so it runs its current
 * files; a unit that does not run (it starts on its current files) or no
 * longer exists is dropped with that reason. Either way the entry is cleared
 * after, so none is lost and none stays forever. `facts` holds the answer to
 * orphanProbe per unit; a unit without one is left for the next plan.
 */
export const orphanActions = (
  intents: Intents,
  units: readonly string[],
  facts: ReadonlyMap<string, ProbeResult | undefined>,
): Action[] =>
  units.flatMap((unit): Action[] => {
    const fact = facts.get(unit);
    if (!isUnitFact(fact)) return [];
    const left = leftOverReason("restart", intents.restarts.get(unit));
    const clear: Op = { op: "intent", action: "remove", restart: [unit], reload: false, at: orphanId(unit) };
    const base = { id: orphanId(unit), fields: [], notes: [], unknown: [], after: [] };
    const gone = fact.load === "not-found" || fact.enabled === "" || fact.enabled === "not-found";
    // A masked unit cannot be restarted (systemctl refuses): it is dropped with that reason.
    const masked = fact.load === "masked" || fact.enabled.startsWith("masked");
    const runs = fact.active === "active" || fact.active === "reloading" || fact.active === "activating";
    if (!gone && !masked && runs)
      return [
        {
          ...base,
          action: "restart",
          reasons: [`${left}; ${unit} is no longer declared, but it runs on the host`],
          ops: [{ op: "systemctl", verb: "restart", unit }, clear],
        },
      ];
    const why = gone
      ? `${unit} no longer exists on the host`
      : masked
        ? `${unit} is masked`
        : `${unit} is not running, so it starts on its current files`;
    return [{ ...base, action: "update", reasons: [`${left}, dropped: ${why}`], ops: [clear] }];
  });
