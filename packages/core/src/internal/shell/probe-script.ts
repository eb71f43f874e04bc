/**
 * Probe scripts: a prelude of sh functions, one per probe type, and one short
 * call per probe, each wrapped in a frame. A whole batch is one exec; only a
 * batch larger than MAX_SCRIPT_BYTES is split across several. The functions
 * and batching of each probe family live in probes/; this file assembles them.
 */
import { CONTENT_LIMIT, type Probe } from "../probe.js";
import { sh } from "./frame.js";
import { batchByBytes, type ScriptCall } from "./probes/batch.js";
import { BULK_FUNCTIONS, type BulkCall, bulkCalls, bulkFamily } from "./probes/bulk.js";
import { FILE_FUNCTIONS, type FileCall, type FileGroup, fileCalls, groupFileProbes } from "./probes/files.js";
import { HASH_CACHE_FUNCTIONS } from "./probes/hash-cache.js";
import { KMOD_FUNCTIONS, kmodName, SYSTEM_FUNCTIONS, sysctlPath } from "./probes/system.js";
import { isBatchedUnit, UNIT_FUNCTIONS, type UnitCall, unitCalls } from "./probes/units.js";
import { shellArgv, shellQuote, UnquotableError } from "./quote.js";

// Re-exported so op scripts, the target and tests keep one import for what
// probes and ops must agree on.
export type { ScriptCall } from "./probes/batch.js";
export { KMOD_FUNCTIONS, kmodName, sysctlPath } from "./probes/system.js";

/**
 * Scripts travel as one `sh -c` argument, and Linux caps a single argument at
 * 128 KiB (MAX_ARG_STRLEN); staying under 96 KiB leaves room for transports
 * that wrap the script (sudo, `sh -c` quoting).
 */
export const MAX_SCRIPT_BYTES = 96 * 1024;

/** Wraps one call's output in `<B> begin i` … `<B> end i`; every family's calls go through it. */
const FRAME_FUNCTION = sh`
tend_frame() { printf '%s begin %s\n' "$B" "$1"; tend_i=$1; shift; "$@"; printf '\n%s end %s\n' "$B" "$tend_i"; }
# 'denied <user> <base64 path>': the host refused this user the path (see DeniedAnswer).
tend_denied() { printf 'denied %s ' "$(id -un 2>/dev/null || id -u)"; printf '%s' "$1" | base64 -w0; echo; }`;

/**
 * The probe functions. Each prints `key value` lines; values that may hold
 * newlines or arbitrary bytes are base64 (`base64 -w0`). Stderr of the tools
 * is dropped: an unreadable or missing thing is reported as a fact, not noise.
 * KMOD_FUNCTIONS comes first because the kmod probe calls it.
 */
export const PROBE_PRELUDE = `${KMOD_FUNCTIONS}${FRAME_FUNCTION}${HASH_CACHE_FUNCTIONS}${FILE_FUNCTIONS}${UNIT_FUNCTIONS}${SYSTEM_FUNCTIONS}${BULK_FUNCTIONS}\n`;

/**
 * Prepares the variables the prelude uses: the boundary `B`, a private temp
 * dir `T` for command output (removed on exit), and the content limit. `T`
 * is `<runDir>/tmp/probe.<pid>`, never in /tmp: a killed exec cannot run its
 * trap, and the next exec removes dirs whose pid is gone (see lock.ts). A
 * user other than root that may not create `<runDir>` uses
 * `$HOME/.cache/tend/run` instead (a plan without become).
 */
export const probeHeader = (boundary: string, runDir: string): string =>
  [
    `B=${shellQuote(boundary)}`,
    `tend_limit=${shellQuote(String(CONTENT_LIMIT))}`,
    `tend_run=${shellQuote(runDir)}`,
    // A login user without become may not make the run dir: its own home serves a plan's temp files
    // (reaped there the same way), so what it may read is still answered.
    `tend_want=$tend_run/tmp`,
    // A run dir that is already there and writable costs no process (the usual plan).
    `tend_tmp=1; { [ -d "$tend_run/tmp" ] || mkdir -p -- "$tend_run/tmp" 2>/dev/null; } && [ -w "$tend_run/tmp" ] || { tend_tmp=; [ "$(id -u 2>/dev/null)" != 0 ] && [ -d "\${HOME:-/nonexistent}" ] && tend_run=$HOME/.cache/tend/run; }`,
    // Else a user other than root that may not make the temp dir says so (see DeniedAnswer), rather than answering nothing.
    // A dir of this pid left by a killed exec is removed first (only then is rm run).
    `{ { [ -n "$tend_tmp" ] || mkdir -p -- "$tend_run/tmp"; } && T=$tend_run/tmp/probe.$$ && { { [ ! -e "$T" ] && [ ! -L "$T" ]; } || rm -rf -- "$T"; } && mkdir -- "$T"; } ||`,
    `{ tend_u=$(id -u 2>/dev/null) && [ "$tend_u" != 0 ] && printf '%s %s\n' "$B" "$(tend_denied "$tend_want")"; exit 1; }`,
    `trap 'rm -rf -- "$T"' EXIT`,
    `trap 'exit 1' HUP INT TERM`,
  ].join("\n");

/**
 * The call that answers one probe (without its frame). Throws
 * UnquotableError for a value no shell word can carry.
 */
export const probeCall = (p: Probe): string => {
  switch (p.type) {
    case "file":
      return shellArgv(["tend_file", p.path, p.hash ?? "", p.content ? "1" : "0", String(CONTENT_LIMIT + 1)]);
    case "unit":
      return shellArgv(["tend_unit", p.name]);
    case "sysctl": {
      const path = sysctlPath(p.key);
      return path === undefined ? "echo missing" : shellArgv(["tend_sysctl", path]);
    }
    case "kmod":
      return shellArgv(["tend_kmod", kmodName(p.name)]);
    case "user":
      return shellArgv(["tend_user", p.name]);
    case "group":
      return shellArgv(["tend_group", p.name]);
    case "package":
      return shellArgv([p.manager === "apt" ? "tend_pkg_apt" : "tend_pkg_dnf", p.name]);
    case "swap":
      return "tend_swap";
    case "manifest":
      return shellArgv(["tend_manifest", p.path]);
    case "check":
      return shellArgv(["tend_check", ...p.argv]);
  }
};

/** One framed call: `tend_frame <index> <call>`. */
export const framedCall = (index: number, call: string): string => `tend_frame ${index} ${call}`;

/** A probe holding a value no shell word can carry (see UnquotableError). */
export class UnquotableProbe extends Error {
  override readonly name = "UnquotableProbe";
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}

/** The calls of one probe batch, and which frame answers each probe. */
export interface CompiledProbes {
  readonly calls: readonly ScriptCall[];
  /** `frameOf[i]` is the frame whose body answers `probes[i]`. */
  readonly frameOf: readonly number[];
}

/**
 * Compiles a batch: one call per distinct question. File probes of one path
 * share a call when their digests agree (or only one asks for a digest): the
 * call stats and hashes once, with content if any of them wants it, and each
 * probe's parser reads only what it asked for. Units answerable by one
 * `systemctl show` share a `tend_units` call (placed where the first of them
 * was); so do apt packages with plain names (one `dpkg-query`, see
 * isBatchedPackage) and manifests (one `sha256sum` for all their members).
 * Identical calls of other types are made once. Throws UnquotableProbe for a
 * value no shell word can carry.
 */
export const compileProbes = (probes: readonly Probe[]): CompiledProbes => {
  const frameOf: number[] = [];
  const groupOf = groupFileProbes(probes);
  const slots: (ScriptCall | "units" | "files" | "pkgs" | "manifests")[] = [];
  const files: FileCall[] = [];
  const units: UnitCall[] = [];
  const unitFrame = new Map<string, number>();
  const bulk = { pkgs: [] as BulkCall[], manifests: [] as BulkCall[] };
  const bulkFrame = { pkgs: new Map<string, number>(), manifests: new Map<string, number>() };
  const callFrame = new Map<string, number>();
  const at = <A>(index: number, f: () => A): A => {
    try {
      return f();
    } catch (e) {
      if (e instanceof UnquotableError) throw new UnquotableProbe(index, e.message);
      throw e;
    }
  };
  for (const [i, p] of probes.entries()) {
    if (p.type === "file") {
      // groupFileProbes gave every file probe a group.
      const g = groupOf.get(i) as FileGroup;
      frameOf.push(g.rep);
      if (g.rep === i) {
        // Checked here so the error names this probe; the batch call quotes it again.
        at(i, () => shellQuote(p.path));
        if (files.length === 0) slots.push("files");
        files.push({ index: i, path: p.path, hash: g.hash, content: g.content });
      }
      continue;
    }
    if (p.type === "unit" && isBatchedUnit(p.name)) {
      const seen = unitFrame.get(p.name);
      if (seen !== undefined) {
        frameOf.push(seen);
        continue;
      }
      if (units.length === 0) slots.push("units");
      units.push({ index: i, name: p.name });
      unitFrame.set(p.name, i);
      frameOf.push(i);
      continue;
    }
    const family = bulkFamily(p);
    if (family !== undefined) {
      const seen = bulkFrame[family.kind].get(family.word);
      if (seen !== undefined) {
        frameOf.push(seen);
        continue;
      }
      // Checked here so the error names this probe; the batch call quotes it again.
      at(i, () => shellQuote(family.word));
      if (bulk[family.kind].length === 0) slots.push(family.kind);
      bulk[family.kind].push({ index: i, word: family.word });
      bulkFrame[family.kind].set(family.word, i);
      frameOf.push(i);
      continue;
    }
    const call = at(i, () => probeCall(p));
    const seen = callFrame.get(call);
    if (seen !== undefined) {
      frameOf.push(seen);
      continue;
    }
    callFrame.set(call, i);
    frameOf.push(i);
    slots.push({ text: framedCall(i, call), frames: [i] });
  }
  const calls = slots.flatMap((s) => {
    switch (s) {
      case "units":
        return unitCalls(units);
      case "files":
        return fileCalls(files);
      case "pkgs":
        return bulkCalls("tend_pkgs_apt", bulk.pkgs);
      case "manifests":
        return bulkCalls("tend_manifests", bulk.manifests);
      default:
        return [s];
    }
  });
  return { calls, frameOf };
};

/**
 * Groups framed calls into scripts of at most MAX_SCRIPT_BYTES (a single
 * oversized call still gets a script of its own).
 */
export const chunkCalls = (calls: readonly string[], fixedBytes: number): string[][] =>
  batchByBytes(calls, (c) => Buffer.byteLength(c) + 1, MAX_SCRIPT_BYTES, fixedBytes);
