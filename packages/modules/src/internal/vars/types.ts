/**
 * Leaf types of the variables codec, each with its own grammar and range:
 * ports, CIDRs, versions, digests, durations, Ansible booleans, paths and
 * the names that become file names, unit arguments or resource names.
 * Names are in words ("a TCP port (1-65535)") because they end up in error
 * messages for people editing group_vars; a failure says what is wrong with
 * the value ("63 hex digits"), never just that it is wrong.
 */
import * as t from "io-ts";
import { HOME_MARKER } from "./deferred.js";

/** A decoded value, or why the input is not one (undefined: only the type name is said). */
type Checked<A> = { readonly ok: A } | { readonly why?: string };
const refused: Checked<never> = {};

/** An io-ts leaf from a check; `why` becomes the error's message. */
export const checked = <A>(name: string, check: (u: unknown) => Checked<A>): t.Type<A, A, unknown> =>
  new t.Type<A, A, unknown>(
    name,
    (u): u is A => "ok" in check(u),
    (u, c) => {
      const r = check(u);
      return "ok" in r ? t.success(r.ok) : t.failure(u, c, r.why);
    },
    t.identity,
  );

/**
 * `codec`, answering at once for an object (or a string or number) it already decoded. A fleet's
 * hosts resolve to the very same objects for the variables they share (see
 * resolve.ts), and decoding one (a settings map, a document) walks all of
 * it: once per object is enough. Decoding is pure and variables are data
 * nobody changes, so a success stays right; a failure is never kept (its
 * errors name where it was found). Same name, so messages are unchanged.
 */
export const decodedOnce = <A, O>(codec: t.Type<A, O, unknown>): t.Type<A, O, unknown> => {
  const done = new WeakMap<object, A>();
  // Strings and numbers (paths, versions, ports) too, in a table bounded for a long-lived process.
  const scalars = new Map<unknown, A>();
  return new t.Type<A, O, unknown>(
    codec.name,
    codec.is,
    (u, c) => {
      // -0 is left out: a Map holds it as 0, and the two may decode differently.
      const scalar = typeof u === "string" || (typeof u === "number" && !Object.is(u, -0));
      if (scalar ? scalars.has(u) : u !== null && typeof u === "object" && done.has(u))
        return t.success((scalar ? scalars.get(u) : done.get(u as object)) as A);
      const r = codec.validate(u, c);
      if (r._tag === "Right") {
        if (scalar) {
          if (scalars.size >= 256) scalars.clear();
          scalars.set(u, r.right);
        } else if (u !== null && typeof u === "object") done.set(u, r.right);
      }
      return r;
    },
    codec.encode,
  );
};

/** Each of `props` decoded once per object (see decodedOnce); for the variables' `t.type`. */
export const decodedOncePerObject = <P extends t.Props>(props: P): P =>
  Object.fromEntries(Object.entries(props).map(([k, c]) => [k, decodedOnce(c)])) as P;

/** A leaf whose check only accepts or refuses. */
export const leaf = <A>(name: string, decode: (u: unknown) => A | undefined): t.Type<A, A, unknown> =>
  checked<A>(name, (u): Checked<A> => {
    const a = decode(u);
    return a === undefined ? refused : { ok: a };
  });

/** An integer from a number or a string of digits (Ansible users often quote numbers). */
const integer = (u: unknown): number | undefined =>
  typeof u === "number" && Number.isInteger(u)
    ? u
    : typeof u === "string" && /^-?\d{1,16}$/.test(u.trim())
      ? Number(u.trim())
      : undefined;

/** An integer in [min, max]. */
export const intIn = (name: string, min: number, max: number): t.Type<number, number, unknown> =>
  checked<number>(name, (u) => {
    const n = integer(u);
    if (n === undefined) return {};
    return n >= min && n <= max ? { ok: n } : { why: `${n} is out of range ${min}-${max}` };
  });

/** A TCP or UDP port. */
export const Port = intIn("a TCP port (1-65535)", 1, 65535);
/** A user or group id (4294967295 is "no id" to the kernel). */
export const Id = intIn("a user or group id (0-4294967294)", 0, 4294967294);

const octet = (s: string): boolean => /^(0|[1-9]\d{0,2})$/.test(s) && Number(s) <= 255;

/** An IPv4 network in CIDR notation. */
export const Cidr = checked<string>("an IPv4 CIDR (a.b.c.d/n)", (u) => {
  if (typeof u !== "string") return {};
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(u.trim());
  if (!m) return {};
  if (!m.slice(1, 5).every((o) => octet(o ?? ""))) return { why: "an address octet is not 0-255" };
  const bits = Number(m[5]);
  if (!/^\d{1,2}$/.test(m[5] ?? "") || bits > 32) return { why: `prefix length ${m[5]} is not 0-32` };
  return { ok: u.trim() };
});

const VERSION_RE = /^v?\d+(\.\d+){0,3}([-+~][0-9A-Za-z]+([.-][0-9A-Za-z]+)*)?$/;
/** A release version as it appears in download URLs and file names: 1.17.4, v0.10.0, 19.03.1-ce. */
export const Version = leaf<string>("a version (digits and dots, e.g. 1.17.4 or v0.10.0)", (u) => {
  const s = typeof u === "number" ? String(u) : u;
  return typeof s === "string" && VERSION_RE.test(s.trim()) ? s.trim() : undefined;
});

/** A hex digest of `bytes` bytes, lower-cased; the message says whether length or digits are wrong. */
export const hexDigest = (bytes: number, algo: string): t.Type<string, string, unknown> =>
  checked<string>(`a ${algo} digest (${bytes * 2} hex digits)`, (u) => {
    if (typeof u !== "string") return {};
    const s = u.trim();
    const bad = /[^0-9a-fA-F]/.exec(s);
    if (bad) return { why: `${JSON.stringify(bad[0])} at position ${bad.index + 1} is not a hex digit` };
    if (s.length !== bytes * 2) return { why: `${s.length} hex digits, not ${bytes * 2}` };
    return { ok: s.toLowerCase() };
  });

const SPAN_UNIT =
  "(us|usec|ms|msec|s|sec|second|seconds|m|min|minute|minutes|h|hr|hour|hours|d|day|days|w|week|weeks)";
const SPAN_RE = new RegExp(`^(\\d+(\\.\\d+)?\\s*${SPAN_UNIT}?\\s*)+$`);
/** A systemd time span: 5, 500ms, 1min 30s, infinity. */
export const Duration = leaf<string>("a duration (5, 500ms, 1min 30s)", (u) => {
  const s = typeof u === "number" && u >= 0 ? String(u) : u;
  return typeof s === "string" && (SPAN_RE.test(s.trim()) || s.trim() === "infinity") ? s.trim() : undefined;
});

const UNIT_MS: Readonly<Record<string, number>> = {
  "": 1000,
  us: 0.001,
  usec: 0.001,
  ms: 1,
  msec: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};
// Longest unit first, so "5min" is 5 minutes by its whole unit, not by "m" and a stray "in".
const SPAN_PART = new RegExp(
  `(\\d+(?:\\.\\d+)?)\\s*(${Object.keys(UNIT_MS)
    .filter((u) => u !== "")
    .sort((a, b) => b.length - a.length)
    .join("|")})?`,
  "g",
);

/**
 * Milliseconds of a finite systemd time span (the Duration grammar: a bare
 * number is seconds), rounded to whole ms; undefined for anything else.
 */
export const spanMs = (u: unknown): number | undefined => {
  const s = typeof u === "number" && Number.isFinite(u) && u >= 0 ? String(u) : u;
  if (typeof s !== "string" || !SPAN_RE.test(s.trim())) return undefined;
  let ms = 0;
  for (const m of s.trim().matchAll(SPAN_PART)) ms += Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? Number.NaN);
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
};

/** A Go duration, as kubelet and kube-proxy flags take it: 2m, 1h30m, 500ms. */
export const GoDuration = leaf<string>("a Go duration (2m, 1h30m, 500ms)", (u) =>
  typeof u === "string" && /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(u.trim()) ? u.trim() : undefined,
);

/** A resource limit for systemd's Limit*=: a count, soft:hard, or infinity. */
export const Limit = leaf<string>("a limit (a count, soft:hard, or infinity)", (u) => {
  const s = typeof u === "number" && Number.isInteger(u) && u >= 0 ? String(u) : u;
  return typeof s === "string" && /^(\d+|infinity)(:(\d+|infinity))?$/.test(s.trim()) ? s.trim() : undefined;
});

const TRUE = ["true", "yes", "on", "1", "y", "t"];
const FALSE = ["false", "no", "off", "0", "n", "f"];

/**
 * Ansible's boolean (its `bool` filter and boolean options): true, yes, on,
 * 1, y, t and false, no, off, 0, n, f, in any case, a YAML boolean, or the
 * number 1 or 0; undefined for anything else. The one reading of a boolean
 * variable, for the modules and the CLI's connection variables alike.
 */
export const ansibleBool = (u: unknown): boolean | undefined => {
  if (typeof u === "boolean") return u;
  const s = typeof u === "number" ? String(u) : typeof u === "string" ? u.trim().toLowerCase() : undefined;
  return s === undefined ? undefined : TRUE.includes(s) ? true : FALSE.includes(s) ? false : undefined;
};

/** Ansible's spellings of a boolean (see ansibleBool); the daemons get `true`/`false`. */
export const AnsibleBool = leaf<string>("a boolean (true/false, yes/no, on/off, 1/0)", (u) => {
  const b = ansibleBool(u);
  return b === undefined ? undefined : String(b);
});

/** Why `path` is not a clean absolute path, or undefined. */
const pathProblem = (path: string): string | undefined => {
  if (path.includes("\0")) return "it contains a NUL byte";
  if (/[\n\r]/.test(path)) return "it contains a line break";
  if (path.split("/").some((seg) => seg === "..")) return "it contains a .. segment";
  return undefined;
};

/**
 * An absolute path (or one under the controller's home, from `'~/…' |
 * expanduser`), normalised: repeated slashes and `.` segments go, a `..`
 * segment or a NUL byte is refused (it would move a write elsewhere).
 */
export const AbsPath = checked<string>("an absolute path", (u) => {
  if (typeof u !== "string") return {};
  const rest = u.startsWith("/") ? u : u.startsWith(HOME_MARKER) ? u.slice(HOME_MARKER.length) : undefined;
  if (rest === undefined)
    return u === "" ? {} : { why: "it is relative; start it with / (or '~/' | expanduser)" };
  const why = pathProblem(rest);
  if (why) return { why };
  const clean = `/${rest
    .split("/")
    .filter((seg) => seg !== "" && seg !== ".")
    .join("/")}`;
  return { ok: u.startsWith("/") ? clean : HOME_MARKER + (clean === "/" ? "" : clean) };
});

/** A single path component: what gets joined to a directory. */
export const FileName = checked<string>("a file name (no /, not . or ..)", (u) => {
  const s = typeof u === "number" ? String(u) : u;
  if (typeof s !== "string" || s === "" || s === "." || s === "..") return {};
  if (s.includes("/")) return { why: "it contains /" };
  if ([...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f))
    return { why: "it contains a control character (NUL, line break, ...)" };
  return { ok: s };
});

/** A Linux user or group name, as useradd accepts it by default. */
export const AccountName = leaf<string>(
  "a user or group name (a-z, 0-9, _ and -, starting with a letter or _, at most 32)",
  (u) => (typeof u === "string" && /^[a-z_][a-z0-9_-]{0,31}$/.test(u) ? u : undefined),
);

/** A network interface name: at most 15 characters, no /, whitespace or : (the kernel's rules). */
export const InterfaceName = leaf<string>("an interface name (at most 15 of A-Z a-z 0-9 _ . -)", (u) =>
  typeof u === "string" && /^[A-Za-z0-9_.-]{1,15}$/.test(u) && u !== "." && u !== ".." ? u : undefined,
);

/** A kernel module name, as modprobe takes it. */
export const KernelModule = leaf<string>("a kernel module name (A-Z a-z 0-9 _ -)", (u) =>
  typeof u === "string" && /^[A-Za-z0-9_-]{1,55}$/.test(u) ? u : undefined,
);

/** A lower-case word such as flannel's backend type (vxlan, host-gw). */
export const Word = leaf<string>("a lower-case word (a-z, 0-9, -)", (u) =>
  typeof u === "string" && /^[a-z][a-z0-9-]*$/.test(u) ? u : undefined,
);
