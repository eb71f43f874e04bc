/**
 * Probe scripts: a prelude of sh functions, one per probe type, and one short
 * call per probe, each wrapped in a frame. A whole batch is one exec; only a
 * batch larger than MAX_SCRIPT_BYTES is split across several.
 */
import { CONTENT_LIMIT, type Probe } from "../probe.js";
import { sh } from "./frame.js";
import { shellArgv, shellQuote, UnquotableError } from "./quote.js";

/**
 * Scripts travel as one `sh -c` argument, and Linux caps a single argument at
 * 128 KiB (MAX_ARG_STRLEN); staying under 96 KiB leaves room for transports
 * that wrap the script (sudo, `sh -c` quoting).
 */
export const MAX_SCRIPT_BYTES = 96 * 1024;

/**
 * Module tests shared by the kmod probe and the modprobe op, so both agree on
 * what "built in" means. Names arrive with `-` already mapped to `_`; a name
 * that is empty, holds `/` or starts with `.` names no module (and must not
 * reach /sys/module/.. as a path).
 */
export const KMOD_FUNCTIONS = sh`
tend_kmod_name() { case $1 in ''|*/*|.*) return 1 ;; esac; }
# Whether a line of the input ($3 or stdin), cut down by $2 (w: up to the
# first space, l: last field, p: module path to its name, x: whole line) and
# with - read as _, is exactly $1. One awk instead of a cut|sed|grep pipeline.
tend_kmod_has() {
  tend_m=$1 awk -v k="$2" 'BEGIN { m = ENVIRON["tend_m"] }
    { n = $0
      if (k == "w") sub(/ .*/, "", n)
      else if (k == "l") n = $NF
      else if (k == "p") { sub(/.*\//, "", n); sub(/\.ko$/, "", n) }
      gsub(/-/, "_", n)
      if (n == m) { f = 1; exit } }
    END { exit !f }' \${3:+"$3"}
}
tend_kmod_loaded() {
  tend_kmod_name "$1" && [ -r /proc/modules ] && tend_kmod_has "$1" w /proc/modules
}
tend_kmod_builtin() {
  tend_kmod_name "$1" || return 1
  f=/lib/modules/$(uname -r)/modules.builtin
  if [ -r "$f" ] && tend_kmod_has "$1" p "$f"; then return 0; fi
  if [ -d "/sys/module/$1" ] && ! tend_kmod_loaded "$1"; then return 0; fi
  # Some built-in modules show only through what they provide (no /sys/module entry without parameters).
  case $1 in
    br_netfilter) [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] && ! tend_kmod_loaded "$1" && return 0 ;;
    ip_vs) [ -e /proc/net/ip_vs ] && ! tend_kmod_loaded "$1" && return 0 ;;
  esac
  [ -r /proc/filesystems ] && tend_kmod_has "$1" l /proc/filesystems
}
`;

/**
 * The probe functions. Each prints `key value` lines; values that may hold
 * newlines or arbitrary bytes are base64 (`base64 -w0`). Stderr of the tools
 * is dropped: an unreadable or missing thing is reported as a fact, not noise.
 */
export const PROBE_PRELUDE = `${KMOD_FUNCTIONS}${sh`
tend_frame() { printf '%s begin %s\n' "$B" "$1"; tend_i=$1; shift; "$@"; printf '\n%s end %s\n' "$B" "$tend_i"; }
tend_file() {
  if [ -L "$1" ]; then
    t=$(readlink -- "$1"; printf x); t=\${t%?x}
    printf 'type link\ntarget '; printf '%s' "$t" | base64 -w0; echo
  elif [ -f "$1" ]; then
    echo 'type file'
    if st=$(stat -c '%a %s %U %G' -- "$1" 2>/dev/null); then printf 'stat %s\n' "$st"; else st=; fi
    case $2 in
      sha256) h=$(sha256sum < "$1" 2>/dev/null) && printf 'hash %s\n' "\${h%% *}" ;;
      sha512) h=$(sha512sum < "$1" 2>/dev/null) && printf 'hash %s\n' "\${h%% *}" ;;
    esac
    if [ "$3" = 1 ]; then
      # A file stat saw below the limit is encoded whole (one process); others are cut at $4 bytes.
      sz=\${st#* }; sz=\${sz%% *}
      case $sz in ''|*[!0-9]*) sz=$4 ;; esac
      printf 'content '
      if [ "$sz" -lt "$4" ]; then base64 -w0 < "$1" 2>/dev/null; else head -c "$4" < "$1" 2>/dev/null | base64 -w0; fi
      echo
    fi
  elif [ -d "$1" ]; then
    echo 'type dir'; stat -c 'stat %a 0 %U %G' -- "$1" 2>/dev/null
  elif [ -e "$1" ]; then echo 'type other'
  else echo 'type absent'
  fi
}
# Many file probes with one stat, one sha256sum, one sha512sum and one cat for
# all of them (per xargs batch), instead of 4-5 processes per path. $1 holds a
# word "<frame>,<digest>,<content>" (each followed by a space) per path in $2…
# Links, other and absent paths are answered at once by tend_file (builtins
# only, but readlink for links). Regular files and dirs are listed (NUL-ended)
# for the tools, whose records come back one line each in argument order; a
# record never holds a name (sha256sum escapes any name with a newline onto one
# line, and only its digest is read). Contents of files stat saw at most $tend_limit
# bytes are concatenated into one blob, printed once as '<B> blob <k> <base64>';
# a frame names its slice as 'contentref <k> <offset> <length>'. If any tool
# fails or a count disagrees (a path vanished or changed between the steps),
# every listed path is answered by tend_file alone, as before.
tend_files() {
  tend_k=\${1%%,*}; tend_sp=$1; shift
  tend_s=$tend_sp
  for tend_p; do
    tend_w=\${tend_s%% *}; tend_s=\${tend_s#* }
    tend_n=\${tend_w%%,*}; tend_w=\${tend_w#*,}; tend_h=\${tend_w%%,*}; tend_c=\${tend_w#*,}
    if [ -L "$tend_p" ]; then tend_t=x
    elif [ -f "$tend_p" ]; then tend_t=f
    elif [ -d "$tend_p" ]; then tend_t=d
    else tend_t=x
    fi
    printf '%s %s %s %s\n' "$tend_n" "$tend_t" "$tend_h" "$tend_c" >&6
    case $tend_t in
      x) tend_frame "$tend_n" tend_file "$tend_p" 5>&- 6>&- 7>&- 8>&- ;;
      f) printf '%s\0' "$tend_p" >&5
        case $tend_h in sha256) printf '%s\0' "$tend_p" >&7 ;; sha512) printf '%s\0' "$tend_p" >&8 ;; esac ;;
      d) printf '%s\0' "$tend_p" >&5 ;;
    esac
  done 5> "$T/fs" 6> "$T/fspec" 7> "$T/f256" 8> "$T/f512"
  tend_ok=1
  : > "$T/fst"; : > "$T/fh256"; : > "$T/fh512"
  if [ -s "$T/fs" ]; then
    xargs -0 stat -c '%a %s %U %G' -- < "$T/fs" > "$T/fst" 2>/dev/null || tend_ok=
  fi
  if [ -n "$tend_ok" ] && [ -s "$T/f256" ]; then xargs -0 sha256sum -- < "$T/f256" > "$T/fh256" 2>/dev/null || tend_ok=; fi
  if [ -n "$tend_ok" ] && [ -s "$T/f512" ]; then xargs -0 sha512sum -- < "$T/f512" > "$T/fh512" 2>/dev/null || tend_ok=; fi
  tend_off=0
  if [ -n "$tend_ok" ]; then
    for tend_p; do
      if ! IFS=' ' read -r tend_n tend_t tend_h tend_c <&3; then tend_ok=; break; fi
      case $tend_t in x) continue ;; esac
      if ! IFS= read -r tend_st <&4; then tend_ok=; break; fi
      if [ "$tend_t" = d ]; then
        printf '%s begin %s\ntype dir\nstat %s\n\n%s end %s\n' "$B" "$tend_n" "$tend_st" "$B" "$tend_n"
        continue
      fi
      printf '%s begin %s\ntype file\nstat %s\n' "$B" "$tend_n" "$tend_st"
      tend_hl=
      case $tend_h in
        sha256) IFS= read -r tend_hl <&5 || { tend_ok=; break; } ;;
        sha512) IFS= read -r tend_hl <&7 || { tend_ok=; break; } ;;
      esac
      if [ -n "$tend_hl" ]; then tend_hl=\${tend_hl#\\}; printf 'hash %s\n' "\${tend_hl%% *}"; fi
      if [ "$tend_c" = 1 ]; then
        tend_sz=\${tend_st#* }; tend_sz=\${tend_sz%% *}
        case $tend_sz in ''|*[!0-9]*) tend_ok=; break ;; esac
        # Larger files carry no content line: the parser knows them by their size.
        if [ "$tend_sz" -le "$tend_limit" ]; then
          printf 'contentref %s %s %s\n' "$tend_k" "$tend_off" "$tend_sz"
          tend_off=$((tend_off + tend_sz))
          printf '%s\0' "$tend_p" >&6
        fi
      fi
      printf '\n%s end %s\n' "$B" "$tend_n"
    done 3< "$T/fspec" 4< "$T/fst" 5< "$T/fh256" 7< "$T/fh512" 6> "$T/fc" > "$T/fr"
  fi
  if [ -n "$tend_ok" ] && [ "$tend_off" -gt 0 ]; then
    if xargs -0 cat -- < "$T/fc" > "$T/fcat" 2>/dev/null && [ "$(wc -c < "$T/fcat")" = "$tend_off" ]; then :; else tend_ok=; fi
  fi
  if [ -n "$tend_ok" ]; then
    cat "$T/fr"
    printf '%s blob %s ' "$B" "$tend_k"
    if [ "$tend_off" -gt 0 ]; then base64 -w0 < "$T/fcat"; fi
    echo
    return 0
  fi
  for tend_p; do
    IFS=' ' read -r tend_n tend_t tend_h tend_c || break
    case $tend_t in f|d) tend_frame "$tend_n" tend_file "$tend_p" "$tend_h" "$tend_c" "$((tend_limit + 1))" < /dev/null ;; esac
  done < "$T/fspec"
}
tend_unit() {
  systemctl show -p LoadState -p ActiveState -- "$1" 2>/dev/null | sed -n -e 's/^LoadState=/load /p' -e 's/^ActiveState=/active /p'
  printf 'enabled %s\n' "$(systemctl is-enabled -- "$1" 2>/dev/null | head -n 1)"
}
# Frames for many units from one systemctl call: $1 is their frame indices
# (space-separated), the rest their names. show prints one block per name, in
# argument order; a unit whose block could differ from what tend_unit says (an
# alias or mangled name, a generated SysV unit, a loaded unit without a unit
# file state) or a call that failed falls back to tend_unit.
tend_units() {
  tend_ix=$1; shift
  if ! systemctl show --property=Id,LoadState,ActiveState,UnitFileState -- "$@" > "$T/show" 2>/dev/null ||
    ! awk -v n="$#" 'BEGIN { RS = ""; FS = "\n" }
      { id = ""; l = ""; a = ""; u = ""
        for (k = 1; k <= NF; k++) {
          e = index($k, "="); key = substr($k, 1, e - 1); v = substr($k, e + 1)
          if (key == "Id") id = v; else if (key == "LoadState") l = v
          else if (key == "ActiveState") a = v; else if (key == "UnitFileState") u = v
        }
        if (id == "" || l == "" || a == "") id = "-"
        print id, l, a, u }
      END { if (NR != n) exit 1 }' "$T/show" > "$T/units"; then : > "$T/units"; fi
  while [ "$#" -gt 0 ] && IFS=' ' read -r tend_id tend_l tend_a tend_u; do
    tend_n=\${tend_ix%% *}; tend_ix=\${tend_ix#* }
    if [ "$tend_id" = "$1" ] && [ "$tend_u" != generated ] && { [ -n "$tend_u" ] || [ "$tend_l" = not-found ]; }; then
      printf '%s begin %s\nload %s\nactive %s\nenabled %s\n\n%s end %s\n' "$B" "$tend_n" "$tend_l" "$tend_a" "$tend_u" "$B" "$tend_n"
    else tend_frame "$tend_n" tend_unit "$1" < /dev/null
    fi
    shift
  done < "$T/units"
  while [ "$#" -gt 0 ]; do
    tend_n=\${tend_ix%% *}; tend_ix=\${tend_ix#* }
    tend_frame "$tend_n" tend_unit "$1"; shift
  done
}
tend_sysctl() {
  if [ -f "$1" ] && v=$(base64 -w0 < "$1" 2>/dev/null); then printf 'value %s\n' "$v"; else echo 'missing'; fi
}
tend_kmod_available() {
  tend_kmod_name "$1" || return 1
  r=/lib/modules/$(uname -r)
  [ -d "$r" ] || return 1
  if command -v modprobe >/dev/null 2>&1; then modprobe -n -q -- "$1" 2>/dev/null; return; fi
  find "$r" \( -name "$1.ko*" -o -name "$(printf '%s' "$1" | tr _ -).ko*" \) 2>/dev/null | grep -q .
}
tend_kmod() {
  n=$1; l=0; b=0; p=0; a=0
  if tend_kmod_loaded "$n"; then l=1; fi
  if tend_kmod_builtin "$n"; then b=1; fi
  if tend_kmod_name "$n" && cat /etc/modules-load.d/*.conf 2>/dev/null | tend_kmod_has "$n" x; then p=1; fi
  if [ "$l$b" != 00 ] || tend_kmod_available "$n"; then a=1; fi
  printf 'loaded %s\nbuiltin %s\npersisted %s\navailable %s\n' "$l" "$b" "$p" "$a"
}
tend_user() {
  e=$(getent passwd -- "$1" 2>/dev/null | head -n 1)
  if [ -z "$e" ]; then echo 'absent'; return 0; fi
  printf 'passwd '; printf '%s' "$e" | base64 -w0; echo
  printf 'groups %s\n' "$(id -Gn -- "$1" 2>/dev/null)"
  printf 'primary %s\n' "$(id -gn -- "$1" 2>/dev/null)"
}
tend_group() {
  e=$(getent group -- "$1" 2>/dev/null | head -n 1)
  if [ -z "$e" ]; then echo 'absent'; return 0; fi
  printf 'entry '; printf '%s' "$e" | base64 -w0; echo
}
tend_pkg_apt() {
  dpkg-query -W -f '\${Status} \${Version}\n' -- "$1" 2>/dev/null | sed -n 's/^install ok installed /version /p' | head -n 1
}
tend_pkg_dnf() {
  v=$(rpm -q --qf '%{VERSION}-%{RELEASE}\n' -- "$1" 2>/dev/null) && printf 'version %s\n' "$v" | head -n 1
}
tend_swap() {
  if [ -r /proc/swaps ]; then printf 'swaps '; base64 -w0 < /proc/swaps; echo; fi
}
tend_manifest() {
  if [ ! -f "$1" ]; then echo 'absent'; return 0; fi
  printf 'text '; base64 -w0 < "$1"; echo
  LC_ALL=C sed -n 's,^[0-9a-f]\{64\}  \(/.*\)$,\1,p' "$1" | while IFS= read -r m || [ -n "$m" ]; do
    if [ -f "$m" ] && h=$(sha256sum < "$m" 2>/dev/null); then printf 'have %s\n' "\${h%% *}"; else echo 'have -'; fi
  done
}
tend_check() {
  if [ "$#" -eq 0 ]; then printf 'rc 127\nout \n'; return 0; fi
  (exec "$@") < /dev/null > "$T/out" 2> /dev/null
  printf 'rc %s\n' "$?"
  printf 'out '; head -c "$tend_limit" "$T/out" | base64 -w0; echo
}
`}`;

/**
 * Prepares the variables the prelude uses: the boundary `B`, a private temp
 * dir `T` for command output (removed on exit), and the content limit. `T`
 * is `<runDir>/tmp/probe.<pid>`, never in /tmp: a killed exec cannot run its
 * trap, and the next exec removes dirs whose pid is gone (see lock.ts).
 */
export const probeHeader = (boundary: string, runDir: string): string =>
  [
    `B=${shellQuote(boundary)}`,
    `tend_limit=${shellQuote(String(CONTENT_LIMIT))}`,
    `tend_run=${shellQuote(runDir)}`,
    `{ mkdir -p -- "$tend_run/tmp" && T=$tend_run/tmp/probe.$$ && rm -rf -- "$T" && mkdir -- "$T"; } || exit 1`,
    `trap 'rm -rf -- "$T"' EXIT`,
    `trap 'exit 1' HUP INT TERM`,
  ].join("\n");

/**
 * The /proc/sys file of a key: dots are separators unless the key already
 * uses slashes (as sysctl(8) allows, for interface names holding dots).
 * Undefined for a key that would leave /proc/sys.
 */
export const sysctlPath = (key: string): string | undefined => {
  const rel = key.includes("/") ? key : key.replaceAll(".", "/");
  const segs = rel.split("/");
  if (key === "" || key.includes("=") || segs.some((s) => s === "" || s === "." || s === ".."))
    return undefined;
  return `/proc/sys/${rel}`;
};

/** Module names compare with `-` and `_` as the same character, as the kernel does. */
export const kmodName = (name: string): string => name.replaceAll("-", "_");

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

/** A line of a probe script and the frames (by index) it prints. */
export interface ScriptCall {
  readonly text: string;
  readonly frames: readonly number[];
}

/** The calls of one probe batch, and which frame answers each probe. */
export interface CompiledProbes {
  readonly calls: readonly ScriptCall[];
  /** `frameOf[i]` is the frame whose body answers `probes[i]`. */
  readonly frameOf: readonly number[];
}

/**
 * Unit names `systemctl show` takes as they are: a unit type suffix, no
 * template without instance, nothing it would mangle. Others go through
 * tend_unit alone, so one odd name cannot fail the batch call.
 */
const BATCHED_UNIT =
  /^[A-Za-z0-9:_.\\-]+(@[A-Za-z0-9:_.\\-]+)?\.(service|socket|target|device|mount|automount|swap|timer|path|slice|scope)$/;
const isBatchedUnit = (name: string): boolean => name.length < 256 && BATCHED_UNIT.test(name);
/**
 * Paths per `tend_files` call are capped by bytes (about 1000 typical paths),
 * so one call plus the prelude fits a script under MAX_SCRIPT_BYTES.
 */
const FILE_BATCH_BYTES = 64 * 1024;
/** Names per `tend_units` call are capped by bytes, well under the one-argument limit. */
const UNIT_BATCH_BYTES = 16 * 1024;

type FileProbe = Extract<Probe, { type: "file" }>;

/**
 * Compiles a batch: one call per distinct question. File probes of one path
 * share a call when their digests agree (or only one asks for a digest): the
 * call stats and hashes once, with content if any of them wants it, and each
 * probe's parser reads only what it asked for. Units answerable by one
 * `systemctl show` share a `tend_units` call (placed where the first of them
 * was). Identical calls of other types are made once. Throws UnquotableProbe
 * for a value no shell word can carry.
 */
export const compileProbes = (probes: readonly Probe[]): CompiledProbes => {
  const frameOf: number[] = [];
  // File groups by path; a probe joins the first group of its path whose digest agrees.
  const groups = new Map<string, { rep: number; hash: FileProbe["hash"]; content: boolean }[]>();
  const groupOf = new Map<number, { rep: number; hash: FileProbe["hash"]; content: boolean }>();
  for (const [i, p] of probes.entries()) {
    if (p.type !== "file") continue;
    const list = groups.get(p.path) ?? [];
    groups.set(p.path, list);
    let g = list.find((x) => x.hash === undefined || p.hash === undefined || x.hash === p.hash);
    if (g === undefined) {
      g = { rep: i, hash: p.hash, content: false };
      list.push(g);
    }
    g.hash ??= p.hash;
    g.content ||= p.content === true;
    groupOf.set(i, g);
  }
  const slots: (ScriptCall | "units" | "files")[] = [];
  const files: FileCall[] = [];
  const units: { index: number; name: string }[] = [];
  const unitFrame = new Map<string, number>();
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
      const g = groupOf.get(i) as { rep: number; hash: FileProbe["hash"]; content: boolean };
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
  const calls = slots.flatMap((s) =>
    s === "units" ? unitCalls(units) : s === "files" ? fileCalls(files) : [s],
  );
  return { calls, frameOf };
};

/** One path's question in a `tend_files` call: its frame, digest and whether it wants content. */
interface FileCall {
  readonly index: number;
  readonly path: string;
  readonly hash: FileProbe["hash"];
  readonly content: boolean;
}

/**
 * `tend_files '<i>,<digest|->,<0|1> …' <path> <path> …`, split so no call
 * passes FILE_BATCH_BYTES: each call runs stat, sha256sum and sha512sum once
 * (through xargs, which also keeps every exec under ARG_MAX).
 */
const fileCalls = (files: readonly FileCall[]): ScriptCall[] => {
  const batches: FileCall[][] = [];
  let cur: FileCall[] = [];
  let size = 0;
  for (const f of files) {
    const n = Buffer.byteLength(shellQuote(f.path)) + String(f.index).length + 16;
    if (cur.length > 0 && size + n > FILE_BATCH_BYTES) {
      batches.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(f);
    size += n;
  }
  if (cur.length > 0) batches.push(cur);
  return batches.map((b) => ({
    text: shellArgv([
      "tend_files",
      b.map((f) => `${f.index},${f.hash ?? "-"},${f.content ? "1" : "0"} `).join(""),
      ...b.map((f) => f.path),
    ]),
    frames: b.map((f) => f.index),
  }));
};

/** `tend_units '<i> <j> …' <name> <name> …`, split so no call passes UNIT_BATCH_BYTES. */
const unitCalls = (units: readonly { index: number; name: string }[]): ScriptCall[] => {
  const batches: { index: number; name: string }[][] = [];
  let cur: { index: number; name: string }[] = [];
  let size = 0;
  for (const u of units) {
    const n = u.name.length + String(u.index).length + 4;
    if (cur.length > 0 && size + n > UNIT_BATCH_BYTES) {
      batches.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(u);
    size += n;
  }
  if (cur.length > 0) batches.push(cur);
  return batches.map((b) => ({
    text: shellArgv(["tend_units", b.map((u) => u.index).join(" "), ...b.map((u) => u.name)]),
    frames: b.map((u) => u.index),
  }));
};

/**
 * Groups framed calls into scripts of at most MAX_SCRIPT_BYTES (a single
 * oversized call still gets a script of its own).
 */
export const chunkCalls = (calls: readonly string[], fixedBytes: number): string[][] => {
  const chunks: string[][] = [];
  let cur: string[] = [];
  let size = fixedBytes;
  for (const c of calls) {
    const n = Buffer.byteLength(c) + 1;
    if (cur.length > 0 && size + n > MAX_SCRIPT_BYTES) {
      chunks.push(cur);
      cur = [];
      size = fixedBytes;
    }
    cur.push(c);
    size += n;
  }
  if (cur.length > 0) chunks.push(cur);
  return chunks;
};
