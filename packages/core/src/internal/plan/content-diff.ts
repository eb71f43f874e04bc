/**
 * Diffs computed at render time from a field's before and after: a unified
 * diff for texts; for JSON and YAML, json-diff's delta read into lines. The
 * delta lives only here: the plan keeps before and after, never a delta.
 * The presentation is decided here, not by the plan: object keys in sorted
 * order, so a plan and the same plan saved and read back render the same.
 */
import { createPatch } from "diff";
import { diff as jsonDiff } from "json-diff";
import { parse as parseYaml } from "yaml";

/** One line of a diff as shown (indent and sign included); `sign` says how to colour it. */
export interface DiffLine {
  readonly sign: "+" | "-" | " ";
  readonly text: string;
}

/** A structural line: nested values four spaces further in, the sign (or a blank for a heading) first. */
const line = (sign: DiffLine["sign"], depth: number, body: string): DiffLine => ({
  sign,
  text: `${"    ".repeat(depth)}${sign} ${body}`,
});

type Json = null | boolean | number | string | readonly Json[] | { readonly [k: string]: Json };

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** JSON with object keys sorted: the same value gives the same text, whatever order it was built in. */
export const stableJson = (v: unknown): string =>
  // Most values a plan shows are scalars or lists of them (modes, owners, paths), where there is
  // no key to sort: JSON.stringify alone gives the same text, many times faster than with a replacer.
  (isFlat(v)
    ? JSON.stringify(v)
    : JSON.stringify(v, (_k, x: unknown) =>
        x && typeof x === "object" && !Array.isArray(x)
          ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => byCodeUnit(a, b)))
          : x,
      )) ?? "null";

/** A scalar, or an array of scalars: nothing in it has keys (or a toJSON) to order. */
const isFlat = (v: unknown): boolean =>
  v === null ||
  typeof v !== "object" ||
  (Array.isArray(v) && v.every((x) => x === null || typeof x !== "object"));

const isObject = (v: unknown): v is { readonly [k: string]: Json } =>
  v !== null && typeof v === "object" && !Array.isArray(v);
const keyText = (k: string): string => (/^[A-Za-z0-9_./-]+$/.test(k) ? k : JSON.stringify(k));

/*
 * json-diff marks its delta with key names (`__old`/`__new`, a `__added` or
 * `__deleted` suffix) and looks array items up by string (`__next`, object
 * prototype names). So every key and string goes in JSON-quoted: a quoted
 * name starts and ends with `"`, so it is never read as a marker, and keys
 * go in sorted, so the delta (its array matching included) depends on the
 * value only, not on the order the value was built in.
 *
 * json-diff pairs the objects of two arrays by trying every pair (3,000
 * objects took 44 s). An array item that is a container found unchanged
 * among the other side's array items therefore goes in as a token (`=` and
 * its sorted JSON, never equal to a quoted string), matched as a scalar; and
 * when the unpaired ones would still make too many pairs, every such item
 * goes in as a token (a changed item then shows as - and + lines).
 */
const TOKEN = "=";
const MAX_PAIRS = 40_000;
type Shared = ReadonlySet<string> | "all";

const isContainer = (v: Json): boolean => v !== null && typeof v === "object";

/** The sorted JSON of every container that is an array item, at any depth. */
const arrayItems = (v: Json, out: Set<string>): Set<string> => {
  if (Array.isArray(v))
    for (const x of v) {
      if (isContainer(x)) out.add(stableJson(x));
      arrayItems(x, out);
    }
  else if (isObject(v)) for (const x of Object.values(v)) arrayItems(x, out);
  return out;
};

/** How many array items are containers the other side does not have: json-diff pairs these. */
const unpaired = (v: Json, other: ReadonlySet<string>): number =>
  Array.isArray(v)
    ? v.reduce<number>(
        (n, x) => n + (isContainer(x) && !other.has(stableJson(x)) ? 1 + unpaired(x, other) : 0),
        0,
      )
    : isObject(v)
      ? Object.values(v).reduce<number>((n, x) => n + unpaired(x, other), 0)
      : 0;

const encodeItem = (x: Json, shared: Shared): Json => {
  if (!isContainer(x)) return encode(x, shared);
  const key = stableJson(x);
  return shared === "all" || shared.has(key) ? `${TOKEN}${key}` : encode(x, shared);
};

const encode = (v: Json, shared: Shared): Json =>
  typeof v === "string"
    ? JSON.stringify(v)
    : Array.isArray(v)
      ? v.map((x) => encodeItem(x, shared))
      : isObject(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort(byCodeUnit)
              .map((k) => [JSON.stringify(k), encode(v[k]!, shared)]),
          )
        : v;

/** Both sides encoded with the same tokens: a container shared by both arrays is one scalar on each side. */
const encodePair = (before: Json, after: Json): [Json, Json] => {
  const inBefore = arrayItems(before, new Set());
  const inAfter = arrayItems(after, new Set());
  const shared = new Set([...inBefore].filter((k) => inAfter.has(k)));
  const pairs = unpaired(before, inAfter) * unpaired(after, inBefore);
  const mode: Shared = pairs > MAX_PAIRS ? "all" : shared;
  return [encode(before, mode), encode(after, mode)];
};

const decode = (v: unknown): Json =>
  typeof v === "string"
    ? (JSON.parse(v.startsWith(TOKEN) ? v.slice(TOKEN.length) : v) as Json)
    : Array.isArray(v)
      ? v.map(decode)
      : isObject(v)
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [JSON.parse(k) as string, decode(x)]))
        : (v as Json);

/** A changed scalar (or a change of type) in the delta: real keys are quoted, so `__old` is the marker. */
const isChange = (d: unknown): d is { readonly __old: unknown; readonly __new: unknown } =>
  isObject(d) && Object.hasOwn(d, "__old");

const MARK = /__(added|deleted)$/;

/** An object's delta: a key added, deleted, changed as a value, or changed inside; in key order. */
const objectLines = (delta: { readonly [k: string]: unknown }, depth: number): DiffLine[] =>
  Object.entries(delta)
    .map(([raw, d]) => {
      const mark = MARK.exec(raw)?.[1];
      const name = JSON.parse(mark ? raw.slice(0, -`__${mark}`.length) : raw) as string;
      return { name, mark, d };
    })
    .sort((x, y) => byCodeUnit(x.name, y.name))
    .flatMap(({ name, mark, d }): DiffLine[] => {
      const k = keyText(name);
      if (mark === "deleted") return [line("-", depth, `${k}: ${stableJson(decode(d))}`)];
      if (mark === "added") return [line("+", depth, `${k}: ${stableJson(decode(d))}`)];
      return changedLines(k, d, depth);
    });

const changedLines = (label: string, d: unknown, depth: number): DiffLine[] =>
  isChange(d)
    ? [
        line("-", depth, `${label}: ${stableJson(decode(d.__old))}`),
        line("+", depth, `${label}: ${stableJson(decode(d.__new))}`),
      ]
    : [line(" ", depth, `${label}:`), ...deltaLines(d, depth + 1)];

/** An array's delta, in order: json-diff's ops (` ` kept, `-`, `+`, `~` changed inside) with indexes into the new array. */
const arrayLines = (ops: readonly (readonly [string, unknown?])[], depth: number): DiffLine[] => {
  const out: DiffLine[] = [];
  let index = 0; // position in `after`
  for (const [op, d] of ops) {
    if (op === "-") out.push(line("-", depth, stableJson(decode(d))));
    else if (op === "+") out.push(line("+", depth, stableJson(decode(d))));
    else if (op === "~") out.push(...changedLines(`[${index}]`, d, depth));
    if (op !== "-") index++;
  }
  return out;
};

const deltaLines = (delta: unknown, depth: number): DiffLine[] => {
  if (delta === undefined) return [];
  if (isChange(delta))
    return [
      line("-", depth, stableJson(decode(delta.__old))),
      line("+", depth, stableJson(decode(delta.__new))),
    ];
  if (Array.isArray(delta)) return arrayLines(delta as [string, unknown?][], depth);
  return isObject(delta) ? objectLines(delta, depth) : [];
};

/**
 * The structural diff of two JSON values, empty when they are equal as
 * values. Undefined when it cannot be computed (nesting deeper than the
 * stack): the caller shows the texts instead.
 */
const structural = (before: Json, after: Json): DiffLine[] | undefined => {
  try {
    return deltaLines(jsonDiff(...encodePair(before, after)), 0);
  } catch {
    return undefined;
  }
};

const parse = (format: "json" | "yaml", text: string): { value: Json } | undefined => {
  try {
    const value: unknown = format === "json" ? JSON.parse(text) : parseYaml(text);
    // Through JSON once: NaN and -0 read as JSON has them; a cycle of YAML aliases throws, so texts are shown.
    return { value: JSON.parse(JSON.stringify(value) ?? "null") as Json };
  } catch {
    return undefined;
  }
};

/** A unified diff of two texts, without the file header (the action names the file). */
export const unifiedDiff = (before: string, after: string): DiffLine[] =>
  createPatch("", before, after, "", "", { context: 3 })
    .split("\n")
    .slice(4)
    .filter((l) => l.length > 0 && !l.startsWith("\\"))
    .map((l) => ({ sign: l.startsWith("+") ? "+" : l.startsWith("-") ? "-" : " ", text: l }));

/**
 * The diff of a content field: JSON and YAML structurally when both sides
 * parse and differ as values; otherwise (text, unparsable, or only layout
 * changed) a unified diff.
 */
export const contentDiff = (format: "text" | "json" | "yaml", before: string, after: string): DiffLine[] => {
  if (format !== "text") {
    const b = parse(format, before);
    const a = parse(format, after);
    if (b && a) {
      const lines = structural(b.value, a.value);
      if (lines !== undefined && lines.length > 0) return lines;
    }
  }
  return unifiedDiff(before, after);
};

/**
 * The structural diff of an object- or array-valued field (both sides the
 * same kind of container), or undefined when the field reads better on one
 * line (scalars, a change of type, no change as a value).
 */
export const valueDiff = (before: unknown, after: unknown): DiffLine[] | undefined => {
  const same = (isObject(before) && isObject(after)) || (Array.isArray(before) && Array.isArray(after));
  if (!same) return undefined;
  // Through JSON once, as a saved plan is: an `undefined` member or -0 then diffs as it would read back.
  const asSaved = (v: unknown): Json => JSON.parse(stableJson(v)) as Json;
  let lines: DiffLine[] | undefined;
  try {
    lines = structural(asSaved(before), asSaved(after));
  } catch {
    lines = undefined; // nesting deeper than the stack: shown on one line
  }
  return lines !== undefined && lines.length > 0 ? lines : undefined;
};
