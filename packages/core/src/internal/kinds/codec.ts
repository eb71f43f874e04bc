/**
 * Codec helpers shared by the kinds: props objects that fill their defaults,
 * reject unknown keys (a typo like `mdoe` must not silently fall back to the
 * default), and check rules that span several fields.
 */
import * as t from "io-ts";

type AnyProps = Record<string, unknown>;

const isRecord = (u: unknown): u is AnyProps => typeof u === "object" && u !== null && !Array.isArray(u);

/** Drops keys whose value is `undefined`, so an explicit `undefined` still gets the default. */
const defined = (u: AnyProps): AnyProps =>
  Object.fromEntries(Object.entries(u).filter(([, v]) => v !== undefined));

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
    (u, c) => codec.validate(isRecord(u) ? { ...defaults, ...defined(u) } : u, c),
    codec.encode,
  );

/**
 * The codec of a kind's props: `required` keys (which may be filled by
 * `defaults`), `optional` keys, no others; `check` states a rule across
 * fields and returns its violation as a message.
 */
export const propsCodec = <R extends t.Props, P extends t.Props>(
  name: string,
  required: R,
  optional: P,
  defaults: Partial<t.TypeOf<t.TypeC<R>>>,
  check?: (p: t.TypeOf<t.TypeC<R>> & t.TypeOf<t.PartialC<P>>) => string | undefined,
): t.Type<t.TypeOf<t.TypeC<R>> & t.TypeOf<t.PartialC<P>>, unknown, unknown> => {
  type A = t.TypeOf<t.TypeC<R>> & t.TypeOf<t.PartialC<P>>;
  const base = withDefaults(t.intersection([t.type(required), t.partial(optional)]), defaults as Partial<A>);
  const known = new Set([...Object.keys(required), ...Object.keys(optional)]);
  return new t.Type<A, unknown, unknown>(
    name,
    (u): u is A => base.is(u) && (check === undefined || check(u) === undefined),
    (u, c) => {
      if (!isRecord(u)) return t.failure(u, c, `${name}: props must be an object`);
      const extra = Object.keys(u).filter((k) => !known.has(k));
      if (extra.length > 0)
        return t.failures(
          extra.map((k) => ({
            value: u[k],
            context: [...c, { key: k, type: t.never, actual: u[k] }],
            message: `${name}: unknown prop "${k}" (known: ${[...known].join(", ")})`,
          })),
        );
      const r = base.validate(u, c);
      if (r._tag === "Left" || check === undefined) return r;
      const problem = check(r.right);
      return problem === undefined ? r : t.failure(u, c, `${name}: ${problem}`);
    },
    base.encode,
  );
};

/** An absolute, normalised path: starts with "/", no empty, "." or ".." segments, no trailing "/". */
export const AbsPath = new t.Type<string, string, unknown>(
  "AbsPath",
  (u): u is string => typeof u === "string" && isAbsPath(u),
  (u, c) =>
    typeof u === "string" && isAbsPath(u) ? t.success(u) : t.failure(u, c, "expected an absolute path"),
  t.identity,
);

/** Whether `s` is an absolute, normalised path. */
export const isAbsPath = (s: string): boolean =>
  s === "/" ||
  (s.startsWith("/") &&
    s
      .slice(1)
      .split("/")
      .every((seg) => seg !== "" && seg !== "." && seg !== ".."));

/** A relative path inside a directory (no leading "/", no "." or ".." segments). */
export const RelPath = new t.Type<string, string, unknown>(
  "RelPath",
  (u): u is string => typeof u === "string" && isRelPath(u),
  (u, c) =>
    typeof u === "string" && isRelPath(u) ? t.success(u) : t.failure(u, c, "expected a relative path"),
  t.identity,
);

const isRelPath = (s: string): boolean =>
  s.split("/").every((seg) => seg !== "" && seg !== "." && seg !== "..");

/** A file mode: an integer 0..0o7777 (write it as 0o644). */
export const Mode = new t.Type<number, number, unknown>(
  "Mode",
  (u): u is number => typeof u === "number" && Number.isInteger(u) && u >= 0 && u <= 0o7777,
  (u, c) =>
    typeof u === "number" && Number.isInteger(u) && u >= 0 && u <= 0o7777
      ? t.success(u)
      : t.failure(u, c, "expected a mode between 0 and 0o7777"),
  t.identity,
);

/** A non-negative integer id (uid, gid). */
export const Id = new t.Type<number, number, unknown>(
  "Id",
  (u): u is number => typeof u === "number" && Number.isInteger(u) && u >= 0,
  (u, c) =>
    typeof u === "number" && Number.isInteger(u) && u >= 0
      ? t.success(u)
      : t.failure(u, c, "expected an id ≥ 0"),
  t.identity,
);

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
export const ownership = { mode: Mode, owner: t.string, group: t.string };

/** A non-empty argv. */
export const Argv = new t.Type<string[], string[], unknown>(
  "Argv",
  (u): u is string[] => Array.isArray(u) && u.length > 0 && u.every((s) => typeof s === "string"),
  (u, c) =>
    Array.isArray(u) && u.length > 0 && u.every((s) => typeof s === "string")
      ? t.success(u as string[])
      : t.failure(u, c, "expected a non-empty array of strings"),
  t.identity,
);

/** Content formats a plan knows how to diff. */
export const Format = t.union([t.literal("text"), t.literal("json"), t.literal("yaml"), t.literal("binary")]);
