/**
 * Plan (de)serialisation. Encoding is deterministic (stable key order), so
 * the same inputs give byte-identical JSON. Decoding reads a whole plan file
 * (bytes or text) and either gives the plan, checked by the same codecs
 * apply uses, or says in one line per problem what is wrong and where.
 */
import * as E from "fp-ts/lib/Either.js";
import { type HostPlan, PLAN_FORMAT, Plan, type ReadyHostPlan, type Summary } from "./format.js";
import { type DecodeProblem, problemsOf, showValue } from "./problems.js";

/** Why a plan file was refused. */
export type PlanDecodeError =
  | { readonly _tag: "Empty" }
  | { readonly _tag: "Bom" }
  | { readonly _tag: "NotUtf8"; readonly offset: number }
  | { readonly _tag: "NotJson"; readonly message: string }
  | { readonly _tag: "TooDeep"; readonly line: number }
  | { readonly _tag: "NotObject"; readonly found: string }
  | { readonly _tag: "NoFormat" }
  | { readonly _tag: "TerraformPlan" }
  | { readonly _tag: "OtherVersion"; readonly found: string; readonly older: boolean }
  | { readonly _tag: "WrongFormat"; readonly found: string }
  | { readonly _tag: "Invalid"; readonly problems: readonly DecodeProblem[] };

const sortKeys = (_k: string, v: unknown): unknown =>
  v && typeof v === "object" && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : v;

/** The plan as JSON text, keys sorted, two-space indented, trailing newline. */
export const encodePlan = (plan: Plan): string => `${JSON.stringify(plan, sortKeys, 2)}\n`;

/** The offset of the first byte that is not part of a well-formed UTF-8 sequence, or -1. */
const firstBadUtf8 = (b: Uint8Array): number => {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    const [n, lo, hi] =
      c < 0x80
        ? [0, 0, 0]
        : c >= 0xc2 && c <= 0xdf
          ? [1, 0x80, 0xbf]
          : c === 0xe0
            ? [2, 0xa0, 0xbf]
            : c === 0xed
              ? [2, 0x80, 0x9f]
              : c >= 0xe1 && c <= 0xef
                ? [2, 0x80, 0xbf]
                : c === 0xf0
                  ? [3, 0x90, 0xbf]
                  : c >= 0xf1 && c <= 0xf3
                    ? [3, 0x80, 0xbf]
                    : c === 0xf4
                      ? [3, 0x80, 0x8f]
                      : [-1, 0, 0];
    if (n < 0) return i;
    // The second byte has the lead byte's own range (no overlongs, no surrogates); the rest are 80..BF.
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || x < (k === 1 ? lo : 0x80) || x > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
};

/** V8's JSON.parse message, made one short line: it may quote the whole input, and the input can be long. */
const jsonMessage = (message: string, text: string): string => {
  const at = /at position (\d+)/.exec(message);
  // An error at the very end of the text: the file was cut short.
  if (/Unexpected end of JSON input/.test(message) || (at && Number(at[1]) >= text.trimEnd().length))
    return "the text ends in the middle of a value (truncated?)";
  const head = (message.split(/, "|\n/)[0] ?? message).replace(/ in JSON at position \d+.*$/, "");
  if (!at) return head;
  const before = text.slice(0, Number(at[1]));
  return `${head} at line ${lineAt(text, before.length)} column ${before.length - before.lastIndexOf("\n")}`;
};

/** Deeper than any plan tend writes, and shallow enough that decoding it cannot exhaust the stack. */
export const MAX_PLAN_DEPTH = 512;

/** The offset where arrays and objects nest deeper than the limit, or -1 (one pass, strings skipped). */
const tooDeepAt = (text: string): number => {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_PLAN_DEPTH) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
};

const lineAt = (text: string, offset: number): number => text.slice(0, offset).split("\n").length;

const kindOf = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "string" ? "a string" : `a ${typeof v}`;

/** Checks the document's `format` field before its body, so an old or foreign file is named as such. */
const checkFormat = (raw: unknown): PlanDecodeError | undefined => {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    return { _tag: "NotObject", found: kindOf(raw) };
  const doc = raw as Record<string, unknown>;
  if (!("format" in doc) && ("format_version" in doc || "terraform_version" in doc))
    return { _tag: "TerraformPlan" };
  if (!("format" in doc)) return { _tag: "NoFormat" };
  const format = doc.format;
  if (format === PLAN_FORMAT) return undefined;
  const version = typeof format === "string" ? /^tend-plan\/(\d+)$/.exec(format) : null;
  if (version)
    return {
      _tag: "OtherVersion",
      found: format as string,
      older: Number(version[1]) < Number(PLAN_FORMAT.slice(10)),
    };
  return { _tag: "WrongFormat", found: showValue(format) };
};

/**
 * Decodes a saved plan, or says what is wrong: the bytes (empty, a BOM, not
 * UTF-8), the JSON, the format, or the JSON paths of the bad values.
 */
export const decodePlan = (input: string | Uint8Array): E.Either<PlanDecodeError, Plan> => {
  let text: string;
  if (typeof input === "string") {
    if (input.charCodeAt(0) === 0xfeff) return E.left({ _tag: "Bom" });
    text = input;
  } else {
    if (input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) return E.left({ _tag: "Bom" });
    const bad = firstBadUtf8(input);
    if (bad >= 0) return E.left({ _tag: "NotUtf8", offset: bad });
    text = new TextDecoder("utf-8").decode(input);
  }
  if (text.trim() === "") return E.left({ _tag: "Empty" });
  const deep = tooDeepAt(text);
  if (deep >= 0) return E.left({ _tag: "TooDeep", line: lineAt(text, deep) });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return E.left({ _tag: "NotJson", message: jsonMessage(String((e as Error).message), text) });
  }
  const wrong = checkFormat(raw);
  if (wrong) return E.left(wrong);
  const decoded = Plan.decode(raw);
  if (E.isRight(decoded)) return decoded;
  return E.left({ _tag: "Invalid", problems: problemsOf(decoded.left) });
};

const EXPECTED = `expected a tend plan (JSON with "format": "${PLAN_FORMAT}", as \`tend plan --out\` writes it)`;
const MAX_PROBLEMS = 10;

/** The message for a plan decode error, naming the file: one line, or one line per bad value. */
export const describePlanDecodeError = (e: PlanDecodeError, file = "plan"): string => {
  switch (e._tag) {
    case "Empty":
      return `${file}: the file is empty; ${EXPECTED}`;
    case "Bom":
      return `${file}: starts with a byte order mark (BOM); ${EXPECTED}, UTF-8 without a BOM`;
    case "NotUtf8":
      return `${file}: not UTF-8 (bad byte at offset ${e.offset}); ${EXPECTED}`;
    case "NotJson":
      return `${file}: not JSON: ${e.message}; ${EXPECTED}`;
    case "TooDeep":
      return `${file}: nested deeper than ${MAX_PLAN_DEPTH} levels (at line ${e.line}); ${EXPECTED}`;
    case "NotObject":
      return `${file}: the document is ${e.found}; ${EXPECTED}`;
    case "NoFormat":
      return `${file}: no "format" field; ${EXPECTED}`;
    case "TerraformPlan":
      return `${file}: this is a Terraform plan, not a tend plan`;
    case "OtherVersion":
      return e.older
        ? `${file}: a ${e.found} plan, saved by an older tend; this tend reads ${PLAN_FORMAT}: run \`tend plan --out\` again`
        : `${file}: a ${e.found} plan, saved by a newer tend; this tend reads ${PLAN_FORMAT}: use that tend, or run \`tend plan --out\` again`;
    case "WrongFormat":
      return `${file}: not a tend plan ("format" is ${e.found}); ${EXPECTED}`;
    case "Invalid": {
      const shown = e.problems
        .slice(0, MAX_PROBLEMS)
        .map((p) => `${file}: ${p.path === "" ? "" : `${p.path}: `}${p.message}`);
      const more = e.problems.length - shown.length;
      return [...shown, ...(more > 0 ? [`${file}: … and ${more} more`] : [])].join("\n");
    }
  }
};

/** Combines per-host plans into one plan, hosts in the given order. */
export const combinePlans = (hosts: readonly HostPlan[]): Plan => ({
  format: PLAN_FORMAT,
  hosts: [...hosts],
});

/** True when no host has an action (failed hosts count as not empty). */
export const planIsEmpty = (plan: Plan): boolean =>
  plan.hosts.every((h) => h.status === "ready" && h.actions.length === 0);

/** Totals over all ready hosts. */
export const totalSummary = (plan: Plan): Summary =>
  plan.hosts
    .filter((h): h is ReadyHostPlan => h.status === "ready")
    .reduce(
      (acc, h) => ({
        create: acc.create + h.summary.create,
        update: acc.update + h.summary.update,
        delete: acc.delete + h.summary.delete,
        restart: acc.restart + h.summary.restart,
        reload: acc.reload + h.summary.reload,
      }),
      { create: 0, update: 0, delete: 0, restart: 0, reload: 0 },
    );
