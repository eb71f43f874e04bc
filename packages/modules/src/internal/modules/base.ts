/**
 * Host basics the other modules rely on: swap off for the kubelet, kernel
 * modules (overlay for Docker's storage driver; IPVS, conntrack and
 * br_netfilter for kube-proxy and pod networking), the two sysctls pod
 * networking needs, and the worker's packages for the host's OS family.
 */
import { type Declared, type ResourceId, resourceId } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { declarer, type ModuleInput } from "../context.js";
import type { ModuleError } from "../errors.js";

const declare = declarer("@tend/modules/base");

/** Worker packages per OS family (the kubernetes-worker role's lists). */
export const WORKER_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  debian: [
    "ebtables",
    "ethtool",
    "ipset",
    "conntrack",
    "iptables",
    "iptstate",
    "netstat-nat",
    "socat",
    "netbase",
  ],
  redhat: ["ebtables", "ethtool", "ipset", "conntrack", "iptables", "iptstate", "net-tools"],
};

/** Storage drivers that need the overlay filesystem. */
const OVERLAY_DRIVERS = new Set(["overlay", "overlay2"]);

/** The base resources and which of them Docker and the worker services wait for. */
export interface BaseResources {
  readonly resources: readonly Declared[];
  readonly dockerAfter: readonly ResourceId[];
  readonly workerAfter: readonly ResourceId[];
}

/** Declares the base of a host that runs Docker (`docker`) and/or is a worker (`worker`). */
export const base = (
  input: ModuleInput,
  roles: { readonly docker: boolean; readonly worker: boolean },
): E.Either<ModuleError[], BaseResources> => {
  const v = input.vars;
  const dockerSide: Declared[] = [];
  if (roles.docker && OVERLAY_DRIVERS.has(v.dockerd_settings["storage-driver"] ?? "")) {
    dockerSide.push(declare.kmod("overlay", {}));
  }
  if (!roles.worker) {
    return E.right({ resources: dockerSide, dockerAfter: dockerSide.map(resourceId), workerAfter: [] });
  }

  const family = input.facts.os.family;
  const packages = WORKER_PACKAGES[family];
  if (!packages) return E.left([{ _tag: "UnsupportedOsFamily", host: input.host, family }]);

  const swap = declare.swap("off", {});
  const kmods = [...new Set(v.tend_kernel_modules)].map((m) => declare.kmod(m, {}));
  const brNetfilter = kmods.find((k) => k.name === "br_netfilter");
  const sysctls = [
    // The key only exists once br_netfilter is loaded.
    declare.sysctl(
      "net.bridge.bridge-nf-call-iptables",
      { value: "1" },
      {
        deps: brNetfilter ? [resourceId(brNetfilter)] : [],
      },
    ),
    declare.sysctl("net.ipv4.ip_forward", { value: "1" }),
  ];
  const pkgs = packages.map((p) => declare.pkg(p, {}));
  const worker = [swap, ...kmods, ...sysctls, ...pkgs];
  return E.right({
    resources: [...dockerSide, ...worker],
    dockerAfter: dockerSide.map(resourceId),
    workerAfter: worker.map(resourceId),
  });
};
