/**
 * Codec helpers shared by the kinds: props objects that fill their defaults,
 * reject unknown keys (a typo like `mdoe` must not silently fall back to the
 * default), and check rules that span several fields.
 */
import * as t from "io-ts";
import { Count, isPlain, isPredicateCodec, Mode, OwnerName, oneOf } from "../names.js";

type AnyProps = Record<string, unknown>;

const isRecord = (u: unknown): u is AnyProps => typeof u === "object" && u !== null && !Array.isArray(u);

/** Drops keys whose value is `undefined`, so an explicit `undefined` still gets the default. */
const defined = (u: AnyProps): AnyProps =>
  Object.fromEntries(Object.entries(u).filter(([, v]) => v !== undefined));

/**
 * What `{ ...defaults, ...defined(u) }` gives, without the copy `defined` makes
 * when there is nothing to drop (the usual props: no `undefined`, no symbol key).
 */
const withDefaultsOf = (defaults: AnyProps, u: AnyProps): AnyProps =>
  Object.getOwnPropertySymbols(u).length === 0 && !Object.values(u).includes(undefined)
    ? { ...defaults, ...u }
    : { ...defaults, ...defined(u) };

/**
 * Wraps a codec so that missing (or undefined) keys of an object input take
 * the given defaults before decoding; the output type is the codec's own.
 */
export const withDefaults = <A, O>(
  codec: t.Type<A, O, unknown>,
  defaults: Partial<A>,
): t.Type<A, O, unknown> =>
  new t.Type<A, O, unknown>(
    codec.name,
    codec.is,
    (u, c) => codec.validate(isRecord(u) ? withDefaultsOf(defaults as AnyProps, u) : u, c),
    codec.encode,
  );

/** Whether every string in `v` (at any depth, as impureStrings walks it) is plain. */
const allPlain = (v: unknown): boolean => {
  if (typeof v === "string") return isPlain(v);
  if (Array.isArray(v)) return v.every(allPlain);
  return isRecord(v) ? Object.values(v).every(allPlain) : true;
};

/**
 * Strings that no target can carry (a NUL, a lone surrogate), anywhere in
 * decoded props but the top-level text `content`, which travels as a blob.
 */
const impureStrings = (props: AnyProps, c: t.Context): t.ValidationError[] => {
  // Nearly all props are plain: say so without building a context per value walked.
  if (Object.keys(props).every((k) => k === "content" || allPlain(props[k]))) return [];
  const out: t.ValidationError[] = [];
  const walk = (v: unknown, ctx: t.Context): void => {
    if (typeof v === "string") {
      if (!isPlain(v)) out.push({ value: v, context: ctx, message: "expected text without NUL" });
    } else if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) walk(x, [...ctx, { key: String(i), type: t.string, actual: x }]);
    } else if (isRecord(v))
      for (const [k, x] of Object.entries(v)) walk(x, [...ctx, { key: k, type: t.string, actual: x }]);
  };
  for (const [k, v] of Object.entries(props))
    if (k !== "content") walk(v, [...c, { key: k, type: t.string, actual: v }]);
  return out;
};

/** The context of a fast decode: codecs read their context only to describe a failure, which goes the slow way. */
const NO_CONTEXT: t.Context = [];

/**
 * io-ts's t.type (`partial` false) or t.partial validation of `keys` of
 * `input` on success, without a context per key: the same object (nothing
 * changed) or a copy with the decoded values; undefined when a key fails.
 */
const validateKeys = (
  input: AnyProps,
  props: t.Props,
  keys: readonly string[],
  partial: boolean,
): AnyProps | undefined => {
  let a = input;
  for (const k of keys) {
    const ak = a[k];
    const codec = props[k]!;
    // A predicate codec gives back its input (never undefined: none accepts it), so nothing changes.
    if (isPredicateCodec(codec)) {
      if (codec.is(ak) || (partial && ak === undefined)) continue;
      return undefined;
    }
    const r = codec.validate(ak, NO_CONTEXT);
    if (r._tag === "Left") {
      if (partial && ak === undefined) continue;
      return undefined;
    }
    const vak = r.right;
    if (vak !== ak || (!partial && vak === undefined && !Object.hasOwn(a, k))) {
      if (a === input) a = Object.assign({}, input);
      a[k] = vak;
    }
  }
  return a;
};

/** io-ts's merge of an intersection's results (its `mergeAll`, for records). */
const mergeRecords = (base: AnyProps, us: readonly AnyProps[]): AnyProps => {
  if (us.every((u) => u === base)) return base;
  const r: AnyProps = {};
  for (const u of us) for (const k in u) if (!Object.hasOwn(r, k) || u[k] !== base[k]) r[k] = u[k];
  return r;
};

/**
 * A props codec that also names, at the type level only, what a caller may
 * declare: keys with defaults optional, other required keys required,
 * optional keys optional, no others (`_In`, like io-ts's own `_A`, has no
 * runtime value). Typed builders take `DeclaredProps<codec>`.
 */
export interface PropsCodec<A, In> extends t.Type<A, unknown, unknown> {
  readonly _In: In;
}

/** What a caller declares for a kind: see `PropsCodec`. */
export type DeclaredProps<C> = C extends { readonly _In: infer In } ? In : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * The codec of a kind's props: `required` keys (which may be filled by
 * `defaults`), `optional` keys, no others; `check` states a rule across
 * fields and returns its violation as a message.
 */
export const propsCodec = <
  R extends t.Props,
  P extends t.Props,
  D extends Partial<t.TypeOf<t.TypeC<R>>> = Record<never, never>,
>(
  name: string,
  required: R,
  optional: P,
  defaults: D,
  check?: (p: t.TypeOf<t.TypeC<R>> & t.TypeOf<t.PartialC<P>>) => string | undefined,
): PropsCodec<
  t.TypeOf<t.TypeC<R>> & t.TypeOf<t.PartialC<P>>,
  Simplify<
    Omit<t.TypeOf<t.TypeC<R>>, keyof D> &
      Partial<Pick<t.TypeOf<t.TypeC<R>>, keyof D & keyof R>> &
      t.TypeOf<t.PartialC<P>>
  >
> => {
  type A = t.TypeOf<t.TypeC<R>> & t.TypeOf<t.PartialC<P>>;
  const base = withDefaults(t.intersection([t.type(required), t.partial(optional)]), defaults as Partial<A>);
  const known = new Set([...Object.keys(required), ...Object.keys(optional)]);
  const [requiredKeys, optionalKeys] = [Object.keys(required), Object.keys(optional)];
  /**
   * What `base.validate(u)` gives when it succeeds, computed without io-ts's
   * per-key contexts and intersection (most of decoding's time and garbage);
   * undefined when any key fails, and then base.validate runs for the errors.
   */
  const decodeFast = (u: AnyProps): AnyProps | undefined => {
    const input = withDefaultsOf(defaults as AnyProps, u);
    const typed = validateKeys(input, required, requiredKeys, false);
    const partial = typed && validateKeys(input, optional, optionalKeys, true);
    return typed && partial && mergeRecords(input, [typed, partial]);
  };
  const codec = new t.Type<A, unknown, unknown>(
    name,
    (u): u is A => base.is(u) && (check === undefined || check(u) === undefined),
    (u, c) => {
      if (!isRecord(u)) return t.failure(u, c, `${name}: props must be an object`);
      const keys = Object.keys(u);
      const extra = keys.every((k) => known.has(k)) ? [] : keys.filter((k) => !known.has(k));
      if (extra.length > 0)
        return t.failures(
          extra.map((k) => ({
            value: u[k],
            context: [...c, { key: k, type: t.never, actual: u[k] }],
            message: `${name}: unknown prop "${k}" (known: ${[...known].join(", ")})`,
          })),
        );
      const fast = decodeFast(u);
      const r = fast === undefined ? base.validate(u, c) : t.success(fast as A);
      if (r._tag === "Left") return r;
      const bad = impureStrings(r.right, c);
      if (bad.length > 0) return t.failures(bad);
      if (check === undefined) return r;
      const problem = check(r.right);
      return problem === undefined ? r : t.failure(u, c, `${name}: ${problem}`);
    },
    base.encode,
  );
  // The declared-input type is a phantom (see PropsCodec).
  return codec as typeof codec & { readonly _In: never };
};

export { AbsPath, isAbsPath, Mode, RelPath } from "../names.js";

/** A non-negative integer id (uid, gid). */
export const Id = Count;

const hexLength = { sha256: 64, sha512: 128 } as const;

/** A checksum whose hex has the algorithm's length; upper case is accepted and lowered. */
export const ChecksumProp = new t.Type<
  { algo: "sha256" | "sha512"; hex: string },
  { algo: "sha256" | "sha512"; hex: string },
  unknown
>(
  "Checksum",
  (u): u is { algo: "sha256" | "sha512"; hex: string } =>
    isRecord(u) &&
    (u.algo === "sha256" || u.algo === "sha512") &&
    typeof u.hex === "string" &&
    new RegExp(`^[0-9a-f]{${hexLength[u.algo]}}$`).test(u.hex),
  (u, c) => {
    if (!isRecord(u) || (u.algo !== "sha256" && u.algo !== "sha512") || typeof u.hex !== "string")
      return t.failure(u, c, 'expected {algo: "sha256" | "sha512", hex}');
    const hex = u.hex.toLowerCase();
    if (!new RegExp(`^[0-9a-f]{${hexLength[u.algo]}}$`).test(hex))
      return t.failure(u, c, `expected ${hexLength[u.algo]} hex digits for ${u.algo}`);
    if (Object.keys(u).some((k) => k !== "algo" && k !== "hex"))
      return t.failure(u, c, "unknown checksum key");
    return t.success({ algo: u.algo, hex });
  },
  t.identity,
);

/** `root` is the default owner and group of every file kind. */
export const ownership = { mode: Mode, owner: OwnerName, group: OwnerName };

/** A non-empty argv. */
export const Argv = new t.Type<string[], string[], unknown>(
  "Argv",
  (u): u is string[] =>
    Array.isArray(u) && u.length > 0 && u.every((s) => typeof s === "string" && isPlain(s)),
  (u, c) =>
    Array.isArray(u) && u.length > 0 && u.every((s) => typeof s === "string" && isPlain(s))
      ? t.success(u as string[])
      : t.failure(u, c, "expected a non-empty array of strings without NUL"),
  t.identity,
);

/** Content formats a plan knows how to diff. */
export const Format = oneOf("text", "json", "yaml", "binary");
