/**
 * A host's variables in either role generation: which generation its
 * inventory speaks (docs/SPEC-current.md "Which generation a host gets"),
 * the resolver of that generation, and the version-aware checks of the
 * settings against the chosen releases. This is what the CLI calls.
 */
import * as E from "fp-ts/lib/Either.js";
import type { VarError } from "../errors.js";
import type { WorkerVars } from "./codec.js";
import type { CurrentVars } from "./current-codec.js";
import { currentRoleDefaults, isCurrentOnly, isSeedOnly } from "./current-defaults.js";
import { resolveCurrentVars } from "./current-resolve.js";
import { roleDefaults, type VarLayer } from "./defaults.js";
import { checkWorkerSettings, containerdConfigProblem, type SettingProblem } from "./flags.js";
import { resolveVars } from "./resolve.js";

/** A host's resolved variables: the seed's generation or the current roles'. */
export type HostVars = WorkerVars | CurrentVars;

/** The role generations tend covers. */
export type Generation = "seed" | "current";

/** The variable that names the generation outright. */
export const GENERATION_VARIABLE = "tend_worker_generation";

/** True for a host of the current roles' generation. */
export const isCurrent = (v: HostVars): v is CurrentVars =>
  (v as { readonly tend_worker_generation?: unknown }).tend_worker_generation === "current";

const lastSetting = (layers: readonly VarLayer[], pick: (name: string) => boolean) => {
  for (const layer of [...layers].reverse()) {
    const name = Object.keys(layer.vars).find(pick);
    if (name !== undefined) return { name, origin: layer.origin };
  }
  return undefined;
};

/**
 * The generation a host's layers speak: `tend_worker_generation` when set,
 * else current when a current-only variable is set, else the seed's. Both
 * generations' own variables at once, without the explicit choice, is an error.
 */
export const generationOf = (layers: readonly VarLayer[], host: string): E.Either<VarError[], Generation> => {
  const explicit = lastSetting(layers, (n) => n === GENERATION_VARIABLE);
  if (explicit) {
    const layer = layers.find((l) => l.origin === explicit.origin);
    const value = layer?.vars[GENERATION_VARIABLE];
    if (value === "seed" || value === "current") return E.right(value);
    return E.left([
      {
        _tag: "BadValue",
        variable: GENERATION_VARIABLE,
        origin: explicit.origin,
        host,
        expected: '"seed" or "current"',
        actual: value,
      },
    ]);
  }
  const current = lastSetting(layers, isCurrentOnly);
  if (!current) return E.right("seed");
  const seed = lastSetting(layers, isSeedOnly);
  if (!seed) return E.right("current");
  return E.left([
    {
      _tag: "MixedGenerations",
      variable: seed.name,
      origin: seed.origin,
      host,
      other: current.name,
      otherOrigin: current.origin,
    },
  ]);
};

/** Where the key of a settings map was set: the `_user` map wins, as in the merge. */
const originOfKey = (
  layers: readonly VarLayer[],
  variable: string,
  key: string,
  fallback: string,
): string => {
  const has = (l: VarLayer, name: string) => {
    const m = l.vars[name];
    return m !== null && typeof m === "object" && Object.hasOwn(m, key);
  };
  const reversed = [...layers].reverse();
  return (
    reversed.find((l) => has(l, `${variable}_user`))?.origin ??
    reversed.find((l) => has(l, variable))?.origin ??
    fallback
  );
};

const settingErrors = (
  problems: readonly SettingProblem[],
  layers: readonly VarLayer[],
  host: string,
  fallback: string,
): VarError[] =>
  problems.map((p) => {
    const top = p.variable.slice(0, p.variable.length - p.key.length - 1);
    return {
      _tag: "UnsupportedSetting",
      variable: p.variable,
      origin: originOfKey(layers, top, p.key, fallback),
      host,
      message: p.message,
    };
  });

const withoutGeneration = (layers: readonly VarLayer[]): VarLayer[] =>
  layers.map((l) =>
    Object.hasOwn(l.vars, GENERATION_VARIABLE)
      ? {
          origin: l.origin,
          vars: Object.fromEntries(Object.entries(l.vars).filter(([k]) => k !== GENERATION_VARIABLE)),
        }
      : l,
  );

const checkSeed = (
  v: WorkerVars,
  layers: readonly VarLayer[],
  host: string,
): E.Either<VarError[], HostVars> => {
  const problems = checkWorkerSettings({
    release: v.k8s_release,
    releaseVar: "k8s_release",
    kubelet: v.k8s_worker_kubelet_settings,
    kubeProxy: v.k8s_worker_kubeproxy_settings,
    kubeProxyConf: v.k8s_worker_kubeproxy_conf_yaml,
  });
  const errors = settingErrors(problems, layers, host, roleDefaults.origin);
  return errors.length > 0 ? E.left(errors) : E.right(v);
};

const checkCurrent = (
  v: CurrentVars,
  layers: readonly VarLayer[],
  host: string,
): E.Either<VarError[], HostVars> => {
  const fallback = currentRoleDefaults.origin;
  const errors = settingErrors(
    checkWorkerSettings({
      release: v.k8s_worker_release,
      releaseVar: "k8s_worker_release",
      kubelet: v.k8s_worker_kubelet_settings,
      kubeProxy: v.k8s_worker_kubeproxy_settings,
      kubeProxyConf: v.k8s_worker_kubeproxy_conf_yaml,
    }),
    layers,
    host,
    fallback,
  );
  const toml = containerdConfigProblem(v.containerd_version, v.containerd_config);
  if (toml) {
    const origin = lastSetting(layers, (n) => n === "containerd_config")?.origin ?? fallback;
    errors.push({ _tag: "UnsupportedSetting", variable: "containerd_config", origin, host, message: toml });
  }
  return errors.length > 0 ? E.left(errors) : E.right(v);
};

/**
 * Resolves a host's variables in the generation its layers speak (lowest
 * precedence first), then checks its settings against the chosen releases.
 */
export const resolveHostVars = (
  layers: readonly VarLayer[],
  host: string,
): E.Either<VarError[], HostVars> => {
  const generation = generationOf(layers, host);
  if (E.isLeft(generation)) return generation;
  if (generation.right === "current") {
    const v = resolveCurrentVars(layers, host);
    return E.isLeft(v) ? v : checkCurrent(v.right, layers, host);
  }
  const stripped = withoutGeneration(layers);
  const v = resolveVars(stripped, host);
  return E.isLeft(v) ? v : checkSeed(v.right, stripped, host);
};
