/**
 * Shell scripts the transport runs inside the container through extra execs.
 * Their arguments travel as positional parameters or environment variables,
 * never spliced into the script text, so no quoting is needed.
 */

/** The variable that marks every process of one exec (children inherit it). */
export const EXEC_MARK = "TEND_EXEC_ID";

/**
 * Kills every process carrying `TEND_EXEC_ID=$1` in its environment. The
 * Engine API gives an exec's pid in the engine's pid namespace, which means
 * nothing inside the container (or on a remote engine), so the marker finds
 * the script and everything it started. First all are stopped, so none can
 * fork while the others die, then all are killed; processes started between
 * the passes are caught by the second one.
 */
export const KILL_MARKED_SCRIPT = `mark="${EXEC_MARK}=$1"
marked() {
  for f in /proc/[0-9]*/environ; do
    if tr '\\000' '\\n' < "$f" 2>/dev/null | grep -qxF -- "$mark"; then
      p=\${f#/proc/}; echo "\${p%/environ}"
    fi
  done
}
for p in $(marked); do kill -STOP "$p" 2>/dev/null; done
for p in $(marked); do kill -KILL "$p" 2>/dev/null; done
exit 0`;

/**
 * Second half of an upload: the tar put the content at $TEND_UPLOAD_TMP in
 * the target's directory; give it its mode, then rename it over the target.
 */
export const FINISH_UPLOAD_SCRIPT = `set -e
trap 'rm -f -- "$TEND_UPLOAD_TMP"' EXIT
chmod "$TEND_UPLOAD_MODE" "$TEND_UPLOAD_TMP"
mv -f -- "$TEND_UPLOAD_TMP" "$TEND_UPLOAD_PATH"
trap - EXIT`;
