/**
 * A plan as one self-contained HTML page for review in a browser (`tend plan
 * --html`): counts per host and action, collapsible hosts and resources,
 * diffs computed like the text renderer's (content-diff.ts), causes of
 * restarts and reloads, and a filter box. Like render.ts it only reads the
 * plan, and only the parts meant for people: never blobs, ops, probes or
 * stored resources, and a secret field's change carries no value to read.
 * Every string from the plan is HTML-escaped and sits in text or a quoted
 * attribute; the only script and style are fixed (html-assets.ts) and the
 * Content-Security-Policy allows nothing else, no network included.
 */
import { createHash } from "node:crypto";
import { contentDiff, type DiffLine, stableJson, valueDiff } from "./content-diff.js";
import { formatDuration } from "./duration.js";
import {
  type Action,
  type ActionType,
  type FieldDiff,
  isSecretField,
  type Plan,
  type ReadyHostPlan,
  type Summary,
} from "./format.js";
import { PAGE_SCRIPT, PAGE_STYLE } from "./html-assets.js";

/** Options of the page. */
export interface HtmlOptions {
  /** The page title; "tend plan" by default. */
  readonly title?: string;
}

const ENTITY: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text safe in HTML content and in a double-quoted attribute. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ENTITY[c]!);

const ACTIONS: readonly ActionType[] = ["create", "update", "delete", "restart", "reload"];
const SIGN: Record<ActionType, [string, string]> = {
  create: ["+", "will be created"],
  update: ["~", "will be updated in-place"],
  delete: ["-", "will be destroyed"],
  restart: ["↻", "will be restarted"],
  reload: ["↻", "will run"],
};

/** Lines of a new value shown in full up to this many; a page can be longer than a terminal. */
const MAX_LINES = 2000;

/** The kind part of `kind[name]`. */
const kindOf = (id: string): string => {
  const open = id.indexOf("[");
  return open > 0 ? id.slice(0, open) : id;
};

/** Counts of what the page lists (not the plan's stored summary), so the page agrees with itself. */
const countsOf = (actions: readonly Action[]): Summary => {
  const s = { create: 0, update: 0, delete: 0, restart: 0, reload: 0 };
  for (const a of actions) s[a.action] += 1;
  return s;
};

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

const lineHtml = (l: DiffLine): string => {
  const cls = l.sign === "+" ? "add" : l.sign === "-" ? "del" : l.text.startsWith("@@") ? "hunk" : "ctx";
  return `<span class="l ${cls}">${escapeHtml(l.text)}</span>`;
};

const diffBlock = (lines: readonly DiffLine[]): string => {
  const shown = lines.slice(0, MAX_LINES).map(lineHtml);
  if (lines.length > MAX_LINES)
    shown.push(`<span class="l more">… ${lines.length - MAX_LINES} more lines</span>`);
  return `<pre class="diff">${shown.join("")}</pre>`;
};

const newTextLines = (text: string): DiffLine[] =>
  text
    .replace(/\n$/, "")
    .split("\n")
    .map((l) => ({ sign: "+", text: `+ ${l}` }));

const secretText = (before: unknown, after: unknown): string =>
  before === null
    ? "sensitive value set"
    : after === null
      ? "sensitive value removed"
      : "sensitive value changed";

const fieldHtml = (f: FieldDiff): string => {
  const name = escapeHtml(f.field);
  // A secret field is read for whether a value exists only; the plan holds no value for it.
  if (isSecretField(f))
    return `<div class="field secret"><span class="fname">~ ${name}</span>: (${secretText(f.before, f.after)})</div>`;
  const { before, after, format } = f;
  if (before === null && after !== null) {
    if (typeof after === "string" && after.includes("\n"))
      return `<div class="field"><div class="fname">+ ${name}:</div>${diffBlock(newTextLines(after))}</div>`;
    return `<div class="field"><span class="fname">+ ${name} = ${escapeHtml(stableJson(after))}</span></div>`;
  }
  if (typeof before === "string" && typeof after === "string" && format !== undefined && format !== "binary")
    return `<div class="field"><div class="fname">~ ${name}:</div>${diffBlock(contentDiff(format, before, after))}</div>`;
  const nested = valueDiff(before, after);
  if (nested) return `<div class="field"><div class="fname">~ ${name}:</div>${diffBlock(nested)}</div>`;
  return `<div class="field"><span class="fname">~ ${name}: ${escapeHtml(stableJson(before))} → ${escapeHtml(stableJson(after))}</span></div>`;
};

const actionHtml = (host: string, a: Action): string => {
  const [sign, verb] = SIGN[a.action];
  const why = a.reasons.length > 0 ? ` <span class="why">(${escapeHtml(a.reasons.join("; "))})</span>` : "";
  const attrs = [
    `class="action ${a.action}"`,
    `data-host="${escapeHtml(host)}"`,
    `data-kind="${escapeHtml(kindOf(a.id))}"`,
    `data-action="${a.action}"`,
    `data-id="${escapeHtml(a.id)}"`,
  ].join(" ");
  const body = [
    ...a.fields.map(fieldHtml),
    a.notes.length > 0
      ? `<ul class="notes">${a.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>`
      : "",
    ...a.unknown.map((u) => `<p class="unknown">(${escapeHtml(u)})</p>`),
    a.after.length > 0
      ? `<p class="after">runs after ${a.after.map((id) => `<code>${escapeHtml(id)}</code>`).join(", ")}</p>`
      : "",
  ].join("");
  return (
    `<details ${attrs}><summary><span class="sign ${a.action}">${sign}</span> ` +
    `<span class="id">${escapeHtml(a.id)}</span> <span class="verb">${verb}</span>${why}</summary>${body}</details>`
  );
};

const badges = (s: Summary): string => {
  const parts = ACTIONS.filter((k) => s[k] > 0).map((k) => `<span class="badge ${k}">${s[k]} ${k}</span>`);
  return parts.length > 0 ? parts.join("") : `<span class="badge none">no changes</span>`;
};

/** How long the host took, when the plan says (a number the codec checked: nothing to escape). */
const took = (durationMs: number | undefined): string =>
  durationMs === undefined ? "" : `<span class="took">${formatDuration(durationMs)}</span>`;

const readyHostHtml = (h: ReadyHostPlan): string =>
  `<details class="host" data-host="${escapeHtml(h.host)}" data-status="ready">` +
  `<summary><span class="hostname">${escapeHtml(h.host)}</span>${badges(countsOf(h.actions))}${took(h.durationMs)}</summary>` +
  `<div class="host-body">${h.actions.length > 0 ? h.actions.map((a) => actionHtml(h.host, a)).join("") : "<p>No changes.</p>"}</div></details>`;

const failedHostHtml = (host: string, errors: readonly string[], durationMs?: number): string =>
  `<details class="host" data-host="${escapeHtml(host)}" data-status="error" open>` +
  `<summary><span class="hostname">${escapeHtml(host)}</span><span class="badge error">cannot plan</span>${took(durationMs)}</summary>` +
  `<div class="host-body"><ul class="errors">${errors.map((e) => `<li>${escapeHtml(e)}</li>`).join("")}</ul></div></details>`;

const allCounts = (plan: Plan): Summary =>
  countsOf(plan.hosts.flatMap((h) => (h.status === "ready" ? h.actions : [])));

const countCells = (s: Summary): string =>
  ACTIONS.map((k) => `<td class="${s[k] === 0 ? "zero" : k}">${s[k]}</td>`).join("");

const countsTable = (plan: Plan): string => {
  const rows = plan.hosts.map((h) =>
    h.status === "ready"
      ? `<tr><td>${escapeHtml(h.host)}</td>${countCells(countsOf(h.actions))}</tr>`
      : `<tr><td>${escapeHtml(h.host)}</td><td class="failed" colspan="${ACTIONS.length}">cannot plan</td></tr>`,
  );
  return (
    `<table class="counts"><thead><tr><th>host</th>${ACTIONS.map((k) => `<th>${k}</th>`).join("")}</tr></thead>` +
    `<tbody>${rows.join("")}</tbody><tfoot><tr><td>all hosts</td>${countCells(allCounts(plan))}</tr></tfoot></table>`
  );
};

const cspHash = (text: string): string => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

/** The plan as one HTML page that loads nothing from anywhere. */
export const renderPlanHtml = (plan: Plan, options: HtmlOptions = {}): string => {
  const title = escapeHtml(options.title ?? "tend plan");
  const s = allCounts(plan);
  const failed = plan.hosts.filter((h) => h.status === "error").length;
  const csp = [
    "default-src 'none'",
    `style-src ${cspHash(PAGE_STYLE)}`,
    `script-src ${cspHash(PAGE_SCRIPT)}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  const totals =
    `${plural(plan.hosts.length, "host")}: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ` +
    `${s.restart} to restart, ${plural(s.reload, "daemon-reload")}.` +
    (failed > 0 ? ` <span class="failed-note">${plural(failed, "host")} could not be planned.</span>` : "") +
    (plan.durationMs === undefined
      ? ""
      : ` Planning ${plural(plan.hosts.length, "host")} took ${formatDuration(plan.durationMs)}.`);
  const hosts = plan.hosts.map((h) =>
    h.status === "ready" ? readyHostHtml(h) : failedHostHtml(h.host, h.errors, h.durationMs),
  );
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${title}</title>`,
    `<style>${PAGE_STYLE}</style></head><body>`,
    `<header><h1>${title}</h1><p class="totals">${totals}</p></header>`,
    countsTable(plan),
    '<div class="toolbar"><input id="filter" type="search" autocomplete="off" spellcheck="false" ' +
      'placeholder="filter: host, kind or action (e.g. worker1 unit restart, kind:file)" aria-label="filter">' +
      '<button id="expand" type="button">expand all</button><button id="collapse" type="button">collapse all</button>' +
      '<span id="shown"></span></div>',
    `<main>${hosts.join("\n")}</main>`,
    `<script>${PAGE_SCRIPT}</script>`,
    "</body></html>",
    "",
  ].join("\n");
};
