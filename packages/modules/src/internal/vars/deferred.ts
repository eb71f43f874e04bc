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

/** Sets an own property as Object.fromEntries does (a `__proto__` key too, which `=` would not). */
const own = (o: Record<string, unknown>, k: string, x: unknown): void => {
  if (k === "__proto__")
    Object.defineProperty(o, k, { value: x, enumerable: true, writable: true, configurable: true });
  else o[k] = x;
};

/**
 * Objects and arrays already walked and found without a marker at any depth.
 * Variables are data nobody changes once resolved, and a fleet's hosts share
 * most of them (group values), each walked several times per host (modules,
 * health gates, controller sources): a value found clean is not walked again.
 */
const clean = new WeakSet<object>();

/**
 * Replaces markers in every string of `value`. A marker for an interface
 * without an address stays in place, so that only a value some module
 * actually declares turns it into an error (see `unboundInterfaces`).
 */
export const bindDeferred = <A>(value: A, env: BindEnv): A => {
  // Strings with a marker seen so far, bound or not (one left unbound may bind under another env).
  let marked = 0;
  const bindString = (s: string): string => {
    if (!s.includes(MARK)) return s;
    marked++;
    return s.replace(MARKER_RE, (m, what: string) =>
      what === "home" ? env.home : (env.ipOf(what.slice("ip:".length)) ?? m),
    );
  };
  // A value with no marker in it comes back as it is (shared, not copied): most
  // variables of a fleet's hosts are the same group-level values. So a copy is
  // only started at the first value that changed, and nothing is allocated before.
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return bindString(v);
    if (v === null || typeof v !== "object") return v;
    if (clean.has(v)) return v;
    const before = marked;
    const bound = bindObject(v);
    if (marked === before) clean.add(v);
    return bound;
  };
  const bindObject = (v: object): unknown => {
    if (Array.isArray(v)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const x = walk(v[i]);
        if (out === undefined && x !== v[i]) out = v.slice(0, i);
        out?.push(x);
      }
      return out ?? v;
    }
    const keys = Object.keys(v as object);
    const values = keys.map((k) => (v as Record<string, unknown>)[k]);
    let out: Record<string, unknown> | undefined;
    for (let i = 0; i < keys.length; i++) {
      const x = walk(values[i]);
      if (out === undefined && x !== values[i]) {
        out = {};
        for (let j = 0; j < i; j++) own(out, keys[j]!, values[j]);
      }
      if (out !== undefined) own(out, keys[i]!, x);
    }
    return out ?? v;
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
