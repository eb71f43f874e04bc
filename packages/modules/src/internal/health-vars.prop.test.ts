/**
 * tend_health_retries, tend_health_backoff and tend_health_timeout: they set
 * how every gate the modules declare waits (both generations), unset they
 * are core's default policy, and no value the codec accepts lets a gate wait
 * longer than MAX_GATE_WAIT_MS in all.
 */
import { DEFAULT_GATE_POLICY } from "@tend/core";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { healthGatesFor } from "./health.js";
import { resourcesForHost } from "./host.js";
import { CURRENT_GROUP_VARS, currentContext } from "./testing/current-cluster.js";
import { SEED_GROUP_VARS, seedContext, varsFor } from "./testing/seed-cluster.js";
import { resolveCurrentVars } from "./vars/current-resolve.js";
import type { VarLayer } from "./vars/defaults.js";
import { gateWaitMs, MAX_GATE_WAIT_MS } from "./vars/health.js";
import { resolveVars } from "./vars/resolve.js";
import { spanMs } from "./vars/types.js";

const HOST_VARS = "host_vars/worker1.yml";

const seedGates = (vars: Record<string, unknown>) => {
  const ctx = seedContext("worker1", {
    vars: varsFor("worker1", [SEED_GROUP_VARS, { origin: HOST_VARS, vars }]),
  });
  const r = resourcesForHost(ctx);
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return healthGatesFor(ctx.vars, "10.8.0.121", r.right);
};

const currentGates = (vars: Record<string, unknown>) => {
  const ctx = currentContext("worker1", [CURRENT_GROUP_VARS, { origin: HOST_VARS, vars }]);
  const r = resourcesForHost(ctx);
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return healthGatesFor(ctx.vars, "10.8.0.121", r.right);
};

const policies = (gates: ReturnType<typeof seedGates>) =>
  new Set(gates.map((g) => JSON.stringify([g.retries, g.backoffMs, g.timeoutSeconds])));

describe("the modules' gates wait as the inventory says", () => {
  it("unset: every gate has core's default policy", () => {
    const gates = seedGates({});
    expect(gates.length).toBeGreaterThanOrEqual(4);
    expect([...policies(gates)]).toEqual([
      JSON.stringify([
        DEFAULT_GATE_POLICY.retries,
        DEFAULT_GATE_POLICY.backoffMs,
        DEFAULT_GATE_POLICY.timeoutSeconds,
      ]),
    ]);
  });

  it.each([
    ["seed", seedGates],
    ["current", currentGates],
  ])(
    "%s generation: every gate (kubelet's included) takes retries, backoff and timeout from the variables",
    (_, gatesOf) => {
      const gates = gatesOf({
        tend_health_retries: "1",
        tend_health_backoff: "250ms",
        tend_health_timeout: "2s",
      });
      expect(gates.map((g) => g.name)).toContain("kubelet healthz");
      expect([...policies(gates)]).toEqual([JSON.stringify([1, 250, 2])]);
    },
  );
});

describe("no accepted value makes a gate wait for hours", () => {
  const layer = (vars: Record<string, unknown>): VarLayer[] => [{ origin: HOST_VARS, vars }];
  const value = fc.oneof(
    fc.integer({ min: -5, max: 1e6 }),
    fc.double({ noNaN: false }),
    fc.constantFrom(
      "infinity",
      "1e9",
      "{{ }}",
      "5min",
      "59s",
      "1min",
      "-1",
      "0",
      "10",
      "9999999999999999999999s",
    ),
    fc.tuple(fc.nat(1000), fc.constantFrom("ms", "s", "min", "h", "d", "")).map(([n, u]) => `${n}${u}`),
  );
  it("each generation either refuses the values, naming the variable and file, or waits at most MAX_GATE_WAIT_MS", () => {
    fc.assert(
      fc.property(value, value, value, (retries, backoff, timeout) => {
        const vars = {
          tend_health_retries: retries,
          tend_health_backoff: backoff,
          tend_health_timeout: timeout,
        };
        for (const resolve of [resolveVars, resolveCurrentVars]) {
          const r = resolve(layer(vars), "worker1");
          if (E.isLeft(r)) {
            for (const e of r.left) {
              expect(e.variable).toMatch(/^tend_health_(retries|backoff|timeout)$/);
              expect(e.origin).toBe(HOST_VARS);
            }
          } else {
            expect(gateWaitMs(r.right)).toBeLessThanOrEqual(MAX_GATE_WAIT_MS);
            expect(r.right.tend_health_timeout).toBeGreaterThanOrEqual(1000);
            expect(r.right.tend_health_timeout % 1000).toBe(0);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("spanMs reads systemd spans by their whole unit", () => {
  it.each<[unknown, number | undefined]>([
    [5, 5000],
    ["500ms", 500],
    ["1min 30s", 90_000],
    ["5min", 300_000],
    ["2 minutes", 120_000],
    ["1h", 3_600_000],
    ["1.5s", 1500],
    ["2usec", 0],
    ["infinity", undefined],
    ["-5s", undefined],
    ["5 parsecs", undefined],
    [-1, undefined],
    [Number.POSITIVE_INFINITY, undefined],
  ])("%s is %s ms", (span, ms) => {
    expect(spanMs(span)).toBe(ms);
  });
});
