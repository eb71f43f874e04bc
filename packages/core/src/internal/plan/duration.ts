/**
 * Durations as people read them, and the type of a report that carries them.
 * The engine has no clock: the caller (the CLI) measures and attaches them,
 * and the renderers show them where present.
 */

/** A value with, possibly, how long it took in milliseconds. */
export type Timed<T> = T & { readonly durationMs?: number };

/**
 * A duration for people: `850ms`, `4.2s`, `2m05s`, `1h02m`. Tenths of a
 * second below a minute, whole seconds below an hour; never more than five
 * or six characters.
 */
export const formatDuration = (ms: number): string => {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  const whole = Math.round(ms);
  if (whole < 1000) return `${whole}ms`;
  // Rounded once, at the unit shown, so 59.96 s reads 1m00s and not 60.0s.
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
  const minutes = Math.round(ms / 60_000);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
};

/** " (4.2s)" for a value that carries a duration, else "". */
export const durationSuffix = (t: { readonly durationMs?: number }): string =>
  t.durationMs === undefined ? "" : ` (${formatDuration(t.durationMs)})`;
