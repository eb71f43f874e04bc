/**
 * The current generation's resources of one `k8s_worker` host, in the order
 * the roles run: host basics (swap, kernel, sysctls, `k8s_worker_os_packages`),
 * runc, the CNI plugins, containerd (after runc and the kernel), and the
 * worker (after containerd). Merging and the unbound-address check are the
 * caller's (host.ts), as for the seed.
 */
import { type Declared, ipv4Of, resourceId } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { declarer, type HostContext } from "../context.js";
import type { ModuleError } from "../errors.js";
import type { CurrentVars } from "../vars/current-codec.js";
import { bindDeferred } from "../vars/deferred.js";
import { cni } from "./cni.js";
import { containerd } from "./containerd.js";
import type { CurrentInput } from "./current-install.js";
import { currentKubernetesWorker } from "./kubernetes-worker-current.js";
import { runc } from "./runc.js";

const declare = declarer("@tend/modules/base-current");

/** Swap off, kernel modules, the two pod-network sysctls, and the role's OS packages. */
export const currentBase = (v: CurrentVars): Declared[] => {
  const kmods = [...new Set(v.tend_kernel_modules)].map((m) => declare.kmod(m, {}));
  const brNetfilter = kmods.find((k) => k.name === "br_netfilter");
  return [
    declare.swap("off", {}),
    ...kmods,
    // The key only exists once br_netfilter is loaded.
    declare.sysctl(
      "net.bridge.bridge-nf-call-iptables",
      { value: "1" },
      { deps: brNetfilter ? [resourceId(brNetfilter)] : [] },
    ),
    declare.sysctl("net.ipv4.ip_forward", { value: "1" }),
    ...[...new Set(v.k8s_worker_os_packages)].map((p) => declare.pkg(p, {})),
  ];
};

/** Everything a current-generation worker declares, before merging. */
export const declareCurrentWorker = (
  ctx: HostContext & { readonly vars: CurrentVars },
): E.Either<ModuleError[], Declared[]> => {
  const host = ctx.inventoryHostname;
  const vars = bindDeferred(ctx.vars, {
    ipOf: (iface) => ipv4Of(ctx.facts, iface),
    home: ctx.controllerHome,
  });
  const ip = ipv4Of(ctx.facts, vars.k8s_interface);
  if (ip === undefined)
    return E.left([{ _tag: "MissingInterfaceAddress", host, interface: vars.k8s_interface, neededBy: host }]);
  const input: CurrentInput = {
    host,
    vars,
    facts: ctx.facts,
    ip,
    cluster: ctx.cluster,
    checksums: ctx.checksums,
    cacheDir: ctx.cacheDir,
  };
  const base = currentBase(vars);
  const errors: ModuleError[] = [];
  const declared: Declared[] = [...base];
  const collect = (r: E.Either<ModuleError[], readonly Declared[]>): readonly Declared[] => {
    if (E.isLeft(r)) errors.push(...r.left);
    else declared.push(...r.right);
    return E.isRight(r) ? r.right : [];
  };
  const runcR = collect(runc(input));
  collect(cni(input));
  collect(containerd(input, runcR.map(resourceId)));
  collect(currentKubernetesWorker(input, base.map(resourceId)));
  return errors.length > 0 ? E.left(errors) : E.right(declared);
};
