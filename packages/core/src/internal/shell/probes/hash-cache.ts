/**
 * The host-side sha256 cache of the probe script: a file hashed by an earlier
 * probe and unchanged since is answered from a record instead of being read
 * again, so a no-op plan does not re-hash every file and archive member.
 *
 * The record is `<runDir>/cache/sha256-cache` (`/run/tend/cache`: tend's
 * volatile run dir, where probes already keep their temp dirs, so a plan
 * writes nothing on a host that outlives a reboot; the first plan after one
 * hashes everything again), one line per file:
 * `v1 <dev> <ino> <size> <mtime s.ns> <ctime s.ns> <sha256>` (`stat -L -c
 * '%d %i %s %.9Y %.9Z'`). Lines hold no path: a hit is a file whose key is
 * equal in every field, whatever name reached it, so no name is ever parsed.
 * Any write moves ctime, which user space cannot set, so a content change is
 * always a miss (even one of the same size with mtime set back).
 *
 * What makes an entry safe to keep:
 * - it is stored only when the key stat'ed before the hash equals the key
 *   stat'ed after it (no rename or link swap reached another file meanwhile)
 *   and its mtime and ctime are more than 2 s older than the exec's start:
 *   coarse timestamps could let a write in the same tick keep the key, so a
 *   file written lately is hashed every time until it ages;
 * - the record is host input: it is read only when it and its dir are owned
 *   by the probing user and not group or other writable (else every file is
 *   hashed); a malformed line is skipped; a stat line that is not a key is a
 *   miss, never stored;
 * - it is written once per exec (temp file in the same dir, mode 0600, then
 *   rename), only when it changed, with exactly the entries this exec used,
 *   so entries of files no longer probed drop out. An exec that is one part
 *   of a split probe batch keeps the other entries too (up to 20000 lines in all).
 *
 * The answers are those of `sha256sum`: `tend_sha256 LIST OUT` writes one
 * `<hex>  -` line per NUL-ended path of LIST, as `xargs -0 sha256sum` would
 * (callers read only the digest), and fails as it would.
 */
import { sh } from "../frame.js";

/** The record's name in its dir. */
export const HASH_CACHE_FILE = "sha256-cache";

/**
 * The cache's awk program (run from BEGIN; its operands are read from ARGV,
 * which awk takes byte for byte, never as escapes or assignments): `look`
 * answers hits and lists misses, `merge` joins the misses' digests and
 * entries, `save` builds the new record. Exit 0 done, 3 misses listed, 4
 * record unchanged; anything else makes the caller hash as without a cache.
 */
const AWK = sh`
function num(s) { return s ~ /^[0-9]+$/ }
function ts(s) { return s ~ /^[0-9]+[.][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]$/ }
function key(s,  f) {
  return split(s, f, " ") == 5 && s == f[1] " " f[2] " " f[3] " " f[4] " " f[5] && num(f[1]) && num(f[2]) && num(f[3]) && ts(f[4]) && ts(f[5])
}
function hex(s) { return length(s) == 64 && s !~ /[^0-9a-f]/ }
function aged(s,  f) { split(s, f, " "); return int(f[4]) + 2 < now && int(f[5]) + 2 < now }
function entry(l) {
  if (substr(l, 1, 3) != "v1 " || length(l) < 70 || substr(l, length(l) - 64, 1) != " ") return 0
  ek = substr(l, 4, length(l) - 68); ed = substr(l, length(l) - 63)
  return key(ek) && hex(ed)
}
function look(  l, r, n, m, i, p, k, d, c) {
  if (ARGV[3] != "") while ((getline l < ARGV[3]) > 0) if (entry(l)) c[ek] = ed
  n = 0; m = 0
  while ((r = (getline l < ARGV[4])) > 0) {
    n++; k[n] = l
    if (key(l) && (l in c)) d[n] = c[l]; else { d[n] = "-"; m++ }
  }
  if (r < 0 || n == 0) exit 2
  if (m == 0) {
    for (i = 1; i <= n; i++) { print d[i] "  -" > ARGV[6]; print "v1 " k[i] " " d[i] >> ARGV[7] }
    exit 0
  }
  RS = "\0"; i = 0
  while ((r = (getline p < ARGV[5])) > 0) { i++; if (d[i] == "-") printf "%s%c", p, 0 > ARGV[8] }
  if (r < 0 || i != n) exit 2
  for (i = 1; i <= n; i++) print d[i] > ARGV[9]
  exit 3
}
function merge(  l, a, h, n, i, k, d, s) {
  n = 0; while ((getline l < ARGV[3]) > 0) { n++; k[n] = l }
  i = 0; while ((getline l < ARGV[4]) > 0) { i++; d[i] = l }
  if (i != n || n == 0) exit 2
  for (i = 1; i <= n; i++) {
    if (d[i] != "-") { s[i] = 1; continue }
    if ((getline l < ARGV[5]) <= 0) exit 2
    if (substr(l, 1, 1) == "\\") l = substr(l, 2)
    h = substr(l, 1, 64)
    if (!hex(h) || substr(l, 65, 1) != " ") exit 2
    d[i] = h
    a = ""
    s[i] = (getline a < ARGV[6]) > 0 && a == k[i] && key(a) && aged(a)
  }
  if ((getline l < ARGV[5]) > 0) exit 2
  for (i = 1; i <= n; i++) { print d[i] "  -" > ARGV[7]; if (s[i]) print "v1 " k[i] " " d[i] >> ARGV[8] }
  exit 0
}
function save(  l, n, m, i, o, old, seen, di, f) {
  n = 0
  while ((getline l < ARGV[4]) > 0) if (!(l in seen)) { seen[l] = 1; n++; o[n] = l; split(l, f, " "); di[f[2] " " f[3]] = 1 }
  m = 0
  if (ARGV[3] != "") while ((getline l < ARGV[3]) > 0) { m++; old[m] = l }
  if (ARGV[6] == 1)
    for (i = 1; i <= m && n < ARGV[7] + 0; i++)
      if (entry(old[i]) && !(old[i] in seen)) { split(old[i], f, " "); if (!((f[2] " " f[3]) in di)) { seen[old[i]] = 1; n++; o[n] = old[i] } }
  if (n == m) { for (i = 1; i <= n && o[i] == old[i]; i++); if (i > n) exit 4 }
  for (i = 1; i <= n; i++) print o[i] > ARGV[5]
  if (close(ARGV[5]) != 0) exit 2
  exit 0
}
BEGIN {
  now = ARGV[2] + 0
  if (ARGV[1] == "look") look(); else if (ARGV[1] == "merge") merge(); else if (ARGV[1] == "save") save()
  exit 2
}`;

/**
 * The cache functions of the probe prelude (starting with a newline, ending
 * without one). They read `tend_hc_dir` (the record's dir; empty: no cache),
 * `tend_hc_merge` (1 in a part of a split batch) and `T`.
 */
export const HASH_CACHE_FUNCTIONS = `
tend_hc_awk='${AWK}'
${sh`# Once per exec: tend_hc is the record when it may be trusted (else empty),
# tend_hc_now the exec's start in seconds (the mtime of a file made in $T now,
# from the same clock as the files' times). Temp records of killed execs go.
tend_hc_init() {
  [ -z "$tend_hc_done" ] || return 0
  tend_hc_done=1; tend_hc=; tend_hc_now=0
  [ -n "$tend_hc_dir" ] || return 0
  { [ -d "$tend_hc_dir" ] || mkdir -p -m 700 -- "$tend_hc_dir"; } 2>/dev/null || return 0
  if [ -L "$tend_hc_dir" ] || [ ! -d "$tend_hc_dir" ]; then return 0; fi
  tend_hq=$tend_hc_dir/sha256-cache
  { : > "$T/hnow"; } 2>/dev/null || return 0
  if [ -e "$tend_hq" ] || [ -L "$tend_hq" ]; then
    if [ -L "$tend_hq" ] || [ ! -f "$tend_hq" ]; then return 0; fi
    tend_hs=$(stat --printf '%u %a %Y ' -- "$T" "$tend_hc_dir" "$tend_hq" 2>/dev/null) || return 0
  else
    tend_hs=$(stat --printf '%u %a %Y ' -- "$T" "$tend_hc_dir" 2>/dev/null) || return 0
  fi
  # Digits and spaces only, so the unquoted split below is plain words.
  case $tend_hs in ''|*[!0-9\ ]*) return 0 ;; esac
  set -- $tend_hs
  tend_hu=$1; tend_hn=$3; shift 3
  # The dir and the record: this user's (the owner of $T, which it just made), not group or other writable.
  while [ "$#" -ge 3 ]; do
    [ "$1" = "$tend_hu" ] || return 0
    case $2 in *[2367]?|*[2367]) return 0 ;; esac
    shift 3
  done
  tend_hc=$tend_hq; tend_hc_now=$tend_hn
  for tend_hq in "$tend_hc_dir"/.sha256-cache.*; do
    tend_hn=\${tend_hq##*.}
    case $tend_hn in ''|*[!0-9]*) continue ;; esac
    [ -f "$tend_hq" ] && ! kill -0 "$tend_hn" 2>/dev/null && rm -f -- "$tend_hq"
  done
  return 0
}
# $1 a NUL-ended path list, $2 where the digests go: one '<hex>  -' line per
# path, as 'xargs -0 sha256sum' would print them (and failing when it would).
tend_sha256() {
  tend_hc_init
  if [ -n "$tend_hc" ] && xargs -0 stat -L -c '%d %i %s %.9Y %.9Z' -- < "$1" > "$T/hk" 2>/dev/null; then
    awk "$tend_hc_awk" look "$tend_hc_now" "$tend_hc" "$T/hk" "$1" "$2" "$T/hnew" "$T/hm" "$T/hd" 2>/dev/null
    case $? in
      0) return 0 ;;
      3) xargs -0 sha256sum -- < "$T/hm" > "$T/hmh" 2>/dev/null || return 1
        # The key again: a miss whose path reached another file meanwhile is not stored.
        xargs -0 stat -L -c '%d %i %s %.9Y %.9Z' -- < "$T/hm" > "$T/hk2" 2>/dev/null || : > "$T/hk2"
        awk "$tend_hc_awk" merge "$tend_hc_now" "$T/hk" "$T/hd" "$T/hmh" "$T/hk2" "$2" "$T/hnew" 2>/dev/null && return 0 ;;
    esac
  fi
  xargs -0 sha256sum -- < "$1" > "$2" 2>/dev/null
}
# At the end of an exec: the record gets the entries this exec used, when they changed.
tend_hc_save() {
  { [ -n "$tend_hc" ] && [ -s "$T/hnew" ]; } || return 0
  tend_hq=$tend_hc_dir/.sha256-cache.$$
  if (umask 077; exec awk "$tend_hc_awk" save 0 "$tend_hc" "$T/hnew" "$tend_hq" "$tend_hc_merge" 20000 2>/dev/null); then
    mv -f -- "$tend_hq" "$tend_hc" 2>/dev/null
  fi
  if [ -e "$tend_hq" ]; then rm -f -- "$tend_hq"; fi
  return 0
}`}`;
