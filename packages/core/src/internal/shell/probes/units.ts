/**
 * Unit probes: the `tend_unit` and `tend_units` sh functions, which unit
 * names may share one `systemctl show`, and the `tend_units` calls.
 */
import { sh } from "../frame.js";
import { shellArgv } from "../quote.js";
import { batchByBytes, type ScriptCall } from "./batch.js";

/**
 * The unit functions of the probe prelude (starting with a newline, ending
 * without one, so the prelude's parts join as one text).
 */
export const UNIT_FUNCTIONS = sh`
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
}`;

/**
 * Unit names `systemctl show` takes as they are: a unit type suffix, no
 * template without instance, nothing it would mangle. Others go through
 * tend_unit alone, so one odd name cannot fail the batch call.
 */
const BATCHED_UNIT =
  /^[A-Za-z0-9:_.\\-]+(@[A-Za-z0-9:_.\\-]+)?\.(service|socket|target|device|mount|automount|swap|timer|path|slice|scope)$/;

/** Whether a unit may go in a `tend_units` call (see BATCHED_UNIT). */
export const isBatchedUnit = (name: string): boolean => name.length < 256 && BATCHED_UNIT.test(name);

/** Names per `tend_units` call are capped by bytes, well under the one-argument limit. */
const UNIT_BATCH_BYTES = 16 * 1024;

/** One unit's question in a `tend_units` call: its frame and name. */
export interface UnitCall {
  readonly index: number;
  readonly name: string;
}

/** `tend_units '<i> <j> …' <name> <name> …`, split so no call passes UNIT_BATCH_BYTES. */
export const unitCalls = (units: readonly UnitCall[]): ScriptCall[] =>
  batchByBytes(units, (u) => u.name.length + String(u.index).length + 4, UNIT_BATCH_BYTES).map((b) => ({
    text: shellArgv(["tend_units", b.map((u) => u.index).join(" "), ...b.map((u) => u.name)]),
    frames: b.map((u) => u.index),
  }));
