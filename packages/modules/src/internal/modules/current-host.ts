/**
 * The current generation's host basics (swap, kernel, sysctls,
 * `k8s_worker_os_packages`); the registry (registry.ts) runs them first, then
 * runc, the CNI plugins, containerd (after runc) and the worker (after these
 * basics). Merging and the unbound-address check are host.ts's, as for the seed.
 */
import { type Declared, resourceId } from "@tend/core";
import { declarer } from "../context.js";
import type { CurrentVars } from "../vars/current-codec.js";

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
