/**
 * The host side of "one apply per host at a time" and of the stale check,
 * both in the op exec itself (no round trip of their own):
 *
 * 1. `tend_lock` opens the lock file on fd 9 and takes `flock` on it; the
 *    kernel drops the lock when the script dies (SIGKILL, a dropped link), so
 *    a dead holder never blocks the next apply. The holder then records who
 *    it is beside the lock (controller, pid, time, token).
 * 2. `tend_run_tmp` makes the exec's temp dir under the run dir and, under
 *    the lock, removes what killed execs left there.
 * 3. `tend_stale` re-runs the plan's probes (a script sent on stdin ahead of
 *    the blobs) and compares their digest with the plan's; on mismatch no op
 *    runs.
 *
 * The digest is the host's sha256 over a stable view of its host facts and
 * the probe output with the exec's boundary replaced, so the same host state
 * gives the same digest in the probe exec at plan time and here.
 */
import { sha256Hex } from "../hash.js";
import type { Op } from "../op.js";
import { CONTENT_LIMIT } from "../probe.js";
import type { LockHolder } from "../target.js";
import { base64Text, newBoundary, sh, tempBeside } from "./frame.js";
import { PROBE_PRELUDE, probeHeader } from "./probe-script.js";
import { shellQuote } from "./quote.js";

/** Where a real host keeps the lock and its holder record (a tmpfs: gone at boot, like the lock). */
export const LOCK_PATH = "/run/lock/tend.lock";
/** Per-exec temp dirs live under `<RUN_DIR>/tmp`, never in /tmp. */
export const RUN_DIR = "/run/tend";

/** The holder record beside a lock file. */
export const holderPath = (lockPath: string): string => `${lockPath}.holder`;

/**
 * Digest helpers shared by the probe exec and the stale check. The swap
 * probe is redefined to print only the device column of /proc/swaps (all its
 * parser reads): the Used column changes by the second and would make every
 * plan look stale. `tend_facts_view` prints what host facts are made of,
 * without counters (address lifetimes, swap use).
 */
export const DIGEST_FUNCTIONS = sh`
tend_swap() {
  if [ -r /proc/swaps ]; then
    printf 'swaps '
    while read -r tend_d tend_x || [ -n "$tend_d" ]; do printf '%s\n' "$tend_d"; done < /proc/swaps | base64 -w0; echo
  fi
}
tend_facts_view() {
  printf 'uname %s\n' "$(uname -nrm)"
  # Builtin reads: no process per small file.
  for tend_f in /etc/os-release /usr/lib/os-release; do
    if [ -r "$tend_f" ]; then
      while IFS= read -r tend_l || [ -n "$tend_l" ]; do printf '%s\n' "$tend_l"; done < "$tend_f"
      break
    fi
  done
  ip -o link show 2>/dev/null
  # Fields split by read, as awk would ('addr $2 $4', 'swap $1'), without a process.
  ip -o -4 addr show 2>/dev/null | while read -r tend_x tend_a tend_x tend_b tend_x || [ -n "$tend_a" ]; do printf 'addr %s %s\n' "$tend_a" "$tend_b"; done
  if [ -r /proc/swaps ]; then
    { read -r tend_x; while read -r tend_d tend_x || [ -n "$tend_d" ]; do printf 'swap %s\n' "$tend_d"; done; } < /proc/swaps
  fi
  if [ -d /run/systemd/system ]; then echo 'systemd 1'; fi
  tend_l=; { IFS= read -r tend_l < /proc/1/comm; } 2>/dev/null
  printf 'pid1 %s\nuser %s\n' "$tend_l" "$(id -un)"
  for d in curl wget apt-get dnf; do if command -v "$d" >/dev/null 2>&1; then printf 'has %s\n' "$d"; fi; done
}
# The digest of one chunk's probe output in file $1: host facts view, then the output with $B made constant.
tend_digest() {
  tend_h=$({ tend_facts_view; sed "s/$B/B/g" "$1"; } | sha256sum) || return 1
  printf '%s\n' "\${tend_h%% *}"
}
# Removes probe.<pid> and run.<pid> temp dirs under $1 whose process is gone (a killed exec).
tend_reap() {
  for tend_d in "$1"/probe.* "$1"/run.*; do
    [ -d "$tend_d" ] || continue
    tend_p=\${tend_d##*/}; tend_p=\${tend_p#*.}; tend_p=\${tend_p%%.*}
    case $tend_p in ''|*[!0-9]*) continue ;; esac
    kill -0 "$tend_p" 2>/dev/null || rm -rf -- "$tend_d"
  done
}
`;

/**
 * The functions an op exec starts with. Every refusal prints one marker
 * (`<B> nolock <reason>`, `<B> locked <base64 holder record>`, `<B> stale`)
 * and exits 0 before op 0; `<B> ready` says the ops may run.
 */
export const LOCK_FUNCTIONS = sh`
# $1 lock file, $2 holder record, $3 seconds to wait (- for none), $4 controller, $5 pid, $6 token, $7 first|next
# $1 a path the lock or run dir needs. A user other than root is told apart
# (and the script ends): it is missing become, not looking at a broken host.
tend_lock_denied() {
  tend_lu=$(id -u 2>/dev/null)
  if [ -n "$tend_lu" ] && [ "$tend_lu" != 0 ]; then
    printf '\n%s nolockdenied %s ' "$B" "$(id -un 2>/dev/null || echo "$tend_lu")"; printf '%s' "$1" | base64 -w0; echo
    exit 0
  fi
}
tend_lock() {
  if ! command -v flock >/dev/null 2>&1; then
    printf '\n%s nolock flock(1) is not installed (util-linux); tend does not apply without the host lock\n' "$B"; exit 0
  fi
  mkdir -p -- "\${1%/*}" 2>/dev/null
  # Tested first: a failed redirection of exec would end the script without a word.
  # true, not ':': a failed redirection of a special builtin (':' as much as exec) ends a
  # POSIX shell (dash: exit 2) before any word is said.
  if ! { true >> "$1"; } 2>/dev/null; then
    tend_lock_denied "$1"; printf '\n%s nolock cannot open the lock file %s\n' "$B" "$1"; exit 0
  fi
  exec 9>> "$1"
  if [ "$3" = - ]; then flock -n 9; else flock -w "$3" 9; fi || {
    printf '\n%s locked ' "$B"; base64 -w0 < "$2" 2>/dev/null; echo; exit 0
  }
  if [ "$7" = next ]; then
    # A later chunk of one batch: another apply may have run since the previous chunk let go.
    if [ "$(sed -n 4p "$2" 2>/dev/null)" != "$6" ]; then printf '\n%s stale\n' "$B"; exit 0; fi
    return 0
  fi
  { printf '%s\n' "$4" "$5" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$6" > "$2.new" && mv -f -- "$2.new" "$2"; } 2>/dev/null ||
    { printf '\n%s nolock cannot write the holder record %s\n' "$B" "$2"; exit 0; }
}
# $1 run dir, $2 state dir. Under the lock: T for this exec, and nothing left from killed execs.
tend_run_tmp() {
  if ! { mkdir -p -- "$1/tmp" && T=$1/tmp/run.$$ && rm -rf -- "$T" && mkdir -- "$T"; } 2>/dev/null; then
    tend_lock_denied "$1/tmp"; printf '\n%s nolock cannot make a temp dir under %s/tmp\n' "$B" "$1"; exit 0
  fi
  trap 'rm -rf -- "$T"' EXIT
  trap 'exit 1' HUP INT TERM
  for tend_d in "$1"/tmp/run.* "$2"/tmp/extract-*; do
    if [ "$tend_d" != "$T" ] && [ -d "$tend_d" ]; then rm -rf -- "$tend_d"; fi
  done
  # Temp homes a killed tend_mkhome left, by their records: only a directory named as tempBeside names them.
  for tend_d in "$2"/tmp/home-*; do
    if [ -L "$tend_d" ]; then
      tend_hm=$(readlink -- "$tend_d")
      case \${tend_hm##*/} in
        .*.tend-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]*) if [ -d "$tend_hm" ] && [ ! -L "$tend_hm" ]; then rm -rf -- "$tend_hm"; fi ;;
      esac
      rm -f -- "$tend_d"
    fi
  done
  tend_reap "$1/tmp"
}
# $1 bytes of the check script at the head of stdin, $2 the digest it must print.
tend_stale() {
  head -c "$1" > "$T/check"
  if [ "$(wc -c < "$T/check")" -ne "$1" ]; then printf '\n%s nolock the stale check arrived cut short\n' "$B"; exit 0; fi
  tend_got=$( (. "$T/check") < /dev/null 2>/dev/null)
  if [ "$tend_got" != "$2" ]; then printf '\n%s stale\n' "$B"; exit 0; fi
}
# Temp files beside targets that a killed apply left: each argument is a '<dir>/.<base>.tend-' prefix.
tend_sweep() {
  for tend_p; do
    for tend_f in "$tend_p"[0-9a-f][0-9a-f][0-9a-f][0-9a-f]*; do
      if [ -f "$tend_f" ] || [ -L "$tend_f" ]; then rm -f -- "$tend_f"; fi
    done
  done
}
`;

/** The prefix every temp name beside `path` starts with (see tempBeside). */
export const tempPrefix = (path: string): string => tempBeside(path, "");

/**
 * Prefixes of the temp names an op makes beside the paths it writes, so the
 * next apply (under the lock) removes what a killed one left there. Members
 * of an extract without a member list are unknown until the archive is
 * read; tend_extract removes their temp files as it installs each member.
 */
export const sweepPrefixes = (op: Op, pendingPath: string): string[] => {
  switch (op.op) {
    case "writeFile":
      return [tempPrefix(op.path)];
    case "download":
      return [tempPrefix(op.path), tempPrefix(op.record)];
    case "extract": {
      const dest = op.dest.replace(/\/+$/, "");
      const members = (op.members ?? []).filter((m) => !m.split("/").includes(".."));
      return [tempPrefix(op.manifest), ...members.map((m) => tempPrefix(`${dest}/${m}`))];
    }
    case "intent":
      return [tempPrefix(pendingPath)];
    default:
      return [];
  }
};

/** What the lock markers of an op exec say. */
export type LockOutcome =
  | { readonly _tag: "Ready" }
  | { readonly _tag: "Locked"; readonly holder: LockHolder | undefined }
  | { readonly _tag: "NoLock"; readonly reason: string }
  /** The lock file or the run dir may not be written by this user (not root): become is missing. */
  | { readonly _tag: "NoLockDenied"; readonly user: string; readonly path: string }
  | { readonly _tag: "Stale" }
  /** No marker: the script died before the lock was settled. */
  | { readonly _tag: "None" };

/** Reads the holder record (controller, pid, time, token lines) from its base64. */
export const parseHolder = (b64: string): LockHolder | undefined => {
  const [controller, pid, since] = base64Text(b64).split("\n");
  if (!controller || !pid || !/^\d+$/.test(pid)) return undefined;
  return { controller, pid: Number(pid), since: since ?? "" };
};

/** The first lock marker on stdout. */
export const readLockOutcome = (stdout: string, boundary: string): LockOutcome => {
  const prefix = `${boundary} `;
  for (const line of stdout.split("\n")) {
    if (!line.startsWith(prefix)) continue;
    const rest = line.slice(prefix.length);
    const sp = rest.indexOf(" ");
    const word = sp < 0 ? rest : rest.slice(0, sp);
    const arg = sp < 0 ? "" : rest.slice(sp + 1);
    if (word === "ready") return { _tag: "Ready" };
    if (word === "stale") return { _tag: "Stale" };
    if (word === "nolock") return { _tag: "NoLock", reason: arg };
    if (word === "nolockdenied") {
      const [user = "", path = ""] = arg.split(" ");
      return { _tag: "NoLockDenied", user, path: base64Text(path) };
    }
    if (word === "locked") return { _tag: "Locked", holder: parseHolder(arg) };
  }
  return { _tag: "None" };
};

/** A controller name as one line of the holder record. */
export const holderLine = (s: string): string => s.replace(/[\r\n]+/g, " ").trim() || "unknown";

/** flock -w's argument for a wait: "-" for none, else seconds. */
export const lockWaitArg = (ms: number | undefined): string =>
  ms === undefined || !(ms > 0) ? "-" : String(Math.ceil(ms) / 1000);

/**
 * Script bytes of a probe exec besides its calls, a constant: chunking must
 * not depend on the boundary or paths, so the stale check in an op exec
 * splits the plan's probes exactly as the probe execs did.
 */
export const PROBE_FIXED_BYTES =
  Buffer.byteLength(PROBE_PRELUDE) + Buffer.byteLength(DIGEST_FUNCTIONS) + 1024;

/**
 * Where a probe exec keeps its sha256 cache (see hash-cache.ts): `dir` is
 * the state dir ("" for none); `split` says the exec is one of several of a
 * batch, so it keeps the entries the others used.
 */
export interface HashCacheSetting {
  readonly dir: string;
  readonly split: boolean;
}

/** The lines setting up the hash cache of one exec (its record is written by tend_hc_save). */
const hashCacheLines = (cache: HashCacheSetting): string[] => [
  `tend_hc_dir=${shellQuote(cache.dir)}`,
  `tend_hc_merge=${cache.split ? "1" : "0"}`,
  "tend_hc_done=",
];

/** A probe exec: the calls' frames, then `<B> digest <sha256>` of them (see tend_digest). */
export const observeScript = (
  calls: readonly string[],
  boundary: string,
  runDir: string,
  cache: HashCacheSetting = { dir: "", split: false },
): string =>
  [
    PROBE_PRELUDE,
    DIGEST_FUNCTIONS,
    probeHeader(boundary, runDir),
    ...hashCacheLines(cache),
    `tend_reap "$tend_run/tmp"`,
    "{",
    ...calls,
    `} > "$T/a"`,
    `cat "$T/a"`,
    `printf '%s digest %s\n' "$B" "$(tend_digest "$T/a")"`,
    "tend_hc_save",
    "",
  ].join("\n");

/** The digest of a whole batch from the per-exec digests, as `sha256sum` of their lines computes it on the host. */
export const combineDigests = (parts: readonly string[]): string =>
  sha256Hex(parts.map((p) => `${p}\n`).join(""));

/**
 * The stale check, sent on stdin ahead of the blobs and sourced in a
 * subshell under the lock: the calls of every probe exec (`chunks`, split as
 * observe split them), each digested, and the combined digest printed.
 */
export const staleCheckScript = (chunks: readonly (readonly string[])[], cacheDir = ""): string => {
  const lines = [
    PROBE_PRELUDE,
    DIGEST_FUNCTIONS,
    `B=${shellQuote(newBoundary())}`,
    `tend_limit=${shellQuote(String(CONTENT_LIMIT))}`,
    `T=$T/c; mkdir -- "$T" || exit 1`,
    // All the batch's probes run in this one exec: its record replaces the one before.
    ...hashCacheLines({ dir: cacheDir, split: false }),
    `: > "$T/ds"`,
  ];
  for (const calls of chunks)
    lines.push("{", ...calls, `} > "$T/a"`, `tend_digest "$T/a" >> "$T/ds" || exit 1`);
  lines.push(`tend_h=$(sha256sum < "$T/ds") && printf '%s\n' "\${tend_h%% *}"`, "tend_hc_save", "");
  return lines.join("\n");
};
