/**
 * The shape check every declared resource passes before its kind sees it:
 * `kind` and `name` are strings, `deps` and `notify` arrays of strings,
 * `origin` a string, and `props` plain JSON (no BigInt, function, symbol,
 * undefined in an array, non-finite number, cycle or class instance).
 * Resources come from JavaScript callers; junk becomes a typed error naming
 * the resource, never a throw out of `plan`.
 */
import type { Resource } from "../resource.js";
import { resourceId } from "../resource.js";
import type { PlanError } from "./errors.js";

const MAX_DEPTH = 64;

const isPlainObject = (u: object): boolean => {
  const proto = Object.getPrototypeOf(u);
  return proto === Object.prototype || proto === null;
};

const kindOf = (u: unknown): string => {
  if (u === null) return "null";
  if (Array.isArray(u)) return "an array";
  if (typeof u === "object") {
    if (isPlainObject(u)) return "an object";
    const ctor = (Object.getPrototypeOf(u) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    return typeof ctor === "string" && ctor !== "" ? `an instance of ${ctor}` : "an object";
  }
  return `a ${typeof u}`;
};

const at = (path: string, key: string | number): string =>
  typeof key === "number"
    ? `${path}[${key}]`
    : /^[A-Za-z_$][\w$]*$/.test(key)
      ? `${path}.${key}`
      : `${path}[${JSON.stringify(key)}]`;

/**
 * Whether `u` is JSON as jsonProblem means it, without naming where it is not:
 * no path strings built for every value of every resource (nearly all are JSON).
 */
const isJson = (u: unknown): boolean => {
  const open: object[] = [];
  const walk = (v: unknown, depth: number): boolean => {
    if (v === null || typeof v === "string" || typeof v === "boolean") return true;
    if (typeof v === "number") return Number.isFinite(v);
    if (typeof v !== "object" || depth > MAX_DEPTH || open.includes(v)) return false;
    if (!Array.isArray(v) && !isPlainObject(v)) return false;
    if (Object.getOwnPropertySymbols(v).length > 0) return false;
    open.push(v);
    let ok = true;
    if (Array.isArray(v)) {
      for (let i = 0; ok && i < v.length; i++) ok = v[i] !== undefined && walk(v[i], depth + 1);
    } else {
      for (const x of Object.values(v))
        if (x !== undefined && !walk(x, depth + 1)) {
          ok = false;
          break;
        }
    }
    open.pop();
    return ok;
  };
  try {
    return walk(u, 0);
  } catch {
    return false;
  }
};

/** Where `u` stops being JSON (e.g. "props.size is a bigint"), or undefined when it is JSON. */
export const jsonProblem = (u: unknown, path = "props"): string | undefined => {
  if (isJson(u)) return undefined;
  const open = new Set<object>();
  const walk = (v: unknown, p: string, depth: number): string | undefined => {
    if (v === null || typeof v === "string" || typeof v === "boolean") return undefined;
    if (typeof v === "number") return Number.isFinite(v) ? undefined : `${p} is ${v}, which JSON cannot hold`;
    if (typeof v !== "object") return `${p} is ${kindOf(v)}, not JSON`;
    if (depth > MAX_DEPTH) return `${p} is nested more than ${MAX_DEPTH} levels deep`;
    if (open.has(v)) return `${p} refers back to itself (a cycle)`;
    if (!Array.isArray(v) && !isPlainObject(v)) return `${p} is ${kindOf(v)}, not plain JSON`;
    if (Object.getOwnPropertySymbols(v).length > 0) return `${p} has symbol keys, not JSON`;
    open.add(v);
    try {
      if (Array.isArray(v)) {
        for (const [i, x] of v.entries()) {
          const bad = x === undefined ? `${at(p, i)} is undefined, not JSON` : walk(x, at(p, i), depth + 1);
          if (bad !== undefined) return bad;
        }
      } else {
        for (const [k, x] of Object.entries(v)) {
          // An undefined value means "not given" (the default applies), as in JSON.stringify.
          const bad = x === undefined ? undefined : walk(x, at(p, k), depth + 1);
          if (bad !== undefined) return bad;
        }
      }
    } finally {
      open.delete(v);
    }
    return undefined;
  };
  try {
    return walk(u, path, 0);
  } catch {
    // A getter or proxy that throws: the value cannot even be read.
    return `${path} cannot be read`;
  }
};

const isStringArray = (u: unknown): u is string[] =>
  Array.isArray(u) && u.every((x) => typeof x === "string");

/** A short, safe rendering of a junk field for an id like `resources[3]`. */
const label = (u: unknown): string => (typeof u === "string" ? JSON.stringify(u).slice(0, 60) : kindOf(u));

/**
 * The resource with only its known fields, or the error naming it. `index`
 * names a resource whose kind or name is not even a string.
 */
export const checkResource = (
  u: unknown,
  index: number,
): { readonly resource: Resource } | { readonly error: PlanError } => {
  if (typeof u !== "object" || u === null || Array.isArray(u))
    return invalid(`resources[${index}]`, undefined, `a resource must be an object, got ${kindOf(u)}`);
  const r = u as Record<string, unknown>;
  const origin = typeof r.origin === "string" ? r.origin : undefined;
  if (typeof r.kind !== "string" || typeof r.name !== "string")
    return invalid(
      `resources[${index}]`,
      origin,
      `kind and name must be strings, got kind ${label(r.kind)} and name ${label(r.name)}`,
    );
  const id = resourceId({ kind: r.kind, name: r.name });
  if (r.origin !== undefined && origin === undefined)
    return invalid(id, undefined, `origin must be a string, got ${kindOf(r.origin)}`);
  for (const key of ["deps", "notify"] as const)
    if (r[key] !== undefined && !isStringArray(r[key]))
      return invalid(id, origin, `${key} must be an array of resource ids (strings), got ${kindOf(r[key])}`);
  const bad = jsonProblem(r.props);
  if (bad !== undefined) return invalid(id, origin, bad);
  // Fields in this order (as a plan stores them), each only when given; no object per absent field.
  const resource: { -readonly [K in keyof Resource]: Resource[K] } = {
    kind: r.kind,
    name: r.name,
    props: r.props,
  };
  if (r.deps !== undefined) resource.deps = [...(r.deps as string[])];
  if (r.notify !== undefined) resource.notify = [...(r.notify as string[])];
  if (origin !== undefined) resource.origin = origin;
  return { resource };
};

const invalid = (id: string, origin: string | undefined, message: string): { error: PlanError } => ({
  error: { _tag: "InvalidResource", id, ...(origin !== undefined ? { origin } : {}), message },
});

/** Whether raw props ask to be kept secret (any `sensitive` but false): their values are never quoted. */
export const looksSensitive = (props: unknown): boolean =>
  typeof props === "object" &&
  props !== null &&
  "sensitive" in props &&
  (props as { sensitive?: unknown }).sensitive !== false &&
  (props as { sensitive?: unknown }).sensitive !== undefined;
