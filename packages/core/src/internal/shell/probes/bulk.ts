/**
 * Bulk probes of apt packages and archive manifests: one `dpkg-query` for all
 * packages of a call, one `sha256sum` (through xargs) for all members of all
 * manifests of a call, instead of a few processes per package and one per
 * member. Each frame says exactly what the single-probe function would
 * (tend_pkg_apt, tend_manifest in system.ts), which stays the fallback.
 */
import type { Probe } from "../../probe.js";
import { sh } from "../frame.js";
import { shellArgv } from "../quote.js";
import { batchByBytes, type ScriptCall } from "./batch.js";

/**
 * The bulk functions of the probe prelude (starting with a newline, ending
 * without one). They rely on SYSTEM_FUNCTIONS (tend_manifest), the frame
 * functions and HASH_CACHE_FUNCTIONS (tend_sha256).
 */
export const BULK_FUNCTIONS = sh`
# Frames for many apt packages from one dpkg-query: $1 their frame indices
# (space-separated), the rest their names, plain package names only (which
# dpkg-query matches as themselves). Like tend_pkg_apt, a frame gives the
# first line of its name, in dpkg's order, whose status is "install ok installed".
tend_pkgs_apt() {
  tend_ix=$1; shift
  dpkg-query -W -f '\${Package} \${Status} \${Version}\n' -- "$@" > "$T/pkgs" 2>/dev/null
  for tend_p; do
    tend_n=\${tend_ix%% *}; tend_ix=\${tend_ix#* }
    printf '%s begin %s\n' "$B" "$tend_n"
    while IFS= read -r tend_l; do
      case $tend_l in "$tend_p install ok installed "*)
        printf 'version %s\n' "\${tend_l#"$tend_p install ok installed "}"; break ;;
      esac
    done < "$T/pkgs"
    printf '\n%s end %s\n' "$B" "$tend_n"
  done
}
# Frames for many manifests with one sha256sum for the members of them all:
# $1 their frame indices (space-separated), the rest their paths. A member
# line is what tend_manifest's sed takes ('<64 hex>  /<path>'), read with
# builtins; a member that is a readable regular file is listed (NUL-ended)
# for sha256sum (through the hash cache, tend_sha256), whose lines come back
# in list order (only their digest is read; a name sha256sum escapes is still
# one line). If the hash run fails
# or falls short (a member vanished or changed between the steps), every
# manifest is answered by tend_manifest alone.
tend_manifests() {
  tend_ix=$1; shift
  tend_hx=[0123456789abcdef]; tend_i=0
  while [ "$tend_i" -lt 6 ]; do tend_hx=$tend_hx$tend_hx; tend_i=$((tend_i + 1)); done
  for tend_p; do
    if [ ! -f "$tend_p" ]; then echo a >&6; continue; fi
    if [ ! -r "$tend_p" ]; then echo d >&6; continue; fi
    echo m >&6
    while IFS= read -r tend_l || [ -n "$tend_l" ]; do
      case $tend_l in
        $tend_hx"  /"*)
          tend_m=\${tend_l#$tend_hx"  "}
          if [ -f "$tend_m" ] && [ -r "$tend_m" ]; then echo h >&6; printf '%s\0' "$tend_m" >&5; else echo - >&6; fi ;;
      esac
    done < "$tend_p"
    echo e >&6
  done 5> "$T/ml" 6> "$T/mspec"
  tend_ok=1
  : > "$T/mh"
  if [ -s "$T/ml" ]; then tend_sha256 "$T/ml" "$T/mh" || tend_ok=; fi
  if [ -n "$tend_ok" ]; then {
    tend_s=$tend_ix
    for tend_p; do
      tend_n=\${tend_s%% *}; tend_s=\${tend_s#* }
      IFS= read -r tend_t <&3 || { tend_ok=; break; }
      printf '%s begin %s\n' "$B" "$tend_n"
      case $tend_t in
        a) echo 'absent' ;;
        d) tend_denied "$tend_p" ;;
        *) printf 'text '; base64 -w0 < "$tend_p"; echo
          while IFS= read -r tend_t <&3 && [ "$tend_t" != e ]; do
            if [ "$tend_t" = h ]; then
              IFS= read -r tend_hl <&4 || { tend_ok=; break 2; }
              tend_hl=\${tend_hl#\\}; printf 'have %s\n' "\${tend_hl%% *}"
            else echo 'have -'
            fi
          done ;;
      esac
      printf '\n%s end %s\n' "$B" "$tend_n"
    done > "$T/mr"
    # Every digest was read: none is left over, as for a member list that changed between the steps.
    if [ -n "$tend_ok" ] && IFS= read -r tend_hl <&4; then tend_ok=; fi
  } 3< "$T/mspec" 4< "$T/mh"; fi
  if [ -n "$tend_ok" ]; then cat "$T/mr"; return 0; fi
  for tend_p; do
    tend_n=\${tend_ix%% *}; tend_ix=\${tend_ix#* }
    tend_frame "$tend_n" tend_manifest "$tend_p"
  done
}`;

/** Debian package names (policy 5.6.1): what dpkg-query matches as itself, no glob or arch qualifier. */
const PLAIN_PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;

/** Whether an apt package may go in a `tend_pkgs_apt` call (see PLAIN_PACKAGE). */
export const isBatchedPackage = (name: string): boolean => name.length < 256 && PLAIN_PACKAGE.test(name);

/** The bulk call a probe may join (`pkgs`: tend_pkgs_apt, `manifests`: tend_manifests) and its word there. */
export const bulkFamily = (
  p: Probe,
): { readonly kind: "pkgs" | "manifests"; readonly word: string } | undefined => {
  if (p.type === "package" && p.manager === "apt" && isBatchedPackage(p.name))
    return { kind: "pkgs", word: p.name };
  if (p.type === "manifest") return { kind: "manifests", word: p.path };
  return undefined;
};

/** Names or paths per bulk call are capped by bytes, well under the one-argument limit. */
const BULK_BATCH_BYTES = 16 * 1024;

/** One question in a bulk call: its frame and its word (a package name or a manifest path). */
export interface BulkCall {
  readonly index: number;
  readonly word: string;
}

/** `<fn> '<i> <j> …' <word> <word> …`, split so no call passes BULK_BATCH_BYTES. */
export const bulkCalls = (fn: "tend_pkgs_apt" | "tend_manifests", items: readonly BulkCall[]): ScriptCall[] =>
  batchByBytes(
    items,
    (u) => Buffer.byteLength(u.word) * 4 + String(u.index).length + 4,
    BULK_BATCH_BYTES,
  ).map((b) => ({
    text: shellArgv([fn, b.map((u) => u.index).join(" "), ...b.map((u) => u.word)]),
    frames: b.map((u) => u.index),
  }));
