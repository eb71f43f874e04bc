/**
 * Probe scripts: a prelude of sh functions, one per probe type, and one short
 * call per probe, each wrapped in a frame. A whole batch is one exec; only a
 * batch larger than MAX_SCRIPT_BYTES is split across several.
 */
import { CONTENT_LIMIT, type Probe } from "../probe.js";
import { sh } from "./frame.js";
import { shellArgv, shellQuote } from "./quote.js";

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
tend_kmod_loaded() {
  tend_kmod_name "$1" && [ -r /proc/modules ] && cut -d ' ' -f 1 /proc/modules | sed 's/-/_/g' | grep -qxF -e "$1"
}
tend_kmod_builtin() {
  tend_kmod_name "$1" || return 1
  f=/lib/modules/$(uname -r)/modules.builtin
  if [ -r "$f" ] && sed -e 's,.*/,,' -e 's,\.ko$,,' -e 's/-/_/g' "$f" | grep -qxF -e "$1"; then return 0; fi
  if [ -d "/sys/module/$1" ] && ! tend_kmod_loaded "$1"; then return 0; fi
  # Some built-in modules show only through what they provide (no /sys/module entry without parameters).
  case $1 in
    br_netfilter) [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] && ! tend_kmod_loaded "$1" && return 0 ;;
    ip_vs) [ -e /proc/net/ip_vs ] && ! tend_kmod_loaded "$1" && return 0 ;;
  esac
  [ -r /proc/filesystems ] && awk '{ print $NF }' /proc/filesystems | sed 's/-/_/g' | grep -qxF -e "$1"
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
    echo 'type file'; stat -c 'stat %a %s %U %G' -- "$1" 2>/dev/null
    case $2 in
      sha256) h=$(sha256sum < "$1" 2>/dev/null) && printf 'hash %s\n' "\${h%% *}" ;;
      sha512) h=$(sha512sum < "$1" 2>/dev/null) && printf 'hash %s\n' "\${h%% *}" ;;
    esac
    if [ "$3" = 1 ]; then printf 'content '; head -c "$4" < "$1" 2>/dev/null | base64 -w0; echo; fi
  elif [ -d "$1" ]; then
    echo 'type dir'; stat -c 'stat %a 0 %U %G' -- "$1" 2>/dev/null
  elif [ -e "$1" ]; then echo 'type other'
  else echo 'type absent'
  fi
}
tend_unit() {
  systemctl show -p LoadState -p ActiveState -- "$1" 2>/dev/null | sed -n -e 's/^LoadState=/load /p' -e 's/^ActiveState=/active /p'
  printf 'enabled %s\n' "$(systemctl is-enabled -- "$1" 2>/dev/null | head -n 1)"
}
tend_sysctl() {
  if [ -f "$1" ] && v=$(base64 -w0 < "$1" 2>/dev/null); then printf 'value %s\n' "$v"; else echo 'missing'; fi
}
tend_kmod() {
  n=$1; l=0; b=0; p=0
  if tend_kmod_loaded "$n"; then l=1; fi
  if tend_kmod_builtin "$n"; then b=1; fi
  if tend_kmod_name "$n" && cat /etc/modules-load.d/*.conf 2>/dev/null | sed 's/-/_/g' | grep -qxF -e "$n"; then p=1; fi
  printf 'loaded %s\nbuiltin %s\npersisted %s\n' "$l" "$b" "$p"
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
 * dir `T` for command output (removed on exit), and the content limit.
 */
export const probeHeader = (boundary: string): string =>
  [
    `B=${shellQuote(boundary)}`,
    `tend_limit=${shellQuote(String(CONTENT_LIMIT))}`,
    "T=$(mktemp -d) || exit 1",
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
