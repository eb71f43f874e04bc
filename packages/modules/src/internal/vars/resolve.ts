/**
 * resolveVars: a host's variable layers → its decoded `WorkerVars`, or every
 * problem found, each naming the variable, the file it came from and the host.
 */
import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import type { VarError } from "../errors.js";
import { DecodedVars, type SettingsUserKey, type WorkerVars } from "./codec.js";
import { OWN_PREFIXES, optionalVariables, roleDefaults, type VarLayer } from "./defaults.js";
import { gateWaitProblems } from "./health.js";
import { Interpolator, type Result } from "./interpolate.js";
import { suggest } from "./suggest.js";

/** Every variable name the modules understand. */
export const knownVariables: ReadonlySet<string> = new Set([
  ...Object.keys(roleDefaults.vars),
  ...optionalVariables,
]);

/**
 * tend_ variables that the CLI reads (how to connect), not the modules: known,
 * so they are not misspellings, but never decoded here.
 */
export const connectionVariables: ReadonlySet<string> = new Set([
  "tend_ssh_host_key_policy",
  // Rollout variables, read and validated by the CLI.
  "tend_rollout_order",
  "tend_health_checks",
]);

/** Names with one of our prefixes: a misspelling of ours when not known. */
const OURS_RE = new RegExp(`^(${OWN_PREFIXES.map((p) => p.replace(/[^A-Za-z0-9_]/g, "")).join("|")})`);

const seedScheme: VarScheme<DecodedVars> = {
  defaults: roleDefaults,
  known: knownVariables,
  isOurs: (name) => OURS_RE.test(name),
  codec: DecodedVars,
  together: gateWaitProblems,
};

const SETTINGS_USER_KEYS: readonly SettingsUserKey[] = [
  "flannel_settings_user",
  "dockerd_settings_user",
  "k8s_worker_kubelet_settings_user",
  "k8s_worker_kubeproxy_settings_user",
];

/** Path of a failing value below its variable: `dockerd_settings_user.mtu`, `etcd_certificates[1]`. */
const pathOf = (context: t.Context): string => {
  let out = "";
  for (const entry of context.slice(1)) {
    if (out === "") out = entry.key;
    else out += /^\d+$/.test(entry.key) ? `[${entry.key}]` : `.${entry.key}`;
  }
  return out;
};

const badValues = (
  errors: t.Errors,
  host: string,
  origins: { get(name: string): string | undefined },
  fallbackOrigin: string,
  whyInExpected: boolean,
): VarError[] =>
  errors.map((e) => {
    const variable = pathOf(e.context);
    const top = e.context[1]?.key ?? variable;
    const leaf = e.context[e.context.length - 1]?.type.name ?? "a valid value";
    return {
      _tag: "BadValue",
      variable,
      origin: origins.get(top) ?? fallbackOrigin,
      host,
      actual: e.value,
      ...(!e.message
        ? { expected: leaf }
        : whyInExpected
          ? { expected: `${leaf} (${e.message})` }
          : { expected: leaf, why: e.message }),
    };
  });

/** What differs between the seed and the current generation's variable resolution. */
export interface VarScheme<A> {
  /** The role defaults, beneath every layer. */
  readonly defaults: VarLayer;
  /** Every variable name the modules understand (decoded, suggested from). */
  readonly known: ReadonlySet<string>;
  /** Names with one of our prefixes: a misspelling of ours when not known. */
  readonly isOurs: (name: string) => boolean;
  readonly codec: t.Decoder<unknown, A>;
  /** A codec's reason goes in `expected` ("X (why)") rather than `why`: the current generation's messages. */
  readonly whyInExpected?: boolean;
  /**
   * Problems of several variables together (each variable decoded alone
   * first); `originOf` is undefined for a variable only the defaults set.
   */
  readonly together?: (a: A, host: string, originOf: (name: string) => string | undefined) => VarError[];
}

/**
 * Interpolated values shared by the hosts whose layers hold the very same
 * variables objects (a fleet's workers: group_vars/all, the group's vars),
 * under one scheme. Keyed by object identity through weak maps: variables
 * are data nobody changes once loaded, and the values go with their layers.
 * Only what resolved without error and without the host's name is shared
 * (see Interpolator).
 */
interface SharedNode {
  readonly next: WeakMap<object, SharedNode>;
  readonly results: WeakMap<object, Map<string, Result>>;
}
const sharedRoot: SharedNode = { next: new WeakMap(), results: new WeakMap() };
const sharedResults = <A>(scheme: VarScheme<A>, layers: readonly VarLayer[]): Map<string, Result> => {
  let node = sharedRoot;
  for (const l of layers) {
    let n = node.next.get(l.vars);
    if (!n) {
      n = { next: new WeakMap(), results: new WeakMap() };
      node.next.set(l.vars, n);
    }
    node = n;
  }
  let results = node.results.get(scheme);
  if (!results) {
    results = new Map();
    node.results.set(scheme, results);
  }
  return results;
};

/**
 * The resolution both generations share: `layers` (lowest precedence first)
 * over `scheme.defaults`, a later layer replacing a variable whole; unknown
 * names with our prefixes reported with a suggestion; every known variable
 * interpolated and decoded, each failure a `BadValue` naming its origin.
 */
export const resolveLayers = <A>(
  scheme: VarScheme<A>,
  layers: readonly VarLayer[],
  host: string,
): E.Either<VarError[], A> => {
  const { defaults, known } = scheme;
  const all = [defaults, ...layers];
  const errors: VarError[] = [];
  // Only names with our prefixes are looked at one by one: a vars file with
  // 100,000 other variables costs a prefix test each, not a copy.
  for (const layer of layers) {
    for (const name of Object.keys(layer.vars)) {
      if (scheme.isOurs(name) && !known.has(name) && !connectionVariables.has(name)) {
        errors.push({
          _tag: "UnknownVariable",
          variable: name,
          origin: layer.origin,
          host,
          suggestion: suggest(name, known),
        });
      }
    }
  }
  const lookup = (name: string) => {
    for (let i = all.length - 1; i >= 0; i--) {
      const l = all[i]!;
      if (Object.hasOwn(l.vars, name)) return { value: l.vars[name], origin: l.origin };
    }
    return undefined;
  };
  const names = () => new Set(all.flatMap((l) => Object.keys(l.vars)));
  const origins = { get: (name: string) => lookup(name)?.origin };
  const interpolator = new Interpolator({ host, lookup, names }, sharedResults(scheme, layers));
  const raw: Record<string, unknown> = {};
  const failed = new Set<string>();
  for (const name of known) {
    const r = interpolator.resolve(name);
    if (r.ok) raw[name] = r.value;
    else failed.add(name);
  }
  errors.push(...interpolator.errors);
  const decoded = scheme.codec.decode(raw);
  if (E.isLeft(decoded)) {
    // A variable that failed to interpolate was already reported; its absence is not a second error.
    const bad = decoded.left.filter((e) => !failed.has(e.context[1]?.key ?? ""));
    errors.push(...badValues(bad, host, origins, defaults.origin, scheme.whyInExpected ?? false));
  }
  if (errors.length > 0 || E.isLeft(decoded)) return E.left(errors);
  const setBy = (n: string) => {
    const o = origins.get(n);
    return o === defaults.origin ? undefined : o;
  };
  const joint = scheme.together?.(decoded.right, host, setBy) ?? [];
  return joint.length > 0 ? E.left(joint) : E.right(decoded.right);
};

/**
 * Ansible's `combine`: the user's keys win, new keys are added. Without a
 * user key it is `base` itself (the same entries, not copied: a fleet's
 * hosts then share their group's map; variables are never changed).
 */
export const combine = (
  base: Readonly<Record<string, string>>,
  user: Readonly<Record<string, string>>,
): Record<string, string> => {
  return Object.keys(user).length > 0 ? { ...base, ...user } : (base as Record<string, string>);
};

/**
 * Resolves a host's variables. `layers` come lowest precedence first (inventory
 * group vars < group_vars/all < group_vars/<group> < host_vars/<host>); the
 * role defaults lie beneath them all. A later layer replaces a variable
 * whole, as Ansible does; `*_settings_user` maps are then merged into their
 * `*_settings`. Variables with our prefixes that we do not know are errors
 * (with a suggestion); others (ansible_*, other roles') are ignored but may
 * be referenced from `{{ }}`.
 */
export const resolveVars = (layers: readonly VarLayer[], host: string): E.Either<VarError[], WorkerVars> =>
  E.map((d: DecodedVars) =>
    withoutUserKeys(d, {
      flannel_settings: combine(d.flannel_settings, d.flannel_settings_user),
      dockerd_settings: combine(d.dockerd_settings, d.dockerd_settings_user),
      k8s_worker_kubelet_settings: combine(d.k8s_worker_kubelet_settings, d.k8s_worker_kubelet_settings_user),
      k8s_worker_kubeproxy_settings: combine(
        d.k8s_worker_kubeproxy_settings,
        d.k8s_worker_kubeproxy_settings_user,
      ),
    }),
  )(resolveLayers(seedScheme, layers, host));

const USER_KEYS: ReadonlySet<string> = new Set(SETTINGS_USER_KEYS);

/**
 * `d` without the `*_settings_user` keys and with `merged` values in place,
 * in `d`'s key order. Built key by key: deleting keys from a copy would turn
 * the object every module reads into a slow dictionary.
 */
const withoutUserKeys = (d: DecodedVars, merged: Partial<WorkerVars>): WorkerVars => {
  const out: Record<string, unknown> = {};
  const src = d as unknown as Record<string, unknown>;
  for (const k of Object.keys(src)) {
    if (USER_KEYS.has(k)) continue;
    out[k] = Object.hasOwn(merged, k) ? (merged as Record<string, unknown>)[k] : src[k];
  }
  for (const [k, v] of Object.entries(merged)) if (!Object.hasOwn(out, k)) out[k] = v;
  return out as WorkerVars;
};
