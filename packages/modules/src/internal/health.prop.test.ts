/**
 * The modules' health gates under hostile variables: whatever strings
 * flannel_settings, dockerd_settings and the kubelet and kube-proxy
 * configuration hold, every gate is well-formed data: an http gate's URL is
 * a parsed http URL in its own spelling on a host name or IP literal, a
 * socket and a file are absolute paths, and no value carries a NUL or starts
 * with "-" (where a tool would read an option); and a plan file holding
 * the gate reads it back.
 */
import { HealthGateCodec, isGateHost, type Resource } from "@tend/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { healthGatesFor } from "./health.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);

const hostile = fc.oneof(
  fc.string(),
  fc.constantFrom(
    "-e/bin/sh",
    "a b",
    "x\ny",
    "[::1]",
    "::1",
    "0.0.0.0",
    "evil@host",
    "h/../x",
    "\0",
    "{{ x }}",
  ),
  fc
    .tuple(fc.constantFrom("-", "/", "http://", "unix://", "unix://-", ":", "@"), fc.string())
    .map(([a, b]) => a + b),
  fc.integer({ min: -1, max: 70000 }),
);

const services: Resource[] = ["flanneld", "docker", "containerd", "kubelet", "kube-proxy"].map((name) => ({
  kind: "service",
  name,
  props: {},
}));

const isAbsPlain = (p: string) => p.startsWith("/") && !p.includes("\0");

describe("modules' health gates under hostile variables", () => {
  it("every gate is well-formed: a parsed http URL on a host name or IP, absolute socket and file paths, no option-like value", () => {
    fc.assert(
      fc.property(
        fc.record({
          flannel_settings: fc.record({
            "subnet-file": hostile,
            "healthz-ip": hostile,
            "healthz-port": hostile,
          }),
          dockerd_settings: fc.record({ host: fc.oneof(hostile, fc.array(hostile, { maxLength: 3 })) }),
          k8s_worker_kubelet_conf_yaml: fc.record({ healthzBindAddress: hostile, healthzPort: hostile }),
          k8s_worker_kubeproxy_conf_yaml: fc.record({ healthzBindAddress: hostile }),
        }),
        fc.option(hostile.map(String), { nil: undefined }),
        (vars, ip) => {
          for (const g of healthGatesFor(vars, ip, services)) {
            const c = g.check;
            const why = JSON.stringify(g);
            // A plan file keeps the gates: what tend writes there, it reads back (tend apply PLAN --batch).
            expect(HealthGateCodec.decode(JSON.parse(JSON.stringify(g)))._tag, why).toBe("Right");
            if (c.kind === "http") {
              expect(URL.canParse(c.url), why).toBe(true);
              const u = new URL(c.url);
              expect(u.protocol, why).toBe("http:");
              expect(u.href, why).toBe(c.url);
              expect(u.username + u.password, why).toBe("");
              const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
              expect(isGateHost(host), why).toBe(true);
            } else if (c.kind === "unix-http") {
              expect(isAbsPlain(c.socket), why).toBe(true);
            } else if (c.kind === "file") {
              expect(isAbsPlain(c.path), why).toBe(true);
            } else if (c.kind === "command") {
              expect(c.argv, why).toEqual(["ctr", "version"]);
            }
          }
        },
      ),
      { numRuns },
    );
  });
});
