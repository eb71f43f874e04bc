/**
 * Deferred values: the two things a variable may name that are only known
 * once the host's facts and the controller's home are at hand (the seed's
 * `hostvars[...]['ansible_' + k8s_interface].ipv4.address` and
 * `'~/...' | expanduser`). Resolving variables leaves a marker in the string;
 * `bindDeferred` replaces the markers when the modules run. The marker uses a
 * private-use character that resolving refuses in user input, so a marker can
 * only come from us.
 */
import * as E from "fp-ts/lib/Either.js";

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

/** Replaces markers in every string of `value`; Left lists interfaces without an address. */
export const bindDeferred = <A>(value: A, env: BindEnv): E.Either<readonly string[], A> => {
  const missing = new Set<string>();
  const bindString = (s: string): string =>
    s.includes(MARK)
      ? s.replace(MARKER_RE, (_m, what: string) => {
          if (what === "home") return env.home;
          const iface = what.slice("ip:".length);
          const ip = env.ipOf(iface);
          if (ip === undefined) missing.add(iface);
          return ip ?? "";
        })
      : s;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return bindString(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, walk(x)]));
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  const bound = walk(value) as A;
  return missing.size > 0 ? E.left([...missing].sort()) : E.right(bound);
};
