/**
 * resolveCurrentVars: a current-generation host's variable layers → its
 * decoded `CurrentVars`, or every problem found. The same steps as the
 * seed's `resolveVars` (layers over the defaults, unknown names with a
 * suggestion, `{{ }}` interpolation, decoding, `*_settings_user` merged),
 * over the current roles' defaults and codec.
 */
import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import type { VarError } from "../errors.js";
import { CurrentDecodedVars, type CurrentVars } from "./current-codec.js";
import { CURRENT_PREFIXES, currentOptionalVariables, currentRoleDefaults } from "./current-defaults.js";
import type { VarLayer } from "./defaults.js";
import { Interpolator } from "./interpolate.js";
import { combine, connectionVariables } from "./resolve.js";
import { suggest } from "./suggest.js";

/** Every variable name the current modules understand. */
export const currentKnownVariables: ReadonlySet<string> = new Set([
  ...Object.keys(currentRoleDefaults.vars),
  ...currentOptionalVariables,
]);

const isOurs = (name: string): boolean =>
  CURRENT_PREFIXES.some((p) => name.startsWith(p)) && !connectionVariables.has(name);

/** Path of a failing value below its variable: `containerd_service_settings.Restart`. */
const pathOf = (context: t.Context): string =>
  context
    .slice(1)
    .reduce(
      (out, e) => (out === "" ? e.key : /^\d+$/.test(e.key) ? `${out}[${e.key}]` : `${out}.${e.key}`),
      "",
    );

/** Resolves a current-generation host's variables; `layers` lowest precedence first. */
export const resolveCurrentVars = (
  layers: readonly VarLayer[],
  host: string,
): E.Either<VarError[], CurrentVars> => {
  const values = new Map<string, unknown>();
  const origins = new Map<string, string>();
  const errors: VarError[] = [];
  for (const layer of [currentRoleDefaults, ...layers]) {
    for (const [name, value] of Object.entries(layer.vars)) {
      values.set(name, value);
      origins.set(name, layer.origin);
      if (layer !== currentRoleDefaults && isOurs(name) && !currentKnownVariables.has(name)) {
        errors.push({
          _tag: "UnknownVariable",
          variable: name,
          origin: layer.origin,
          host,
          suggestion: suggest(name, currentKnownVariables),
        });
      }
    }
  }
  const interpolator = new Interpolator({
    host,
    lookup: (name) =>
      values.has(name) ? { value: values.get(name), origin: origins.get(name) ?? "" } : undefined,
    names: () => values.keys(),
  });
  const raw: Record<string, unknown> = {};
  const failed = new Set<string>();
  for (const name of currentKnownVariables) {
    const r = interpolator.resolve(name);
    if (r.ok) raw[name] = r.value;
    else failed.add(name);
  }
  errors.push(...interpolator.errors);
  const decoded = CurrentDecodedVars.decode(raw);
  if (E.isLeft(decoded)) {
    for (const e of decoded.left) {
      const top = e.context[1]?.key ?? "";
      if (failed.has(top)) continue;
      const leaf = e.context[e.context.length - 1]?.type.name ?? "a valid value";
      errors.push({
        _tag: "BadValue",
        variable: pathOf(e.context),
        origin: origins.get(top) ?? currentRoleDefaults.origin,
        host,
        expected: e.message ? `${leaf} (${e.message})` : leaf,
        actual: e.value,
      });
    }
  }
  if (errors.length > 0 || E.isLeft(decoded)) return E.left(errors);
  const { k8s_worker_kubelet_settings_user, k8s_worker_kubeproxy_settings_user, ...d } = decoded.right;
  return E.right({
    ...d,
    k8s_worker_kubelet_settings: combine(d.k8s_worker_kubelet_settings, k8s_worker_kubelet_settings_user),
    k8s_worker_kubeproxy_settings: combine(
      d.k8s_worker_kubeproxy_settings,
      k8s_worker_kubeproxy_settings_user,
    ),
  });
};
