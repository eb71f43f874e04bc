/**
 * The health gates the modules declare for a host: what must answer after
 * an apply before a rollout counts the host as done. Derived from the
 * services the host's resources run and the variables that set their ports,
 * so a gate exists exactly when its service is declared:
 * - flanneld: the subnet file exists; its healthz when `healthz-port` is set;
 * - docker: `GET /_ping` on its unix socket answers 200;
 * - kubelet: `/healthz` on its healthz port (10248 unless set);
 * - kube-proxy: its healthz (10256 unless set);
 * - containerd (current generation): `ctr version` answers on its socket.
 * How long each waits is the host's `tend_health_retries`, `tend_health_backoff`
 * and `tend_health_timeout` (core's default policy when unset).
 */
import { posix } from "node:path";
import { type HealthGate, isGateHost, type Resource, resourceId } from "@tend/core";
import { bindDeferred } from "./vars/deferred.js";
import { gatePolicyOf, type HealthVars } from "./vars/health.js";

const record = (v: unknown): Readonly<Record<string, unknown>> =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

const text = (v: unknown, fallback: string): string =>
  typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : fallback;

/** `host:port` → host and port; an address that is not concrete (unbound, 0.0.0.0) answers on 127.0.0.1. */
const local = (address: string): string =>
  address === "" || address === "0.0.0.0" || address === "::" || address.includes("{")
    ? "127.0.0.1"
    : address;

/**
 * The healthz URL of a service bound to `address`:`port`, built from parsed
 * parts: an address that is no host name or IP literal answers on
 * 127.0.0.1, a port that is no port is `fallback`; so whatever the
 * variables hold, the gate's URL is a plain http URL (never an option, never
 * with whitespace or a user).
 */
const healthzUrl = (address: string, port: string, fallback: string): string => {
  // A fleet's hosts ask for the same few URLs (the same address and port variables); parsing one
  // costs a URL each time. Pure, so a small table answers, bounded for a long-lived process.
  const key = JSON.stringify([address, port, fallback]);
  let url = healthzUrls.get(key);
  if (url === undefined) {
    url = parseHealthzUrl(address, port, fallback);
    if (healthzUrls.size >= 256) healthzUrls.clear();
    healthzUrls.set(key, url);
  }
  return url;
};
const healthzUrls = new Map<string, string>();

const parseHealthzUrl = (address: string, port: string, fallback: string): string => {
  const bare = local(address).replace(/^\[(.*)\]$/, "$1");
  const host = isGateHost(bare) ? (bare.includes(":") ? `[${bare}]` : bare) : "127.0.0.1";
  const n = /^\d{1,5}$/.test(port) ? Number(port) : 0;
  return new URL(`http://${host}:${n >= 1 && n <= 65535 ? n : fallback}/healthz`).href;
};

/** A path a service reads relative to its working directory (/), as an absolute one; `fallback` for one with NUL. */
const absolute = (path: string, fallback: string): string =>
  path.includes("\0") ? fallback : posix.resolve("/", path);

/** The decoded health variables among `v` (resolveVars made them numbers; anything else is unset). */
const numbers = (v: Readonly<Record<string, unknown>>): Partial<HealthVars> => {
  const out: Partial<Record<keyof HealthVars, number>> = {};
  for (const k of ["tend_health_retries", "tend_health_backoff", "tend_health_timeout"] as const) {
    const n = v[k];
    if (typeof n === "number" && Number.isFinite(n)) out[k] = n;
  }
  return out;
};

const splitHostPort = (hp: string, port: string): [string, string] => {
  const i = hp.lastIndexOf(":");
  return i > 0 && /^\d+$/.test(hp.slice(i + 1)) ? [hp.slice(0, i), hp.slice(i + 1)] : [hp, port];
};

const socketOf = (dockerHost: unknown): string => {
  const first = Array.isArray(dockerHost)
    ? dockerHost.find((h) => String(h).startsWith("unix://"))
    : dockerHost;
  const h = text(first, "unix:///var/run/docker.sock");
  return h.startsWith("unix://")
    ? absolute(h.slice("unix://".length), "/var/run/docker.sock")
    : "/var/run/docker.sock";
};

/** The variables healthGatesFor reads. */
const GATE_VARIABLES = [
  "tend_health_retries",
  "tend_health_backoff",
  "tend_health_timeout",
  "flannel_settings",
  "dockerd_settings",
  "k8s_worker_kubelet_conf_yaml",
  "k8s_worker_kubeproxy_conf_yaml",
] as const;

/**
 * The gates of a host whose resolved variables are `vars`, whose address on
 * k8s_interface is `ip` (undefined when unknown) and whose declared
 * resources are `resources`.
 */
export const healthGatesFor = (
  vars: unknown,
  ip: string | undefined,
  resources: readonly Resource[],
  home = "/root",
): HealthGate[] => {
  // Only the variables read below are bound (the same values as binding them all).
  const all = record(vars);
  const v: Record<string, unknown> = {};
  for (const k of GATE_VARIABLES) v[k] = bindDeferred(all[k], { ipOf: () => ip, home });
  const has = new Set(resources.map(resourceId));
  const policy = gatePolicyOf(numbers(v));
  const gate = (name: string, origin: string, service: string, check: HealthGate["check"]): HealthGate => ({
    name,
    origin,
    service,
    ...policy,
    check,
  });
  const out: HealthGate[] = [];
  if (has.has("service[flanneld]")) {
    const s = record(v.flannel_settings);
    out.push(
      gate("flanneld subnet file", "flannel", "flanneld.service", {
        kind: "file",
        path: absolute(text(s["subnet-file"], "/run/flannel/subnet.env"), "/run/flannel/subnet.env"),
      }),
    );
    const port = text(s["healthz-port"], "0");
    if (port !== "0")
      out.push(
        gate("flanneld healthz", "flannel", "flanneld.service", {
          kind: "http",
          url: healthzUrl(text(s["healthz-ip"], ""), port, "8471"),
          status: 200,
        }),
      );
  }
  if (has.has("service[docker]"))
    out.push(
      gate("docker ping", "docker", "docker.service", {
        kind: "unix-http",
        socket: socketOf(record(v.dockerd_settings).host),
        path: "/_ping",
        status: 200,
      }),
    );
  if (has.has("service[containerd]"))
    out.push(
      gate("containerd answers", "containerd", "containerd.service", {
        kind: "command",
        argv: ["ctr", "version"],
      }),
    );
  if (has.has("service[kubelet]")) {
    const k = record(v.k8s_worker_kubelet_conf_yaml);
    // healthzPort 0 turns the kubelet's healthz off: no gate to wait for.
    if (text(k.healthzPort, "10248") !== "0")
      out.push(
        gate("kubelet healthz", "kubernetes-worker", "kubelet.service", {
          kind: "http",
          url: healthzUrl(text(k.healthzBindAddress, ""), text(k.healthzPort, "10248"), "10248"),
          status: 200,
        }),
      );
  }
  if (has.has("service[kube-proxy]")) {
    const [host, port] = splitHostPort(
      text(record(v.k8s_worker_kubeproxy_conf_yaml).healthzBindAddress, ""),
      "10256",
    );
    out.push(
      gate("kube-proxy healthz", "kubernetes-worker", "kube-proxy.service", {
        kind: "http",
        url: healthzUrl(host, port, "10256"),
        status: 200,
      }),
    );
  }
  return out;
};
