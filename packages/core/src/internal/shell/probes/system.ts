/**
 * Probes of the rest of the system, one sh call each: sysctl, kernel modules,
 * users and groups, packages, swap, manifests and checks.
 */
import { sh } from "../frame.js";

/**
 * Module tests shared by the kmod probe and the modprobe op, so both agree on
 * what "built in" means. Names arrive with `-` already mapped to `_`; a name
 * that is empty, holds `/` or starts with `.` names no module (and must not
 * reach /sys/module/.. as a path).
 */
export const KMOD_FUNCTIONS = sh`
tend_kmod_name() { case $1 in ''|*/*|.*) return 1 ;; esac; }
# The running kernel's release in $tend_kr, asked once per script (uname is a process).
tend_kernel() { [ -n "\${tend_kr-}" ] || tend_kr=$(uname -r); }
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
  tend_kernel; f=/lib/modules/$tend_kr/modules.builtin
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
 * The system functions of the probe prelude (starting with a newline, ending
 * without one, so the prelude's parts join as one text). They rely on
 * KMOD_FUNCTIONS, which the prelude places first. Values that may hold
 * newlines or arbitrary bytes are base64; tools' stderr is dropped.
 */
export const SYSTEM_FUNCTIONS = sh`
tend_sysctl() {
  if [ -f "$1" ] && v=$(base64 -w0 < "$1" 2>/dev/null); then printf 'value %s\n' "$v"; else echo 'missing'; fi
}
tend_kmod_available() {
  tend_kmod_name "$1" || return 1
  tend_kernel; r=/lib/modules/$tend_kr
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
  # Its first line, cut with a builtin rather than a head process.
  e=$(getent passwd -- "$1" 2>/dev/null); e=\${e%%"
"*}
  if [ -z "$e" ]; then echo 'absent'; return 0; fi
  printf 'passwd '; printf '%s' "$e" | base64 -w0; echo
  printf 'groups %s\n' "$(id -Gn -- "$1" 2>/dev/null)"
  printf 'primary %s\n' "$(id -gn -- "$1" 2>/dev/null)"
}
tend_group() {
  # Its first line, cut with a builtin rather than a head process.
  e=$(getent group -- "$1" 2>/dev/null); e=\${e%%"
"*}
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
  [ -r "$1" ] || { tend_denied "$1"; return 0; }
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
}`;

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
