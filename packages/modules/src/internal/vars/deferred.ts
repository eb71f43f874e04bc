/**
 * Deferred values: the two things a variable may name that are only known
 * once the host's facts and the controller's home are at hand (the seed's
 * `hostvars[...]['ansible_' + k8s_interface].ipv4.address` and
 * `'~/...' | expanduser`). Resolving variables leaves a marker in the string;
 * `bindDeferred` replaces the markers when the modules run. The marker uses a
 * private-use character that resolving refuses in user input, so a marker can
 * only come from us.
 */
/** U+E000: private use, valid in YAML and JSON, never in a user's value. */
export const MARK = "\uE000";
/** Stands for the controller's home directory (`~`). */
export const HOME_MARKER = `${MARK}home${MARK}`;
/** Stands for the IPv4 address of `iface` on the host being declared. */
export const hostIpMarker = (iface: string): string => `${MARK}ip:${iface}${MARK}`;

const MARKER_RE = new RegExp(`${MARK}(home|ip:[^${MARK}]*)${MARK}`, "g");

/** What binding needs: addresses of the host's interfaces and the controller's home. */
export interface BindEnv {
  readonly ipOf: (iface: string) => string | undefined;
  readonly home: string;
}

/**
 * Replaces markers in every string of `value`. A marker for an interface
 * without an address stays in place, so that only a value some module
 * actually declares turns it into an error (see `unboundInterfaces`).
 */
export const bindDeferred = <A>(value: A, env: BindEnv): A => {
  const bindString = (s: string): string =>
    s.includes(MARK)
      ? s.replace(MARKER_RE, (m, what: string) =>
          what === "home" ? env.home : (env.ipOf(what.slice("ip:".length)) ?? m),
        )
      : s;
  // A value with no marker in it comes back as it is (shared, not copied): most
  // variables of a fleet's hosts are the same group-level values.
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return bindString(v);
    if (Array.isArray(v)) {
      const out = v.map(walk);
      return out.some((x, i) => x !== v[i]) ? out : v;
    }
    if (v !== null && typeof v === "object") {
      const entries = Object.entries(v);
      const bound = entries.map(([k, x]) => [k, walk(x)] as const);
      return bound.some(([, x], i) => x !== entries[i]![1]) ? Object.fromEntries(bound) : v;
    }
    return v;
  };
  return walk(value) as A;
};

/** Interfaces whose address markers are still in `value` (sorted, unique). */
export const unboundInterfaces = (value: unknown): string[] => {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === "string") {
      if (!v.includes(MARK)) return;
      for (const m of v.matchAll(MARKER_RE)) if (m[1]?.startsWith("ip:")) found.add(m[1].slice("ip:".length));
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(value);
  return [...found].sort();
};
