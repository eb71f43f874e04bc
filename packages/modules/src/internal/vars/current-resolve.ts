/**
 * resolveCurrentVars: a current-generation host's variable layers → its
 * decoded `CurrentVars`, or every problem found: the seed's `resolveLayers`
 * over the current roles' defaults and codec, then `*_settings_user` merged.
 */
import * as E from "fp-ts/lib/Either.js";
import type { VarError } from "../errors.js";
import { CurrentDecodedVars, type CurrentVars } from "./current-codec.js";
import { CURRENT_PREFIXES, currentOptionalVariables, currentRoleDefaults } from "./current-defaults.js";
import type { VarLayer } from "./defaults.js";
import { gateWaitProblems } from "./health.js";
import { combine, resolveLayers, type VarScheme } from "./resolve.js";

/** Every variable name the current modules understand. */
export const currentKnownVariables: ReadonlySet<string> = new Set([
  ...Object.keys(currentRoleDefaults.vars),
  ...currentOptionalVariables,
]);

const currentScheme: VarScheme<CurrentDecodedVars> = {
  defaults: currentRoleDefaults,
  known: currentKnownVariables,
  isOurs: (name) => CURRENT_PREFIXES.some((p) => name.startsWith(p)),
  codec: CurrentDecodedVars,
  whyInExpected: true,
  together: gateWaitProblems,
};

/** Resolves a current-generation host's variables; `layers` lowest precedence first. */
export const resolveCurrentVars = (
  layers: readonly VarLayer[],
  host: string,
): E.Either<VarError[], CurrentVars> =>
  E.map(
    ({ k8s_worker_kubelet_settings_user, k8s_worker_kubeproxy_settings_user, ...d }: CurrentDecodedVars) => ({
      ...d,
      k8s_worker_kubelet_settings: combine(d.k8s_worker_kubelet_settings, k8s_worker_kubelet_settings_user),
      k8s_worker_kubeproxy_settings: combine(
        d.k8s_worker_kubeproxy_settings,
        k8s_worker_kubeproxy_settings_user,
      ),
    }),
  )(resolveLayers(currentScheme, layers, host));
