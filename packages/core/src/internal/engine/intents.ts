/**
 * The write-ahead intent record read back: restarts and a daemon-reload that
 * became due during an apply that did not finish (see PENDING_RESTARTS_PATH
 * for the format). The next plan carries them out as actions.
 */
import type { ProbeResult } from "../probe.js";
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

const originOf = (time: string | undefined, at: readonly string[]): IntentOrigin | undefined =>
  time === undefined || at.length === 0 ? undefined : { time, at: at.join(" ") };

/** Parses the record's text; lines it does not know are ignored (a newer version may add kinds). */
export const parseIntents = (text: string): Intents => {
  const restarts = new Map<string, IntentOrigin | undefined>();
  let reload: IntentOrigin | undefined | null = null;
  const rollbacks = new Map<string, IntentOrigin | undefined>();
  for (const line of text.split("\n")) {
    const [head, ...rest] = line.trim().split(" ");
    if (!head || head.startsWith("#")) continue;
    if (rest.length === 0) restarts.set(head, undefined);
    else if (head === "restart" && rest[0]) restarts.set(rest[0], originOf(rest[1], rest.slice(2)));
    else if (head === "daemon-reload") reload = originOf(rest[0], rest.slice(1));
    else if (head === "rollback" && rest[0]) rollbacks.set(rest[0], originOf(rest[1], rest.slice(2)));
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
