/**
 * Plan and apply output that stays readable at a thousand hosts: details
 * only for the hosts with changes or failures (core's renderers, given just
 * those hosts), then one summary line per inventory group with its counts of
 * hosts and actions. Unchanged hosts are counted, not listed. `--json` keeps
 * every host; this is the text for people only.
 */
import {
  formatDuration,
  type HostApplyReport,
  type HostPlan,
  isConverged,
  type Plan,
  renderApplyReport,
  renderPlan,
  renderPlanTotals,
  type Timed,
  type TimedApplyReport,
} from "@tend/core";
import type { Inventory } from "./inventory/index.js";

/** Host → the inventory groups that list it directly (`all` left out). */
export type HostGroups = ReadonlyMap<string, readonly string[]>;

/** The group of a host that no inventory group lists (`--local` without an inventory, a plan's stray host). */
export const NO_GROUP = "ungrouped";

/** The groups that list each of `hosts` directly, in inventory order; one pass over the groups. */
export const hostGroupsOf = (inventory: Inventory, hosts: readonly string[]): HostGroups => {
  const wanted = new Set(hosts);
  const out = new Map<string, string[]>();
  for (const g of inventory.groups.values()) {
    if (g.name === "all") continue;
    for (const h of g.hosts) if (wanted.has(h)) out.set(h, [...(out.get(h) ?? []), g.name]);
  }
  return out;
};

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** Groups in first-seen host order, each with its hosts, so the lines follow the inventory. */
const byGroup = <T extends { readonly host: string }>(
  hosts: readonly T[],
  groups: HostGroups,
): Map<string, T[]> => {
  const out = new Map<string, T[]>();
  for (const h of hosts) {
    const names = groups.get(h.host) ?? [];
    for (const g of names.length > 0 ? names : [NO_GROUP]) {
      const list = out.get(g) ?? [];
      list.push(h);
      out.set(g, list);
    }
  }
  return out;
};

/**
 * "; slowest w7 (4.2s)" for a group whose hosts carry durations ("; 4.2s"
 * for a group of one): at fleet size it names the host to look at.
 */
const slowest = (hosts: readonly Timed<{ readonly host: string }>[]): string => {
  let worst: Timed<{ readonly host: string }> | undefined;
  for (const h of hosts)
    if (h.durationMs !== undefined && (worst?.durationMs === undefined || h.durationMs > worst.durationMs))
      worst = h;
  if (worst?.durationMs === undefined) return "";
  const took = formatDuration(worst.durationMs);
  return hosts.length === 1 ? `; ${took}` : `; slowest ${worst.host} (${took})`;
};

const hasChanges = (h: HostPlan): boolean => h.status === "error" || h.actions.length > 0;

/** One line for a group of a plan: hosts unchanged, with changes and failed, and its actions by type. */
const planGroupLine = (group: string, hosts: readonly HostPlan[]): string => {
  const head = `${group} (${plural(hosts.length, "host")})`;
  const failed = hosts.filter((h) => h.status === "error").length;
  const ready = hosts.flatMap((h) => (h.status === "ready" ? [h] : []));
  const changed = ready.filter((h) => h.actions.length > 0);
  if (failed === 0 && changed.length === 0) return `${head}: no changes${slowest(hosts)}`;
  const s = { create: 0, update: 0, delete: 0, restart: 0, reload: 0 };
  for (const h of changed) for (const k of Object.keys(s) as (keyof typeof s)[]) s[k] += h.summary[k];
  const actions = changed.reduce((n, h) => n + h.actions.length, 0);
  const kinds = (Object.keys(s) as (keyof typeof s)[])
    .filter((k) => s[k] > 0)
    .map((k) => `${s[k]} ${k === "reload" ? "daemon-reload" : k}`);
  return (
    `${head}: ${ready.length - changed.length} unchanged, ${changed.length} with changes, ${failed} failed` +
    (actions > 0 ? `; ${plural(actions, "action")} (${kinds.join(", ")})` : "") +
    slowest(hosts)
  );
};

/** renderPlan of one host without its closing totals line. */
const hostDetails = (plan: Plan, h: HostPlan, options: { color: boolean }): string => {
  const text = renderPlan({ ...plan, hosts: [h] }, options).trimEnd();
  return text.slice(0, text.lastIndexOf("\n") + 1);
};

/**
 * A plan as text, in chunks to write one after the other: details of each
 * host with changes or that could not be planned, one line per inventory
 * group, then the plan's totals. Chunks, so that the half a million lines of
 * a thousand fresh hosts are never one string in memory.
 */
export function* planSummaryChunks(
  plan: Plan,
  groups: HostGroups,
  options: { color: boolean },
): Generator<string> {
  for (const h of plan.hosts) if (hasChanges(h)) yield hostDetails(plan, h, options);
  const lines = [...byGroup(plan.hosts, groups)].map(([g, hosts]) => planGroupLine(g, hosts));
  yield `${lines.join("\n")}\n${renderPlanTotals(plan, options)}\n`;
}

/** planSummaryChunks as one string. */
export const renderPlanSummary = (plan: Plan, groups: HostGroups, options: { color: boolean }): string =>
  [...planSummaryChunks(plan, groups, options)].join("");

const isGood = (h: HostApplyReport): boolean =>
  (h.status === "applied" || h.status === "unchanged") && isConverged(h);

/** Ops an apply ran on the host (the failed one not counted). */
const opsOf = (h: HostApplyReport): number =>
  h.status === "applied" || h.status === "failed" ? h.opsRun : 0;

/** One line for a group of an apply: hosts unchanged, changed and failed, and the ops run. */
const applyGroupLine = (group: string, hosts: readonly Timed<HostApplyReport>[]): string => {
  const failed = hosts.filter((h) => !isGood(h)).length;
  const changed = hosts.filter((h) => isGood(h) && h.status === "applied").length;
  const ops = hosts.reduce((n, h) => n + opsOf(h), 0);
  return (
    `${group} (${plural(hosts.length, "host")}): ${hosts.length - failed - changed} unchanged, ` +
    `${changed} changed, ${failed} failed; ${plural(ops, "op")} run${slowest(hosts)}`
  );
};

/** The closing line of an apply: hosts changed, unchanged and failed, ops run, and how long it took. */
const applyTotalsLine = (report: TimedApplyReport, color: boolean): string => {
  const hosts = report.hosts;
  const failed = hosts.filter((h) => !isGood(h)).length;
  const changed = hosts.filter((h) => isGood(h) && h.status === "applied").length;
  const ops = hosts.reduce((n, h) => n + opsOf(h), 0);
  const head = color ? "\u001b[1mApply:\u001b[0m" : "Apply:";
  const took = report.durationMs === undefined ? "" : ` in ${formatDuration(report.durationMs)}`;
  return `${head} ${changed} changed, ${hosts.length - failed - changed} unchanged, ${failed} failed; ${plural(ops, "op")} run${took}.`;
};

/**
 * An apply report as text: a line for each host that changed or failed
 * (with its reason and duration), one line per inventory group (with its
 * slowest host), then the totals with the apply's duration.
 */
export const renderApplySummary = (
  report: TimedApplyReport,
  groups: HostGroups,
  options: { color: boolean },
): string => {
  const shown = report.hosts.filter((h) => h.status !== "unchanged");
  const details = shown.length > 0 ? renderApplyReport({ ...report, hosts: shown }, options) : "";
  const lines = [...byGroup(report.hosts, groups)].map(([g, hosts]) => applyGroupLine(g, hosts));
  return `${details}${lines.join("\n")}\n${applyTotalsLine(report, options.color)}\n`;
};

/** Hosts whose plan has changes (or failed): the ones the text output shows in detail. */
export const changedHosts = (plan: Plan): ReadonlySet<string> =>
  new Set(plan.hosts.filter((h) => h.status !== "ready" || h.actions.length > 0).map((h) => h.host));
