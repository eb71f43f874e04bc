/**
 * File probes: the `tend_file` and `tend_files` sh functions, which path
 * probes share one entry, and the `tend_files` calls that answer them all
 * with a constant number of processes.
 */
import type { Probe } from "../../probe.js";
import { sh } from "../frame.js";
import { shellArgv, shellQuote } from "../quote.js";
import { batchByBytes, type ScriptCall } from "./batch.js";

/**
 * The file functions of the probe prelude (starting with a newline, ending
 * without one, so the prelude's parts join as one text). Each prints `key
 * value` lines; link targets and contents are base64, and the tools' stderr
 * is dropped: an unreadable or missing path is reported as a fact.
 */
export const FILE_FUNCTIONS = sh`
tend_file() {
  if [ -L "$1" ]; then
    t=$(readlink -- "$1"; printf x); t=\${t%?x}
    printf 'type link\ntarget '; printf '%s' "$t" | base64 -w0; echo
  elif [ -f "$1" ]; then
    echo 'type file'
    if st=$(stat -c '%a %s %U %G' -- "$1" 2>/dev/null); then printf 'stat %s\n' "$st"; else st=; fi
    # A digest or content this user may not read is refused, not left out.
    case $2,$3 in sha256,*|sha512,*|*,1) [ -r "$1" ] || { tend_denied "$1"; return 0; } ;; esac
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
  else
    # Under a directory this user may not search, a path looks absent: find
    # the nearest ancestor that exists, and refuse if it cannot be searched.
    tend_d=$1
    while tend_d=\${tend_d%/*}; [ -n "$tend_d" ] && [ ! -e "$tend_d" ]; do :; done
    if [ -n "$tend_d" ] && [ -d "$tend_d" ] && [ ! -x "$tend_d" ]; then tend_denied "$1"; return 0; fi
    echo 'type absent'
  fi
}
# Many file probes with one stat, one sha256sum, one sha512sum and one cat for
# all of them (per xargs batch), instead of 4-5 processes per path; sha256
# digests go through the hash cache (tend_sha256, hash-cache.ts). $1 holds a
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
    elif [ -f "$tend_p" ]; then
      # A file this user may not read is answered (refused) by tend_file alone.
      case $tend_h,$tend_c in sha256,*|sha512,*|*,1) [ -r "$tend_p" ] && tend_t=f || tend_t=x ;; *) tend_t=f ;; esac
    elif [ -d "$tend_p" ]; then tend_t=d
    else tend_t=x
    fi
    printf '%s %s %s %s\n' "$tend_n" "$tend_t" "$tend_h" "$tend_c" >&6
    case $tend_t in
      x) tend_frame "$tend_n" tend_file "$tend_p" "$tend_h" "$tend_c" "$((tend_limit + 1))" 5>&- 6>&- 7>&- 8>&- ;;
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
  if [ -n "$tend_ok" ] && [ -s "$T/f256" ]; then tend_sha256 "$T/f256" "$T/fh256" || tend_ok=; fi
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
}`;

/**
 * Paths per `tend_files` call are capped by bytes (about 1000 typical paths),
 * so one call plus the prelude fits a script under MAX_SCRIPT_BYTES.
 */
const FILE_BATCH_BYTES = 64 * 1024;

type FileProbe = Extract<Probe, { type: "file" }>;

/** File probes of one path answered by one entry: the first one's frame, its digest, whether any wants content. */
export interface FileGroup {
  readonly rep: number;
  readonly hash: FileProbe["hash"];
  readonly content: boolean;
}

/**
 * The entry answering each file probe, by probe index. A probe joins the
 * first group of its path whose digest agrees (or either asks for none), so
 * a path is stat'ed once and hashed once per digest; the group takes content
 * if any member wants it, and each probe's parser reads only what it asked for.
 */
export const groupFileProbes = (probes: readonly Probe[]): ReadonlyMap<number, FileGroup> => {
  const groups = new Map<string, { rep: number; hash: FileProbe["hash"]; content: boolean }[]>();
  const groupOf = new Map<number, FileGroup>();
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
  return groupOf;
};

/** One path's question in a `tend_files` call: its frame, digest and whether it wants content. */
export interface FileCall {
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
export const fileCalls = (files: readonly FileCall[]): ScriptCall[] =>
  batchByBytes(
    files,
    (f) => Buffer.byteLength(shellQuote(f.path)) + String(f.index).length + 16,
    FILE_BATCH_BYTES,
  ).map((b) => ({
    text: shellArgv([
      "tend_files",
      b.map((f) => `${f.index},${f.hash ?? "-"},${f.content ? "1" : "0"} `).join(""),
      ...b.map((f) => f.path),
    ]),
    frames: b.map((f) => f.index),
  }));
