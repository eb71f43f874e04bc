/**
 * The sh functions ops compile to. Every path, temp name and message part is
 * an argument (computed and quoted in TypeScript), so the functions hold no
 * value of their own. Each op runs in a subshell with `set -e`; functions
 * still check the steps whose failure must clean up a temp file, because
 * `set -e` is off inside `if`/`&&`/`||` conditions. Renames use `mv -fT`
 * (GNU): without -T a symlink to a directory at the target would receive the
 * file inside it instead of being replaced.
 */
import { sh } from "./frame.js";
import { KMOD_FUNCTIONS } from "./probe-script.js";

/**
 * Markers: `<B> begin i`, `<B> end i`, `<B> fail i rc` and finally `<B> done`
 * go to stdout and stderr alike, each on a line of its own (hence the leading
 * newline: an op's output may not end with one). A failed op stops the batch
 * and the script still exits 0, so the outcome is read from the markers even
 * through a transport that turns non-zero exits into errors.
 */
export const OP_PRELUDE = `${KMOD_FUNCTIONS}${sh`
umask 022
tend_nl='
'
tend_mark() { printf '\n%s %s\n' "$B" "$1"; printf '\n%s %s\n' "$B" "$1" >&2; }
tend_op() {
  tend_i=$1; shift
  tend_mark "begin $tend_i"
  ( set -e; "$@" )
  tend_rc=$?
  if [ "$tend_rc" -ne 0 ]; then tend_mark "fail $tend_i $tend_rc"; exit 0; fi
  tend_mark "end $tend_i"
}
tend_fail() { printf '%s\n' "$1" >&2; return 1; }
tend_attrs() {
  if [ -n "$2" ]; then chmod -- "$2" "$1" || return 1; fi
  if [ -n "$3" ] && [ -n "$4" ]; then chown -- "$3:$4" "$1" || return 1
  elif [ -n "$3" ]; then chown -- "$3" "$1" || return 1
  elif [ -n "$4" ]; then chgrp -- "$4" "$1" || return 1
  fi
}
tend_not_dir() {
  if [ -d "$1" ] && [ ! -L "$1" ]; then tend_fail "$1 is a directory"; fi
}
tend_install() {
  tend_attrs "$1" "$3" "$4" "$5" && mv -fT -- "$1" "$2" || { rm -f -- "$1"; return 1; }
}
tend_mkdir() {
  if [ "$#" -gt 4 ]; then tend_mkhome "$@"; return; fi
  mkdir -p -- "$1"
  tend_attrs "$1" "$2" "$3" "$4"
}
# A home as useradd -m makes it ($5 skel, $6 a temp dir beside $1, $7 the prefix of such temp dirs,
# $8 the temp dir's record under the state dir): skel's files copied in, all of it the user's, renamed
# into place whole, so a kill leaves no home (planned again) rather than one without skel's files. A
# home that is there is left as it is. The record (a symlink to $6, made before $6) lets the next exec
# remove a temp home a kill left though no op makes that home again (the user was dropped): tend_run_tmp.
tend_mkhome() {
  for o in "$7"[0-9a-f][0-9a-f][0-9a-f][0-9a-f]*; do if [ -d "$o" ] && [ ! -L "$o" ]; then rm -rf -- "$o"; fi; done
  if [ -e "$1" ] || [ -L "$1" ]; then tend_attrs "$1" "$2" "$3" "$4"; return; fi
  pd=\${6%/*}
  mkdir -p -- "\${pd:-/}" "\${8%/*}"
  ln -sfn -- "$6" "$8" || return 1
  mkdir -- "$6" || { rm -f -- "$8"; return 1; }
  if [ -d "$5" ]; then cp -RPp -- "$5/." "$6/" || { rm -rf -- "$6"; rm -f -- "$8"; return 1; }; fi
  chown -R -h -- "$3:$4" "$6" && tend_attrs "$6" "$2" "$3" "$4" && mv -T -- "$6" "$1" || { rm -rf -- "$6"; rm -f -- "$8"; return 1; }
  rm -f -- "$8"
}
tend_write() {
  tend_not_dir "$1"
  if [ ! -d "$2" ]; then mkdir -p -- "$2"; fi
  head -c "$4" > "$3" || { rm -f -- "$3"; return 1; }
  n=$(wc -c < "$3"); n=$((n + 0))
  if [ "$n" -ne "$4" ]; then rm -f -- "$3"; tend_fail "input ended after $n of $4 bytes"; fi
  tend_install "$3" "$1" "$5" "$6" "$7"
}
tend_download() {
  url=$1 p=$2 d=$3 tmp=$4 algo=$5 hex=$6 mode=$7 own=$8 grp=$9; shift 9
  rec=$1 recd=$2 rect=$3
  tend_not_dir "$p"
  mkdir -p -- "$d"
  if command -v curl >/dev/null 2>&1; then curl -fsSL -o "$tmp" --url "$url" || { rm -f -- "$tmp"; return 1; }
  elif command -v wget >/dev/null 2>&1; then wget -q -O "$tmp" -- "$url" || { rm -f -- "$tmp"; return 1; }
  else tend_fail "neither curl nor wget is installed"
  fi
  if [ -n "$algo" ]; then
    case $algo in
      sha256) h=$(sha256sum < "$tmp") || { rm -f -- "$tmp"; return 1; } ;;
      *) h=$(sha512sum < "$tmp") || { rm -f -- "$tmp"; return 1; } ;;
    esac
    h=\${h%% *}
    if [ "$h" != "$hex" ]; then rm -f -- "$tmp"; tend_fail "checksum mismatch for $url: expected $hex, got $h"; fi
  fi
  tend_install "$tmp" "$p" "$mode" "$own" "$grp"
  mkdir -p -- "$recd"
  printf '%s\n' "$url" > "$rect" || { rm -f -- "$rect"; return 1; }
  mv -fT -- "$rect" "$rec"
}
tend_extract() {
  a=$1 dest=$2 strip=$3 man=$4 mand=$5 mant=$6 src=$7 mode=$8 own=$9; shift 9
  grp=$1 w=$2 r=$3 all=$4; shift 4
  if [ ! -f "$a" ]; then tend_fail "archive $a not found"; fi
  # No source given (no checksum, archive made during this apply): the archive's own digest is the source.
  if [ -z "$src" ]; then src=$(sha256sum < "$a") || return 1; src=\${src%% *}; fi
  mkdir -p -- "\${w%/*}"
  rm -rf -- "$w"
  trap 'rm -rf -- "$w"' EXIT
  mkdir -- "$w" "$w/x"
  tar -xf "$a" -C "$w/x" --no-same-owner --strip-components="$strip"
  if [ "$all" = 1 ]; then
    if [ -n "$(cd "$w/x" && LC_ALL=C find . -name "*\${tend_nl}*")" ]; then tend_fail "archive $a has a member whose name holds a newline"; fi
    (cd "$w/x" && find . -type f) | sed 's,^\./,,' > "$w/list"
  elif [ "$#" -gt 0 ]; then printf '%s\n' "$@" > "$w/list"
  else : > "$w/list"
  fi
  LC_ALL=C sort -u "$w/list" > "$w/sorted"
  # Check every member before installing any, so a bad list changes nothing.
  while IFS= read -r m; do
    if [ ! -f "$w/x/$m" ] || [ -L "$w/x/$m" ]; then tend_fail "archive $a has no member $m"; fi
    tend_not_dir "$dest/$m"
  done < "$w/sorted"
  : > "$w/body"
  while IFS= read -r m; do
    s=$w/x/$m t=$dest/$m
    td=\${t%/*} tb=\${t##*/}
    if [ -z "$td" ]; then td=/; fi
    mkdir -p -- "$td"
    tmp=$td/.$tb.tend-$r
    # Temp files of this member that a killed extract left (the sweep before the op cannot know members).
    for o in "$td/.$tb.tend-"[0-9a-f][0-9a-f][0-9a-f][0-9a-f]*; do if [ -f "$o" ] || [ -L "$o" ]; then rm -f -- "$o"; fi; done
    cp -- "$s" "$tmp" || { rm -f -- "$tmp"; return 1; }
    h=$(sha256sum < "$tmp") || { rm -f -- "$tmp"; return 1; }
    tend_install "$tmp" "$t" "$mode" "$own" "$grp"
    printf '%s  %s\n' "\${h%% *}" "$t" >> "$w/body"
  done < "$w/sorted"
  mkdir -p -- "$mand"
  { printf '# source %s\n' "$src" && cat "$w/body"; } > "$mant" || { rm -f -- "$mant"; return 1; }
  mv -fT -- "$mant" "$man"
}
tend_modprobe() {
  # Nothing to load for a built-in module, and a kernel without /lib/modules (a container) makes modprobe fail on it.
  if tend_kmod_builtin "$2"; then return 0; fi
  modprobe -- "$1"
}
tend_systemctl() {
  if [ "$#" -eq 1 ]; then systemctl "$1"; else systemctl "$1" -- "$2"; fi
}
tend_sysctl_set() {
  if [ ! -f "$2" ]; then tend_fail "unknown sysctl key $1"; fi
  if command -v sysctl >/dev/null 2>&1; then sysctl -q -w "$1=$3"; else printf '%s\n' "$3" > "$2"; fi
}
tend_apt() {
  if ! ls /var/lib/apt/lists/ 2>/dev/null | grep -q '_Packages'; then apt-get update; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -- "$@"
}
tend_exec() {
  if [ "$#" -eq 0 ]; then tend_fail "exec of an empty argv"; fi
  exec "$@"
}
# Write-ahead intents: $1 add|remove, $2 the record, $3 its temp, $4 the action
# id stamped on added lines; then the entries ("restart UNIT", "daemon-reload").
# A line's key is its entry; a bare unit name (older record) is "restart UNIT".
# add keeps a line already there (due since then) and appends the others;
# remove drops the lines of the entries. The new record is synced before the
# rename and the directory after it, so a power cut leaves one whole record.
# keep DIR PATH...: copy each path (or note its absence) under DIR as N and
# N.path; a path this DIR already keeps is left as kept (the first keep of an
# apply wins, so a re-run after a kill never keeps the half-changed state).
tend_keep() {
  d=$1; shift; i=0
  mkdir -p -m 700 -- "$d" || return 1
  for p in "$@"; do
    i=$((i+1))
    [ -e "$d/$i.path" ] && continue
    rm -rf -- "$d/$i" "$d/$i.t"
    if [ -e "$p" ] || [ -L "$p" ]; then cp -a -- "$p" "$d/$i.t" && mv -f -- "$d/$i.t" "$d/$i" || return 1; fi
    printf '%s' "$p" > "$d/$i.p" && mv -f -- "$d/$i.p" "$d/$i.path" || return 1
  done
  sync
}
# restore DIR: put each kept path back (copy beside it, then rename), or
# remove it when it did not exist. Idempotent: a re-run restores again.
tend_restore() {
  d=$1
  [ -d "$d" ] || return 0
  for f in "$d"/*.path; do
    [ -e "$f" ] || continue
    n=\${f%.path}; p=$(cat -- "$f"; printf x); p=\${p%x}
    if [ -e "$n" ] || [ -L "$n" ]; then
      rm -rf -- "$p.tend-rb" && cp -a -- "$n" "$p.tend-rb" || return 1
      if [ -d "$p" ] && [ ! -L "$p" ]; then rm -rf -- "$p"; fi
      mv -fT -- "$p.tend-rb" "$p" || return 1
    else rm -rf -- "$p" || return 1; fi
  done
  sync
}
tend_intent() {
  act=$1 f=$2 t=$3; shift 3
  TEND_AT=$1; shift
  mkdir -p -- "\${f%/*}"
  printf '%s\n' "$@" > "$t.e" || { rm -f -- "$t.e"; return 1; }
  TEND_STAMP="$(date -u +%Y-%m-%dT%H:%M:%SZ) $TEND_AT"
  export TEND_STAMP
  # The old record is copied first: a read error must fail the op, not empty the record.
  if [ -f "$f" ]; then cat -- "$f" > "$t.o" || { rm -f -- "$t.e" "$t.o"; return 1; }; else : > "$t.o"; fi
  awk -v act="$act" '
    NR == FNR { want[$0] = 1; order[++n] = $0; next }
    $0 == "" { next }
    {
      k = $0
      if (NF == 1) k = "restart " $1
      else if ($1 == "restart") k = "restart " $2
      else if ($1 == "daemon-reload") k = "daemon-reload"
      else if ($1 == "rollback") k = "rollback " $2
      if (k in want) { if (act == "remove") next; have[k] = 1 }
      print
    }
    END { if (act == "add") for (i = 1; i <= n; i++) if (!(order[i] in have)) print order[i] " " ENVIRON["TEND_STAMP"] }
  ' "$t.e" "$t.o" > "$t" || { rm -f -- "$t" "$t.e" "$t.o"; return 1; }
  rm -f -- "$t.e" "$t.o"
  if [ -s "$t" ]; then
    sync -- "$t" 2>/dev/null || sync
    mv -fT -- "$t" "$f"
  else rm -f -- "$t" "$f"
  fi
  sync -- "\${f%/*}" 2>/dev/null || sync
}
`}`;
