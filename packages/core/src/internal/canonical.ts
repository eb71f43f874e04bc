/** Canonical JSON: below the engine and the targets, so both digest states alike. */

/** JSON with object keys sorted at every level, so equal values digest equally. */
export const canonicalJson = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
