/**
 * Module registration. A `WorkerModule` names itself, the inventory groups
 * whose hosts it applies to, and declares its resources from a prepared
 * input; a `WorkerRole` is one generation of the roles: its variables (codec
 * and role defaults), how a host's input is prepared, its download surface,
 * and its modules in the order they run. `resourcesForHost` runs whatever is
 * registered; nothing in it names a module.
 */
import type { Declared, ResourceId } from "@tend/core";
import { ipv4Of, resourceId } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import type { HostContext, ModuleInput } from "./context.js";
import { currentChecksumUrls, currentControllerArtifacts } from "./current-downloads.js";
import { type Artifact, type ArtifactOptions, artifactsFor, requiredChecksumUrls } from "./downloads.js";
import type { ModuleError } from "./errors.js";
import { base } from "./modules/base.js";
import { cni } from "./modules/cni.js";
import { containerd } from "./modules/containerd.js";
import { currentBase } from "./modules/current-host.js";
import type { CurrentInput } from "./modules/current-install.js";
import { docker } from "./modules/docker.js";
import { flannel } from "./modules/flannel.js";
import { kubernetesWorker } from "./modules/kubernetes-worker.js";
import { currentKubernetesWorker } from "./modules/kubernetes-worker-current.js";
import { runc } from "./modules/runc.js";
import { DecodedVars, type WorkerVars } from "./vars/codec.js";
import { CurrentDecodedVars, type CurrentVars } from "./vars/current-codec.js";
import { currentRoleDefaults } from "./vars/current-defaults.js";
import { roleDefaults, type VarLayer } from "./vars/defaults.js";
import { bindDeferred } from "./vars/deferred.js";
import { type Generation, type HostVars, isCurrent } from "./vars/host-vars.js";

/** What a module's `resources` is given: the role's prepared input, and what earlier modules declared. */
export interface ModuleContext<I> {
  readonly input: I;
  /** Ids of the resources an earlier module of the same role declared (empty when it did not run or failed). */
  after(module: string): readonly ResourceId[];
}

/** One module: where it applies and what it declares. */
export interface WorkerModule<I> {
  /** Unique within its role, e.g. "docker". */
  readonly name: string;
  /** It runs on hosts in any of these inventory groups (children included). */
  readonly groups: readonly string[];
  resources(ctx: ModuleContext<I>): E.Either<ModuleError[], readonly Declared[]>;
}

/** One generation of the roles, and the modules it registers. */
export interface WorkerRole<V extends HostVars, I> {
  readonly generation: Generation;
  /** Tells this role's variables from another's (a host has exactly one role). */
  owns(vars: HostVars): vars is V;
  /** The variables' codec and the roles' defaults (the lowest variable layer). */
  readonly variables: { readonly codec: t.Mixed; readonly defaults: VarLayer };
  /** The host's input, variables bound to its facts; fails when an address the modules need is missing. */
  prepare(ctx: HostContext & { readonly vars: V }): E.Either<ModuleError[], I>;
  /** Checksum files the controller fetches before planning (passed back as `checksums`). */
  checksumUrls(vars: V): string[];
  /** What the controller caches in download mode "controller". */
  artifacts(vars: V, options: ArtifactOptions): Artifact[];
  /** In the order they run. */
  readonly modules: readonly WorkerModule<I>[];
}

/** `k8s` and its children: every one of them runs flanneld and Docker. */
export const K8S_GROUPS: readonly string[] = ["k8s", "k8s_etcd", "k8s_controller", "k8s_worker"];
const WORKERS: readonly string[] = ["k8s_worker"];

/** Binds deferred values and finds the host's `k8s_interface` address. */
const bindInput = <V extends WorkerVars | CurrentVars>(
  ctx: HostContext & { readonly vars: V },
): E.Either<ModuleError[], Omit<ModuleInput, "vars"> & { readonly vars: V }> => {
  const host = ctx.inventoryHostname;
  const vars = bindDeferred(ctx.vars, {
    ipOf: (iface) => ipv4Of(ctx.facts, iface),
    home: ctx.controllerHome,
  });
  const ip = ipv4Of(ctx.facts, vars.k8s_interface);
  if (ip === undefined)
    return E.left([{ _tag: "MissingInterfaceAddress", host, interface: vars.k8s_interface, neededBy: host }]);
  const { facts, cluster, checksums, cacheDir } = ctx;
  return E.right({ host, vars, facts, ip, cluster, checksums, cacheDir });
};

/** The seed's roles (flanneld, Docker 18.09, kubernetes-worker for 1.17). */
export const seedRole: WorkerRole<WorkerVars, ModuleInput> = {
  generation: "seed",
  owns: (v): v is WorkerVars => !isCurrent(v),
  variables: { codec: DecodedVars, defaults: roleDefaults },
  prepare: bindInput,
  checksumUrls: requiredChecksumUrls,
  artifacts: artifactsFor,
  modules: [
    {
      name: "base-docker",
      groups: K8S_GROUPS,
      resources: ({ input }) =>
        E.map((b: { resources: readonly Declared[] }) => b.resources)(
          base(input, { docker: true, worker: false }),
        ),
    },
    {
      name: "base",
      groups: WORKERS,
      resources: ({ input }) =>
        E.map((b: { resources: readonly Declared[] }) => b.resources)(
          base(input, { docker: false, worker: true }),
        ),
    },
    { name: "flannel", groups: K8S_GROUPS, resources: ({ input }) => flannel(input) },
    {
      name: "docker",
      groups: K8S_GROUPS,
      resources: ({ input, after }) => E.right(docker(input, after("base-docker"))),
    },
    {
      name: "kubernetes-worker",
      groups: WORKERS,
      resources: ({ input, after }) => kubernetesWorker(input, after("base")),
    },
  ],
};

/** The current roles (containerd, runc, CNI, kubernetes-worker 31.0.0+1.34.4): a current host is always a worker. */
export const currentRole: WorkerRole<CurrentVars, CurrentInput> = {
  generation: "current",
  owns: isCurrent,
  variables: { codec: CurrentDecodedVars, defaults: currentRoleDefaults },
  prepare: bindInput,
  checksumUrls: currentChecksumUrls,
  artifacts: (v, options) =>
    options.worker === false ? [] : currentControllerArtifacts(v, options.checksums ?? new Map()),
  modules: [
    { name: "base-current", groups: WORKERS, resources: ({ input }) => E.right(currentBase(input.vars)) },
    { name: "runc", groups: WORKERS, resources: ({ input }) => runc(input) },
    { name: "cni", groups: WORKERS, resources: ({ input }) => cni(input) },
    {
      name: "containerd",
      groups: WORKERS,
      resources: ({ input, after }) => containerd(input, after("runc")),
    },
    {
      name: "kubernetes-worker-current",
      groups: WORKERS,
      resources: ({ input, after }) => currentKubernetesWorker(input, after("base-current")),
    },
  ],
};

/** A role with its variable and input types erased, as the registry holds it. */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds roles of every variables and input type
export type AnyRole = WorkerRole<any, any>;

/** The registered roles; a host's variables belong to exactly one. */
export const roles: readonly AnyRole[] = [currentRole, seedRole];

/** The role a host's variables belong to. */
export const roleOf = (vars: HostVars): AnyRole => roles.find((r) => r.owns(vars)) ?? seedRole;

/** The role's modules that apply to a host in `groups`, in registration order. */
export const modulesFor = <I>(role: WorkerRole<HostVars, I>, groups: readonly string[]): WorkerModule<I>[] =>
  role.modules.filter((m) => m.groups.some((g) => groups.includes(g)));

/** Runs `modules` in order on one input; each sees the ids its earlier modules declared. */
export const runModules = <I>(
  modules: readonly WorkerModule<I>[],
  input: I,
): E.Either<ModuleError[], Declared[]> => {
  const errors: ModuleError[] = [];
  const declared: Declared[] = [];
  const byModule = new Map<string, readonly ResourceId[]>();
  const after = (name: string): readonly ResourceId[] => byModule.get(name) ?? [];
  for (const m of modules) {
    const r = m.resources({ input, after });
    if (E.isLeft(r)) errors.push(...r.left);
    else {
      declared.push(...r.right);
      byModule.set(m.name, r.right.map(resourceId));
    }
  }
  return errors.length > 0 ? E.left(errors) : E.right(declared);
};
