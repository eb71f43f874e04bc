/**
 * The human rendering of a plan and an apply report, in the style of
 * `terraform plan`. It only reads the plan data, and decides the
 * presentation itself (diffs of contents, sorted keys), so the same plan
 * renders the same whether it was just made or saved and read back. Colour
 * is the caller's choice (on a TTY and without NO_COLOR).
 */
import type { ApplyReport, HostApplyReport, Verdict } from "../engine/apply.js";
import { totalSummary } from "./codec.js";
import { contentDiff, type DiffLine, stableJson, valueDiff } from "./content-diff.js";
import { durationSuffix, formatDuration, type Timed } from "./duration.js";
import { type Action, type FieldDiff, isSecretField, type Plan } from "./format.js";

export interface RenderOptions {
  readonly color: boolean;
}

type Paint = (code: number, s: string) => string;
const painter =
  (color: boolean): Paint =>
  (code, s) =>
    color ? `\u001b[${code}m${s}\u001b[0m` : s;

const SIGN: Record<Action["action"], [string, number, string]> = {
  create: ["+", 32, "will be created"],
  update: ["~", 33, "will be updated in-place"],
  delete: ["-", 31, "will be destroyed"],
  restart: ["↻", 36, "will be restarted"],
  reload: ["↻", 36, "will run"],
};

/** A value on one line; objects with sorted keys, so insertion order never shows. */
const show = stableJson;

const FIELD_BODY = "          ";
const paintLine = (l: DiffLine, paint: Paint): string =>
  `${FIELD_BODY}${l.sign === "+" ? paint(32, l.text) : l.sign === "-" ? paint(31, l.text) : l.text}`;

/** Lines of a new multi-line text, capped so a plan stays readable. */
const MAX_NEW_LINES = 30;
// The renderers below add their lines to `out`: a fleet's plan has hundreds of thousands of
// lines, and building an array per field and per action only to spread it is most of the work.

const newText = (out: string[], text: string, paint: Paint): void => {
  const lines = text.replace(/\n$/, "").split("\n");
  const n = Math.min(lines.length, MAX_NEW_LINES);
  for (let i = 0; i < n; i++) out.push(`${FIELD_BODY}${paint(32, `+ ${lines[i]}`)}`);
  if (lines.length > MAX_NEW_LINES) out.push(`${FIELD_BODY}… ${lines.length - MAX_NEW_LINES} more lines`);
};

const renderField = (out: string[], f: FieldDiff, paint: Paint): void => {
  if (isSecretField(f)) {
    out.push(`      ${paint(33, "~")} ${f.field}: (sensitive value changed)`);
    return;
  }
  const { before, after, format } = f;
  // A value that did not exist before reads as an assignment, like terraform's `+ attr = value`.
  if (before === null && after !== null) {
    const head = `      ${paint(32, "+")} ${f.field}`;
    if (typeof after === "string" && after.includes("\n")) {
      out.push(`${head}:`);
      newText(out, after, paint);
    } else out.push(`${head} = ${show(after)}`);
    return;
  }
  const head = `      ${paint(33, "~")} ${f.field}`;
  // Contents are diffed here, at render time, from the values the plan keeps.
  const lines =
    typeof before === "string" && typeof after === "string" && format !== undefined && format !== "binary"
      ? contentDiff(format, before, after)
      : valueDiff(before, after);
  if (lines) {
    out.push(`${head}:`);
    for (const l of lines) out.push(paintLine(l, paint));
  } else out.push(`${head}: ${show(before)} → ${show(after)}`);
};

const renderAction = (out: string[], a: Action, paint: Paint): void => {
  const [sign, code, verb] = SIGN[a.action];
  const why = a.reasons.length > 0 ? ` (${a.reasons.join("; ")})` : "";
  out.push(`  ${paint(1, `# ${a.id}`)} ${verb}${why}`, `  ${paint(code, sign)} ${a.id}`);
  for (const f of a.fields) renderField(out, f, paint);
  for (const n of a.notes) out.push(`      ${paint(35, "!")} ${n}`);
  for (const u of a.unknown) out.push(`      ${paint(2, `(${u})`)}`);
};

/**
 * The closing line of a plan: its totals, the hosts that could not be
 * planned, and how long planning took when the plan says.
 */
export const renderPlanTotals = (plan: Plan, options: RenderOptions): string => {
  const paint = painter(options.color);
  const s = totalSummary(plan);
  const failed = plan.hosts.filter((h) => h.status === "error").length;
  const n = plan.hosts.length;
  return (
    `${paint(1, "Plan:")} ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.restart} to restart, ${s.reload} daemon-reload${s.reload === 1 ? "" : "s"}.` +
    (failed > 0 ? ` ${failed} host${failed === 1 ? "" : "s"} could not be planned.` : "") +
    (plan.durationMs !== undefined
      ? ` Planning ${n} host${n === 1 ? "" : "s"} took ${formatDuration(plan.durationMs)}.`
      : "")
  );
};

/** A plan as text for people; each host's duration, and the plan's, where the plan has them. */
export const renderPlan = (plan: Plan, options: RenderOptions): string => {
  const paint = painter(options.color);
  const out: string[] = [];
  for (const h of plan.hosts) {
    const took = durationSuffix(h);
    if (h.status === "error") {
      out.push(
        `${paint(31, "✗")} ${paint(1, h.host)}: cannot plan${took}`,
        ...h.errors.map((e) => `    ${e}`),
        "",
      );
      continue;
    }
    if (h.actions.length === 0) {
      out.push(`${paint(32, "✓")} ${paint(1, h.host)}: no changes${took}`, "");
      continue;
    }
    out.push(`${paint(1, h.host)}: ${h.actions.length} action${h.actions.length === 1 ? "" : "s"}${took}`);
    for (const a of h.actions) {
      renderAction(out, a, paint);
      out.push("");
    }
  }
  out.push(renderPlanTotals(plan, options));
  return `${out.join("\n")}\n`;
};

const verdictText = (v: Verdict, paint: Paint): string =>
  v.converged
    ? paint(32, "converged")
    : "pending" in v
      ? paint(33, `pending: ${v.pending.map((p) => `${p.action} ${p.id}`).join(", ")}`)
      : paint(33, `not verified: ${v.unverified}`);

/** One host's outcome: one line, or two when ops failed (the error, then the re-plan's verdict). */
const hostLine = (h: Timed<HostApplyReport>, paint: Paint): string => {
  const took = durationSuffix(h);
  switch (h.status) {
    case "applied":
      return `${paint(32, "✓")} ${h.host}: applied ${h.opsRun} ops; ${verdictText(h.verdict, paint)}${took}`;
    case "unchanged":
      return `${paint(32, "✓")} ${h.host}: no changes; ${paint(32, "converged")}${took}`;
    case "failed":
      return `${paint(31, "✗")} ${h.host}: failed after ${h.opsRun} ops${took}: ${h.error}\n    ${verdictText(h.verdict, paint)}`;
    case "stale":
    case "locked":
      return `${paint(31, "✗")} ${h.host}${took}: ${h.error}`;
    case "blocked":
      // Never started: no duration to show.
      return `${paint(31, "✗")} ${h.host}: not started: ${h.error}`;
    case "skipped":
      return `${paint(31, "✗")} ${h.host}: skipped: ${h.error}`;
  }
};

/** An apply report with each host's duration, and the whole apply's, where measured. */
export type TimedApplyReport = Timed<Omit<ApplyReport, "hosts">> & {
  readonly hosts: readonly Timed<HostApplyReport>[];
};

/** An apply report as text: per host what ran, what failed, the convergence check, and how long it took. */
export const renderApplyReport = (report: TimedApplyReport, options: RenderOptions): string => {
  const paint = painter(options.color);
  const lines = report.hosts.map((h) => hostLine(h, paint));
  return `${lines.join("\n")}\n`;
};
