/**
 * Suggestions for misspelt names: the closest known name by edit distance,
 * when it is close enough to be the likely intent.
 */

/** Levenshtein distance (insert, delete, substitute each cost 1). */
export const editDistance = (a: string, b: string): number => {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
};

/**
 * The known name nearest to `name`, if within a third of its length (at least
 * 2 edits), so that "dockerd_setings_user" finds "dockerd_settings_user" while
 * an unrelated name gets no suggestion. Ties go to the alphabetically first.
 */
export const suggest = (name: string, known: Iterable<string>): string | undefined => {
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: { name: string; d: number } | undefined;
  for (const k of [...known].sort()) {
    const d = editDistance(name, k);
    if (d <= limit && (best === undefined || d < best.d)) best = { name: k, d };
  }
  return best?.name;
};
