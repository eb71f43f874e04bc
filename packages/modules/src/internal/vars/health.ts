/**
 * The inventory variables that set how the modules' own health gates
 * (flanneld's subnet file, docker's /_ping, kubelet's and kube-proxy's
 * healthz, containerd) wait: `tend_health_retries`, `tend_health_backoff`
 * and `tend_health_timeout`. Their defaults are core's DEFAULT_GATE_POLICY.
 * Each is bounded, and so is the longest wait they add up to (the backoff
 * doubles before each retry), so no value can hold a rollout for hours.
 */
import { DEFAULT_GATE_POLICY, type GatePolicy } from "@tend/core";
import type { VarError } from "../errors.js";
import { checked, intIn, spanMs } from "./types.js";

/** The variables' defaults, as an inventory would spell them. */
export const HEALTH_DEFAULTS = {
  tend_health_retries: DEFAULT_GATE_POLICY.retries,
  tend_health_backoff: `${DEFAULT_GATE_POLICY.backoffMs}ms`,
  tend_health_timeout: `${DEFAULT_GATE_POLICY.timeoutSeconds}s`,
} as const;

/** Retries after a gate's first try. */
export const HealthRetries = intIn("an integer from 0 to 10", 0, 10);

/** A systemd time span in [minMs, maxMs], decoded to milliseconds. */
const spanIn = (name: string, minMs: number, maxMs: number, wholeSeconds: boolean) =>
  checked<number>(name, (u) => {
    const ms = spanMs(u);
    if (ms === undefined) return {};
    if (ms < minMs || ms > maxMs) return { why: "out of range" };
    if (wholeSeconds && ms % 1000 !== 0) return { why: "not a whole number of seconds" };
    return { ok: ms };
  });

/** The wait before a gate's first retry (doubled before each further one), in ms. */
export const HealthBackoff = spanIn("a duration from 0 to 1min (500ms, 2s)", 0, 60_000, false);
/** How long one try may take, in ms (whole seconds: curl and timeout(1) take seconds). */
export const HealthTimeout = spanIn(
  "a duration of whole seconds from 1s to 5min (5, 10s)",
  1000,
  300_000,
  true,
);

/** The decoded variables. */
export interface HealthVars {
  readonly tend_health_retries: number;
  readonly tend_health_backoff: number;
  readonly tend_health_timeout: number;
}

/** The most a gate may wait in all, backoffs and tries together. */
export const MAX_GATE_WAIT_MS = 30 * 60_000;

/** The longest a gate with these variables waits: every backoff, and every try timing out. */
export const gateWaitMs = (v: HealthVars): number =>
  v.tend_health_backoff * (2 ** v.tend_health_retries - 1) +
  (v.tend_health_retries + 1) * v.tend_health_timeout;

/** A problem when the variables together wait longer than MAX_GATE_WAIT_MS, naming the retries' file. */
export const gateWaitProblems = (
  v: HealthVars,
  host: string,
  originOf: (name: string) => string | undefined,
): VarError[] => {
  const total = gateWaitMs(v);
  if (total <= MAX_GATE_WAIT_MS) return [];
  // Named against the first of the three an inventory set (one was: the defaults wait at most 61 s).
  const names = ["tend_health_retries", "tend_health_backoff", "tend_health_timeout"];
  const variable = names.find((n) => originOf(n) !== undefined) ?? "tend_health_retries";
  const origin = originOf(variable) ?? "role defaults";
  const others = names
    .map((n) => [n, originOf(n)] as const)
    .filter(([, o]) => o !== undefined && o !== origin)
    .map(([n, o]) => `${n} from ${o}`);
  return [
    {
      _tag: "BadValue",
      variable,
      origin,
      host,
      expected: `health gate waits that add up to at most ${MAX_GATE_WAIT_MS / 60_000}min`,
      actual: v[variable as keyof HealthVars],
      why: `${v.tend_health_retries} retries with tend_health_backoff ${v.tend_health_backoff}ms (doubling) and tend_health_timeout ${v.tend_health_timeout / 1000}s a gate could wait ${Math.ceil(total / 60_000)}min${others.length > 0 ? ` (${others.join(", ")})` : ""}: lower tend_health_retries or tend_health_backoff`,
    },
  ];
};

/** The gate policy the variables give (what the modules' gates use). */
export const gatePolicyOf = (v: Partial<HealthVars>): GatePolicy => ({
  retries: v.tend_health_retries ?? DEFAULT_GATE_POLICY.retries,
  backoffMs: v.tend_health_backoff ?? DEFAULT_GATE_POLICY.backoffMs,
  timeoutSeconds:
    v.tend_health_timeout === undefined ? DEFAULT_GATE_POLICY.timeoutSeconds : v.tend_health_timeout / 1000,
});
