/**
 * Turns a kind's FieldChange into the plan's FieldDiff: JSON and YAML
 * contents diffed structurally (json-diff), other text as a unified diff,
 * secrets reduced to "(sensitive)".
 */
import { createPatch } from "diff";
import { diff as jsonDiff } from "json-diff";
import { parse as parseYaml } from "yaml";
import type { FieldChange } from "../resource.js";
import type { FieldDiff } from "./format.js";

export const SENSITIVE = "(sensitive)";

const parseStructured = (
  format: "json" | "yaml",
  text: string,
): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: format === "json" ? JSON.parse(text) : parseYaml(text) };
  } catch {
    return { ok: false };
  }
};

const unified = (field: string, before: string, after: string): string =>
  createPatch(field, before, after, "", "", { context: 3 })
    .split("\n")
    .slice(4) // drop the Index/===/---/+++ header lines: the action names the file
    .join("\n")
    .trimEnd();

/** Field-level diff as the plan stores it. */
export const toFieldDiff = (c: FieldChange, forceSensitive: boolean): FieldDiff => {
  if (c.sensitive || forceSensitive) {
    return {
      field: c.field,
      before: c.before === null ? null : SENSITIVE,
      after: c.after === null ? null : SENSITIVE,
      sensitive: true,
    };
  }
  const { before, after } = c;
  if (typeof before === "string" && typeof after === "string" && c.format && c.format !== "binary") {
    if (c.format === "json" || c.format === "yaml") {
      const b = parseStructured(c.format, before);
      const a = parseStructured(c.format, after);
      if (b.ok && a.ok) {
        const delta = jsonDiff(b.value, a.value, { full: false });
        if (delta !== undefined) return { field: c.field, before, after, diff: { format: "json", delta } };
      }
    }
    return {
      field: c.field,
      before,
      after,
      diff: { format: "unified", text: unified(c.field, before, after) },
    };
  }
  return { field: c.field, before, after };
};
