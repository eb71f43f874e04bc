/**
 * resourcesForHost: which registered modules apply to a host (by its role
 * and group membership), run them, and merge what they declare into one list
 * with unique ids.
 */
import { type Resource, resourceId } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import type { HostContext } from "./context.js";
import type { ModuleError } from "./errors.js";
import { type AnyRole, modulesFor, roleOf, runModules } from "./registry.js";
import { unboundInterfaces } from "./vars/deferred.js";

export { K8S_GROUPS } from "./registry.js";

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
 * The resources of one host: the registered modules of its role (registry.ts)
 * whose groups it is in, run in order, then checked and merged. Seed
 * generation: flanneld and Docker go on every host of `k8s` (or its
 * children), the worker on `k8s_worker`. Current generation
 * (docs/SPEC-current.md): runc, CNI, containerd and the worker on
 * `k8s_worker` only. A host in none of them gets none. Deterministic: the
 * same context always yields the same list.
 */
export const resourcesForHost = (ctx: HostContext): E.Either<ModuleError[], Resource[]> => {
  const host = ctx.inventoryHostname;
  const role: AnyRole = roleOf(ctx.vars);
  const modules = modulesFor(role, ctx.groups);
  if (modules.length === 0) return E.right([]);
  const problem = hostNameProblem(host);
  if (problem) return E.left([{ _tag: "InvalidHostName", host, reason: problem }]);
  const input = role.prepare(ctx);
  if (E.isLeft(input)) return input;
  const declared = runModules(modules, input.right);
  return E.isLeft(declared) ? declared : finish(host, declared.right);
};
