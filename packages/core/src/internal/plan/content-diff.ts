/**
 * Diffs computed at render time from a field's before and after: a unified
 * diff for texts, a structural walk for JSON and YAML. The presentation is
 * decided here, not by the plan: object keys in sorted order, so a plan and
 * the same plan saved and read back render the same.
 */
import { createPatch, diffArrays } from "diff";
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
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => byCodeUnit(a, b)))
      : x,
  ) ?? "null";

const isObject = (v: unknown): v is { readonly [k: string]: Json } =>
  v !== null && typeof v === "object" && !Array.isArray(v);
const sameShape = (a: unknown, b: unknown): boolean =>
  (isObject(a) && isObject(b)) || (Array.isArray(a) && Array.isArray(b));
const equal = (a: unknown, b: unknown): boolean => stableJson(a) === stableJson(b);
const keyText = (k: string): string => (/^[A-Za-z0-9_./-]+$/.test(k) ? k : JSON.stringify(k));

const changed = (label: string, before: Json, after: Json, depth: number): DiffLine[] => {
  if (sameShape(before, after)) {
    const inner = walk(before, after, depth + 1);
    return inner.length > 0 ? [line(" ", depth, `${label}:`), ...inner] : [];
  }
  return [
    line("-", depth, `${label}: ${stableJson(before)}`),
    line("+", depth, `${label}: ${stableJson(after)}`),
  ];
};

const walkObject = (b: { readonly [k: string]: Json }, a: { readonly [k: string]: Json }, depth: number) =>
  [...new Set([...Object.keys(b), ...Object.keys(a)])].sort(byCodeUnit).flatMap((k): DiffLine[] => {
    const inB = Object.hasOwn(b, k);
    const inA = Object.hasOwn(a, k);
    if (!inA) return [line("-", depth, `${keyText(k)}: ${stableJson(b[k])}`)];
    if (!inB) return [line("+", depth, `${keyText(k)}: ${stableJson(a[k])}`)];
    return equal(b[k], a[k]) ? [] : changed(keyText(k), b[k]!, a[k]!, depth);
  });

/** Arrays keep their order: a longest-common-subsequence diff; a changed container in place is walked into. */
const walkArray = (b: readonly Json[], a: readonly Json[], depth: number): DiffLine[] => {
  const parts = diffArrays([...b], [...a], { comparator: equal });
  const out: DiffLine[] = [];
  let index = 0; // position in `after`
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const next = parts[i + 1];
    if (
      part.removed &&
      next?.added &&
      next.count === part.count &&
      part.value.every((v, j) => sameShape(v, next.value[j]))
    ) {
      for (const [j, v] of part.value.entries())
        out.push(...changed(`[${index + j}]`, v, next.value[j]!, depth));
      index += next.count ?? next.value.length;
      i++;
    } else if (part.removed) {
      for (const v of part.value) out.push(line("-", depth, stableJson(v)));
    } else if (part.added) {
      for (const v of part.value) out.push(line("+", depth, stableJson(v)));
      index += part.value.length;
    } else {
      index += part.value.length;
    }
  }
  return out;
};

const walk = (before: Json, after: Json, depth: number): DiffLine[] => {
  if (equal(before, after)) return [];
  if (isObject(before) && isObject(after)) return walkObject(before, after, depth);
  if (Array.isArray(before) && Array.isArray(after)) return walkArray(before, after, depth);
  return [line("-", depth, stableJson(before)), line("+", depth, stableJson(after))];
};

const parse = (format: "json" | "yaml", text: string): { value: Json } | undefined => {
  try {
    return { value: (format === "json" ? JSON.parse(text) : parseYaml(text)) as Json };
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
      const lines = walk(b.value, a.value, 0);
      if (lines.length > 0) return lines;
    }
  }
  return unifiedDiff(before, after);
};
