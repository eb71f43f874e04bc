/**
 * Probes: the closed set of questions tend asks a host, as data. A Target
 * (ShellTarget or SimHost) answers a batch of probes in one round trip; every
 * answer is decoded with the codec below before the engine sees it.
 */
import * as t from "io-ts";

/** Where tend keeps its own records on a host (pending restarts, archive manifests). */
export const STATE_DIR = "/var/lib/tend";
/**
 * Write-ahead intents: restarts and a daemon-reload that are due on the host,
 * one per line, `restart <unit> <utc time> <action id>` or `daemon-reload
 * <utc time> <action id>` (the action that was about to run when they became
 * due). A line holding only a unit name (the record of earlier versions) is a
 * restart of that unit.
 */
export const PENDING_RESTARTS_PATH = `${STATE_DIR}/pending-restarts`;
/** File contents larger than this are hashed but not returned (text diffs only below it). */
export const CONTENT_LIMIT = 65_536;

export const PackageManager = t.union([t.literal("apt"), t.literal("dnf")]);
export type PackageManager = t.TypeOf<typeof PackageManager>;

/** Codec of every probe; plan files carry the probes that recheck staleness. */
export const Probe = t.union([
  /** stat of a path; `hash` adds that digest (hex) of a regular file, `content` its bytes (≤ CONTENT_LIMIT). */
  t.intersection([
    t.type({ type: t.literal("file"), path: t.string }),
    t.partial({ hash: t.union([t.literal("sha256"), t.literal("sha512")]), content: t.boolean }),
  ]),
  t.type({ type: t.literal("unit"), name: t.string }),
  t.type({ type: t.literal("sysctl"), key: t.string }),
  t.type({ type: t.literal("kmod"), name: t.string }),
  t.type({ type: t.literal("user"), name: t.string }),
  t.type({ type: t.literal("group"), name: t.string }),
  t.type({ type: t.literal("package"), name: t.string, manager: PackageManager }),
  t.type({ type: t.literal("swap") }),
  /** An archive manifest written by the `extract` op, each member re-hashed on the host. */
  t.type({ type: t.literal("manifest"), path: t.string }),
  /** Runs argv; reports its exit code and stdout. For guards of `command` and reads of `etcdKey`. */
  t.type({ type: t.literal("check"), argv: t.array(t.string) }),
]);
export type Probe = t.TypeOf<typeof Probe>;

export const FileFact = t.union([
  t.type({ type: t.literal("absent") }),
  t.intersection([
    t.type({
      type: t.literal("file"),
      mode: t.number,
      owner: t.string,
      group: t.string,
      size: t.number,
    }),
    t.partial({ hash: t.string, contentBase64: t.string }),
  ]),
  t.type({ type: t.literal("dir"), mode: t.number, owner: t.string, group: t.string }),
  t.type({ type: t.literal("link"), target: t.string }),
  t.type({ type: t.literal("other") }),
]);
export type FileFact = t.TypeOf<typeof FileFact>;

/** `load` as systemctl shows LoadState ("loaded", "not-found", "masked"); `enabled` is is-enabled's word or "". */
export const UnitFact = t.type({ load: t.string, active: t.string, enabled: t.string });
export type UnitFact = t.TypeOf<typeof UnitFact>;

export const SysctlFact = t.type({ value: t.union([t.string, t.null]) });
export type SysctlFact = t.TypeOf<typeof SysctlFact>;

/** `builtin`: compiled into the kernel (modules.builtin, /sys/module without /proc/modules entry, or /proc/filesystems). */
export const KmodFact = t.intersection([
  t.type({ loaded: t.boolean, builtin: t.boolean, persisted: t.boolean }),
  /** Whether modprobe could load it: present under /lib/modules/$(uname -r). Absent: not known. */
  t.partial({ available: t.boolean }),
]);
export type KmodFact = t.TypeOf<typeof KmodFact>;

export const UserFact = t.union([
  t.type({ exists: t.literal(false) }),
  t.type({
    exists: t.literal(true),
    uid: t.number,
    gid: t.number,
    home: t.string,
    shell: t.string,
    groups: t.array(t.string),
  }),
]);
export type UserFact = t.TypeOf<typeof UserFact>;

export const GroupFact = t.union([
  t.type({ exists: t.literal(false) }),
  t.type({ exists: t.literal(true), gid: t.number, members: t.array(t.string) }),
]);
export type GroupFact = t.TypeOf<typeof GroupFact>;

export const PackageFact = t.type({ version: t.union([t.string, t.null]) });
export type PackageFact = t.TypeOf<typeof PackageFact>;

/** Active swap devices from /proc/swaps. */
export const SwapFact = t.type({ active: t.array(t.string) });
export type SwapFact = t.TypeOf<typeof SwapFact>;

/** `source` is the archive checksum recorded at extraction; `ok` is false for a missing or altered member. */
export const ManifestFact = t.union([
  t.type({ exists: t.literal(false) }),
  t.type({
    exists: t.literal(true),
    source: t.string,
    members: t.array(t.type({ path: t.string, sha256: t.string, ok: t.boolean })),
  }),
]);
export type ManifestFact = t.TypeOf<typeof ManifestFact>;

/** `stdout` is the command's standard output (utf-8, at most CONTENT_LIMIT bytes). */
export const CheckFact = t.type({ exitCode: t.number, stdout: t.string });
export type CheckFact = t.TypeOf<typeof CheckFact>;

/** The fact type that answers each probe type. */
export interface FactOf {
  file: FileFact;
  unit: UnitFact;
  sysctl: SysctlFact;
  kmod: KmodFact;
  user: UserFact;
  group: GroupFact;
  package: PackageFact;
  swap: SwapFact;
  manifest: ManifestFact;
  check: CheckFact;
}
export type ProbeResult = FactOf[keyof FactOf];

/** Codec per probe type: targets decode every answer through these. */
export const factCodecs: { readonly [K in Probe["type"]]: t.Type<FactOf[K], unknown, unknown> } = {
  file: FileFact,
  unit: UnitFact,
  sysctl: SysctlFact,
  kmod: KmodFact,
  user: UserFact,
  group: GroupFact,
  package: PackageFact,
  swap: SwapFact,
  manifest: ManifestFact,
  check: CheckFact,
};

/** JSON of probe keys (a handful of names: "type", "path", …), kept once made; bounded. */
const quotedKeys = new Map<string, string>();
const quoted = (k: string): string => {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    q = JSON.stringify(k);
    if (quotedKeys.size < 64) quotedKeys.set(k, q);
  }
  return q;
};

/** JSON of a flat field (null, string, boolean, number, array of strings), else undefined. */
const flatJson = (v: unknown): string | undefined => {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v === null || typeof v === "number") return JSON.stringify(v);
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return JSON.stringify(v);
  return undefined;
};

/**
 * Stable key of a probe, used to deduplicate probes across resources: its JSON
 * with keys sorted (`JSON.stringify(p, sortedKeys)`). Probes of flat fields
 * (strings, numbers, booleans, string arrays: all of today's) are written field
 * by field, which a plan does for every probe of every host, without the
 * replacer path's garbage; anything else takes the replacer path.
 */
export const probeKey = (p: Probe): string => {
  const keys = Object.keys(p);
  // Insertion sort: a probe has a handful of keys, and Array#sort allocates.
  for (let i = 1; i < keys.length; i++)
    for (let j = i; j > 0 && keys[j - 1]! > keys[j]!; j--) {
      const k = keys[j]!;
      keys[j] = keys[j - 1]!;
      keys[j - 1] = k;
    }
  let out = "";
  for (const k of keys) {
    const v = (p as unknown as Record<string, unknown>)[k];
    if (v === undefined) continue;
    const json = flatJson(v);
    if (json === undefined) return JSON.stringify(p, keys);
    out = out === "" ? `${quoted(k)}:${json}` : `${out},${quoted(k)}:${json}`;
  }
  return `{${out}}`;
};
