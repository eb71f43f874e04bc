/**
 * resourcesForHost: which modules apply to a host (by group membership), run
 * them, and merge what they declare into one list with unique ids.
 */
import { ipv4Of, type Resource, resourceId } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import type { HostContext, ModuleInput } from "./context.js";
import type { ModuleError } from "./errors.js";
import { base } from "./modules/base.js";
import { declareCurrentWorker } from "./modules/current-host.js";
import { docker } from "./modules/docker.js";
import { flannel } from "./modules/flannel.js";
import { kubernetesWorker } from "./modules/kubernetes-worker.js";
import { bindDeferred, unboundInterfaces } from "./vars/deferred.js";
import { isCurrent } from "./vars/host-vars.js";

/** `k8s` and its children: every one of them runs flanneld and Docker. */
export const K8S_GROUPS: readonly string[] = ["k8s", "k8s_etcd", "k8s_controller", "k8s_worker"];

/** Why an inventory host name cannot be used in file names (cert-<host>.pem), or undefined. */
export const hostNameProblem = (host: string): string | undefined => {
  if (host === "" || host === "." || host === "..") return "it is empty, . or ..";
  if (host.includes("/")) return "it contains /";
  // Host names become file names (cert-<host>.pem): no whitespace or control characters.
  if ([...host].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f || /\s/.test(ch))) {
    return "it contains whitespace or control characters";
  }
  return undefined;
};

const stableJson = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );

/**
 * One resource per id: modules may declare the same thing (flanneld and the
 * worker both want /var/lib/kubernetes 0700); identical props merge with
 * their edges united, different props are a conflict.
 */
export const mergeDeclarations = (
  host: string,
  declared: readonly Resource[],
): E.Either<ModuleError[], Resource[]> => {
  const byId = new Map<string, Resource>();
  const order: string[] = [];
  const errors: ModuleError[] = [];
  for (const r of declared) {
    const id = resourceId(r);
    const seen = byId.get(id);
    if (!seen) {
      byId.set(id, r);
      order.push(id);
      continue;
    }
    if (stableJson(seen.props) !== stableJson(r.props)) {
      errors.push({ _tag: "ConflictingResource", host, id, origins: [seen.origin ?? "?", r.origin ?? "?"] });
      continue;
    }
    const union = (a?: readonly string[], b?: readonly string[]) => [
      ...new Set([...(a ?? []), ...(b ?? [])]),
    ];
    const deps = union(seen.deps, r.deps);
    const notify = union(seen.notify, r.notify);
    const origins = [...new Set([...(seen.origin ?? "").split(", "), r.origin ?? ""])].filter(
      (o) => o !== "",
    );
    byId.set(id, {
      ...seen,
      ...(deps.length > 0 ? { deps } : {}),
      ...(notify.length > 0 ? { notify } : {}),
      origin: origins.join(", "),
    });
  }
  return errors.length > 0 ? E.left(errors) : E.right(order.map((id) => byId.get(id)!));
};

/** Declared resources → checked for unbound addresses → merged. */
const finish = (host: string, declared: Resource[]): E.Either<ModuleError[], Resource[]> => {
  // An address that is used but unknown is an error; one no resource uses is not.
  const unbound = unboundInterfaces(declared);
  if (unbound.length > 0) {
    return E.left(
      unbound.map((iface) => ({ _tag: "MissingInterfaceAddress", host, interface: iface, neededBy: host })),
    );
  }
  return mergeDeclarations(host, declared);
};

/**
 * The resources of one host. Seed generation: flanneld and Docker go on
 * every host of `k8s` (or its children), the worker on `k8s_worker`. Current
 * generation (docs/SPEC-current.md): runc, CNI, containerd and the worker on
 * `k8s_worker` only. A host in none of them gets none. Deterministic: the
 * same context always yields the same list.
 */
export const resourcesForHost = (ctx: HostContext): E.Either<ModuleError[], Resource[]> => {
  const host = ctx.inventoryHostname;
  if (isCurrent(ctx.vars)) {
    if (!ctx.groups.includes("k8s_worker")) return E.right([]);
    const bad = hostNameProblem(host);
    if (bad) return E.left([{ _tag: "InvalidHostName", host, reason: bad }]);
    const declared = declareCurrentWorker({ ...ctx, vars: ctx.vars });
    return E.isLeft(declared) ? declared : finish(host, declared.right);
  }
  const inK8s = ctx.groups.some((g) => K8S_GROUPS.includes(g));
  const isWorker = ctx.groups.includes("k8s_worker");
  if (!inK8s) return E.right([]);
  const problem = hostNameProblem(host);
  if (problem) return E.left([{ _tag: "InvalidHostName", host, reason: problem }]);

  const vars = bindDeferred(ctx.vars, {
    ipOf: (iface) => ipv4Of(ctx.facts, iface),
    home: ctx.controllerHome,
  });
  const ip = ipv4Of(ctx.facts, vars.k8s_interface);
  if (ip === undefined) {
    return E.left([{ _tag: "MissingInterfaceAddress", host, interface: vars.k8s_interface, neededBy: host }]);
  }
  const input: ModuleInput = {
    host,
    vars,
    facts: ctx.facts,
    ip,
    cluster: ctx.cluster,
    checksums: ctx.checksums,
    cacheDir: ctx.cacheDir,
  };

  const errors: ModuleError[] = [];
  const declared: Resource[] = [];
  const collect = (r: E.Either<ModuleError[], readonly Resource[]>) => {
    if (E.isLeft(r)) errors.push(...r.left);
    else declared.push(...r.right);
  };
  const b = base(input, { docker: true, worker: isWorker });
  collect(E.map((x: { resources: readonly Resource[] }) => x.resources)(b));
  collect(flannel(input));
  collect(E.right(docker(input, E.isRight(b) ? b.right.dockerAfter : [])));
  if (isWorker) collect(kubernetesWorker(input, E.isRight(b) ? b.right.workerAfter : []));
  if (errors.length > 0) return E.left(errors);
  return finish(host, declared);
};
