/**
 * Grammars of the names and paths that reach a host: every resource name,
 * path prop and op field is checked against one of these before it can steer
 * a write or become a command argument. Each grammar is a predicate with the
 * phrase its error uses ("expected <what>, got <value>"), and an io-ts codec.
 */
import * as t from "io-ts";

/** A grammar: what it accepts, and how an error names what was expected. */
export interface Grammar {
  /** e.g. "an absolute normalised path". */
  readonly expected: string;
  readonly test: (s: string) => boolean;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A string every target can carry: no NUL (no shell word, C string or file
 * name holds one) and no lone UTF-16 surrogate (UTF-8 cannot encode it).
 */
export const isPlain = (s: string): boolean => !s.includes("\0") && !LONE_SURROGATE.test(s);

/** Any plain string (see isPlain). */
export const plainText: Grammar = { expected: "text without NUL or lone surrogates", test: isPlain };

/** A non-empty plain string: labels of kinds whose name steers no path. */
export const label: Grammar = {
  expected: "a non-empty name without NUL",
  test: (s) => s !== "" && isPlain(s),
};

/** Linux's PATH_MAX (with its NUL) and NAME_MAX, in bytes: longer paths fail at the first syscall on the host. */
const PATH_MAX_BYTES = 4095;
const NAME_MAX_BYTES = 255;
const encoder = new TextEncoder();
/** Whether `s` is at most `limit` bytes in UTF-8, without encoding when even 3 bytes per unit stays under it. */
export const fitsBytes = (s: string, limit: number): boolean =>
  s.length * 3 <= limit || (s.length <= limit && encoder.encode(s).length <= limit);

/**
 * Whether `s` is absolute and normalised: "/" or "/seg/…" without empty, "."
 * or ".." segments, plain, and within PATH_MAX and NAME_MAX.
 */
export const isAbsPath = (s: string): boolean =>
  isPlain(s) &&
  (s === "/" ||
    (s.startsWith("/") &&
      fitsBytes(s, PATH_MAX_BYTES) &&
      s
        .slice(1)
        .split("/")
        .every((seg) => seg !== "" && seg !== "." && seg !== ".." && fitsBytes(seg, NAME_MAX_BYTES))));

/** An absolute normalised path (no `//`, no trailing `/` but the root, no `.`/`..`, no NUL, within PATH_MAX/NAME_MAX). */
export const absPath: Grammar = { expected: "an absolute normalised path", test: isAbsPath };

/** A relative path inside a directory: no leading "/", no empty, "." or ".." segments, no NUL or newline. */
export const relPath: Grammar = {
  expected: "a relative path without empty, . or .. segments",
  test: (s) =>
    isPlain(s) && !s.includes("\n") && s.split("/").every((seg) => seg !== "" && seg !== "." && seg !== ".."),
};

// systemd's unit_name_is_valid: prefix chars, one optional "@" starting an instance, a known suffix.
const UNIT_CHARS = /^[A-Za-z0-9:_.\\@-]+$/;
const UNIT_TYPES = new Set([
  "service",
  "socket",
  "target",
  "device",
  "mount",
  "automount",
  "swap",
  "timer",
  "path",
  "slice",
  "scope",
]);

/** Whether `s` is a systemd unit name (plain, template or instance), as unit_name_is_valid accepts it. */
export const isUnitName = (s: string): boolean => {
  if (s.length === 0 || s.length > 255) return false;
  const dot = s.lastIndexOf(".");
  if (dot <= 0 || !UNIT_TYPES.has(s.slice(dot + 1))) return false;
  const prefix = s.slice(0, dot);
  // "-" starts only systemd's root units (-.mount, -.slice): refused, so no unit reads as an option.
  return UNIT_CHARS.test(prefix) && !prefix.startsWith("@") && !prefix.startsWith("-");
};

/** A systemd unit name, e.g. "docker.service" or "getty@tty1.service". */
export const unitName: Grammar = { expected: "a systemd unit name (e.g. docker.service)", test: isUnitName };

const SYSCTL_SEG = /^[A-Za-z0-9_][A-Za-z0-9_:@+-]*$/;
const SYSCTL_SLASH_SEG = /^[A-Za-z0-9_][A-Za-z0-9_.:@+-]*$/;

/**
 * Whether `s` is a sysctl key: dot-separated segments (net.ipv4.ip_forward),
 * or slash-separated ones that may hold dots (net/ipv4/conf/eth0.100/rp_filter),
 * as sysctl(8) reads them; every segment starts with a letter, digit or "_".
 */
export const isSysctlKey = (s: string): boolean =>
  s.length > 0 &&
  s.length <= 255 &&
  (s.includes("/")
    ? s.split("/").every((g) => SYSCTL_SLASH_SEG.test(g))
    : s.split(".").every((g) => SYSCTL_SEG.test(g)));

/** A sysctl key. */
export const sysctlKey: Grammar = { expected: "a sysctl key (e.g. net.ipv4.ip_forward)", test: isSysctlKey };

/** A kernel module name: letters, digits, "_" and "-", not starting with "-", at most 55 (MODULE_NAME_LEN - 1 - 8). */
export const kmodName: Grammar = {
  expected: "a kernel module name (letters, digits, _ and -)",
  test: (s) => /^[A-Za-z0-9_][A-Za-z0-9_-]{0,54}$/.test(s),
};

/** A user or group name by shadow's default rule: [a-z_][a-z0-9_-]*[$]?, at most 32. */
export const accountName: Grammar = {
  expected: "a user or group name ([a-z_][a-z0-9_-]*, at most 32)",
  test: (s) => s.length <= 32 && /^[a-z_][a-z0-9_-]*\$?$/.test(s),
};

/** An owner or group of a file: an account name or a numeric id. */
export const ownerName: Grammar = {
  expected: "a user or group name or a numeric id",
  test: (s) => accountName.test(s) || /^(0|[1-9][0-9]{0,9})$/.test(s),
};

/** A package name as Debian and RPM spell them (an arch qualifier like ":amd64" allowed). */
export const packageName: Grammar = {
  expected: "a package name (letters, digits, and + . _ - : ~, starting with a letter or digit)",
  test: (s) => s.length <= 255 && /^[A-Za-z0-9][A-Za-z0-9+._:~-]*$/.test(s),
};

/** An http(s) or ftp URL without whitespace or control characters: what curl and wget fetch. */
export const downloadUrl: Grammar = {
  expected: "an http, https or ftp URL",
  test: (s) => {
    // Whitespace and control characters (codes below 0x20, and 0x7f) never belong in a URL.
    if (!isPlain(s) || /\s/.test(s) || [...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch === "\u007f"))
      return false;
    try {
      return ["http:", "https:", "ftp:"].includes(new URL(s).protocol);
    } catch {
      return false;
    }
  },
};

/** A value as an error message shows it: JSON, cut to 80 characters. */
export const shown = (u: unknown): string => {
  let s: string;
  try {
    s = typeof u === "bigint" ? `${u}n` : (JSON.stringify(u) ?? String(typeof u));
  } catch {
    s = `a ${typeof u}`;
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

/** The problem of `s` under `g` ("expected …, got …"), or undefined when it fits. */
export const problem = (g: Grammar, s: unknown): string | undefined =>
  typeof s === "string" && g.test(s) ? undefined : `expected ${g.expected}, got ${shown(s)}`;

/** Codecs made here whose validate is `is(u) ? success(u) : failure`: see isPredicateCodec. */
const predicates = new WeakSet<t.Mixed>();
const predicate = <C extends t.Mixed>(c: C): C => {
  predicates.add(c);
  return c;
};

/**
 * Whether `c` validates by its `is` alone, giving back its input unchanged:
 * `validate(u)` succeeds with `u` exactly when `is(u)` (io-ts's string,
 * number and boolean, and the grammar, mode and count codecs made here), so a
 * caller may test `is(u)` and skip building the result.
 */
export const isPredicateCodec = (c: t.Mixed): boolean =>
  c === t.string || c === t.number || c === t.boolean || predicates.has(c);

/**
 * One of the given strings: `t.union` of `t.literal`s (same checks and
 * messages), known to isPredicateCodec (a literal validates to itself).
 */
export const oneOf = <V extends string>(...values: [V, V, ...V[]]): t.Type<V, V, unknown> =>
  predicate(
    t.union(values.map((v) => t.literal(v)) as unknown as [t.Mixed, t.Mixed, ...t.Mixed[]]),
  ) as t.Type<V, V, unknown>;

/** The io-ts codec of a grammar; its failure message is "expected …" (reporters add the value). */
export const grammarCodec = (name: string, g: Grammar): t.Type<string, string, unknown> =>
  predicate(
    new t.Type<string, string, unknown>(
      name,
      (u): u is string => typeof u === "string" && g.test(u),
      (u, c) =>
        typeof u === "string" && g.test(u) ? t.success(u) : t.failure(u, c, `expected ${g.expected}`),
      t.identity,
    ),
  );

export const PlainText = grammarCodec("PlainText", plainText);
export const Label = grammarCodec("Label", label);
export const AbsPath = grammarCodec("AbsPath", absPath);
export const RelPath = grammarCodec("RelPath", relPath);
export const UnitName = grammarCodec("UnitName", unitName);
export const SysctlKey = grammarCodec("SysctlKey", sysctlKey);
export const KmodName = grammarCodec("KmodName", kmodName);
export const AccountName = grammarCodec("AccountName", accountName);
export const OwnerName = grammarCodec("OwnerName", ownerName);
export const PackageName = grammarCodec("PackageName", packageName);
export const DownloadUrl = grammarCodec("DownloadUrl", downloadUrl);

const isMode = (u: unknown): u is number =>
  typeof u === "number" && Number.isInteger(u) && u >= 0 && u <= 0o7777;

/** A file mode: an integer 0..0o7777 (write it as 0o644). */
export const Mode = predicate(
  new t.Type<number, number, unknown>(
    "Mode",
    isMode,
    (u, c) => (isMode(u) ? t.success(u) : t.failure(u, c, "expected a file mode 0..0o7777")),
    t.identity,
  ),
);

const isCount = (u: unknown): u is number => typeof u === "number" && Number.isInteger(u) && u >= 0;

/** A non-negative integer (uid, gid, strip count). */
export const Count = predicate(
  new t.Type<number, number, unknown>(
    "Count",
    isCount,
    (u, c) => (isCount(u) ? t.success(u) : t.failure(u, c, "expected an integer ≥ 0")),
    t.identity,
  ),
);

/**
 * Where a value sits, from an io-ts context: keys joined with ".", array
 * indices as "[i]", union and intersection member indices left out.
 */
export const pathOf = (context: t.Context): string => {
  let out = "";
  for (const [i, c] of context.entries()) {
    const parent = context[i - 1]?.type;
    if (c.key === "" || parent instanceof t.UnionType || parent instanceof t.IntersectionType) continue;
    const keyed =
      parent instanceof t.InterfaceType ||
      parent instanceof t.PartialType ||
      parent instanceof t.DictionaryType;
    const indexed = /^\d+$/.test(c.key) && !keyed;
    // A wrapper (withDefaults) around an intersection: its numeric keys are members, not indices.
    const member =
      indexed &&
      !(parent instanceof t.ArrayType || parent instanceof t.ReadonlyArrayType) &&
      (c.type instanceof t.InterfaceType || c.type instanceof t.PartialType);
    if (member) continue;
    out += indexed ? `[${c.key}]` : out === "" ? c.key : `.${c.key}`;
  }
  return out;
};
