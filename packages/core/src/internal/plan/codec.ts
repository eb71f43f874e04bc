/**
 * Plan (de)serialisation. Encoding is deterministic (stable key order), so
 * the same inputs give byte-identical JSON. Decoding names the JSON path of
 * the first bad values.
 */
import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import { IntersectionType, UnionType } from "io-ts";
import { type HostPlan, PLAN_FORMAT, Plan, type ReadyHostPlan, type Summary } from "./format.js";

export type PlanDecodeError =
  | { readonly _tag: "NotJson"; readonly message: string }
  | { readonly _tag: "WrongFormat"; readonly found: unknown }
  | { readonly _tag: "Invalid"; readonly problems: readonly string[] };

const sortKeys = (_k: string, v: unknown): unknown =>
  v && typeof v === "object" && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : v;

/** The plan as JSON text, keys sorted, two-space indented, trailing newline. */
export const encodePlan = (plan: Plan): string => `${JSON.stringify(plan, sortKeys, 2)}\n`;

/** The JSON path of a bad value; union branches (io-ts keys them "0", "1", … under a union type) are left out. */
const pathOf = (e: t.ValidationError): string =>
  e.context
    .filter(
      (c, i) =>
        c.key !== "" &&
        !(
          i > 0 &&
          (e.context[i - 1]!.type instanceof UnionType || e.context[i - 1]!.type instanceof IntersectionType)
        ),
    )
    .map((c) => c.key)
    .join(".");

/** Decodes a saved plan, or says which paths are wrong. */
export const decodePlan = (text: string): E.Either<PlanDecodeError, Plan> => {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return E.left({ _tag: "NotJson", message: (e as Error).message });
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (format !== PLAN_FORMAT) return E.left({ _tag: "WrongFormat", found: format });
  const decoded = Plan.decode(raw);
  if (E.isRight(decoded)) return decoded;
  const problems = [
    ...new Set(
      decoded.left.map((e) =>
        e.value === undefined ? `${pathOf(e)}: missing` : `${pathOf(e)}: got ${JSON.stringify(e.value)}`,
      ),
    ),
  ];
  return E.left({ _tag: "Invalid", problems: problems.slice(0, 10) });
};

/** One message for a plan decode error. */
export const describePlanDecodeError = (e: PlanDecodeError, file = "plan"): string => {
  switch (e._tag) {
    case "NotJson":
      return `${file}: not JSON: ${e.message}`;
    case "WrongFormat":
      return `${file}: not a tend plan (format ${JSON.stringify(e.found)}, expected "${PLAN_FORMAT}")`;
    case "Invalid":
      return `${file}: invalid plan:\n  ${e.problems.join("\n  ")}`;
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
