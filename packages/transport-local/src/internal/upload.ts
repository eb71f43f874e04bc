/**
 * The upload script: stdin goes to a temp file in the target's directory,
 * which gets its mode and is then renamed over the target, so a reader sees
 * the old file or the new one, never a part. Path and mode travel as
 * environment variables, so no shell quoting is involved.
 */

/** Reads the file content on stdin; expects TEND_UPLOAD_PATH and TEND_UPLOAD_MODE. */
export const UPLOAD_SCRIPT = `set -e
dir=$(dirname -- "$TEND_UPLOAD_PATH")
base=$(basename -- "$TEND_UPLOAD_PATH")
tmp=$(mktemp "$dir/.$base.tend-XXXXXX")
trap 'rm -f -- "$tmp"' EXIT
cat > "$tmp"
chmod "$TEND_UPLOAD_MODE" "$tmp"
mv -f -- "$tmp" "$TEND_UPLOAD_PATH"
trap - EXIT`;

/** The environment UPLOAD_SCRIPT expects; the mode must be a permission number (0..0o7777). */
export const uploadEnv = (path: string, mode: number): Record<string, string> => {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777)
    throw new RangeError(`invalid file mode: ${mode}`);
  return { TEND_UPLOAD_PATH: path, TEND_UPLOAD_MODE: mode.toString(8).padStart(4, "0") };
};
