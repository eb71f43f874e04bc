/**
 * The rollout variables under junk and hostile values: `tend_rollout_order`
 * and `tend_health_checks` never throw; each problem names its variable and
 * layer with a message free of JavaScript value names; an accepted order
 * names only groups of the inventory, once each; and every accepted gate is
 * well-formed data (a tcp host is a host name or IP literal, an http URL a
 * parsed http(s) URL in its own spelling, a command a non-empty argv).
 */
import { isGateHost } from "@tend/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Inventory } from "./inventory/index.js";
import { CHECKS_VARIABLE, ORDER_VARIABLE, rolloutVarsOf } from "./rollout-vars.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);

const GROUPS = ["all", "k8s", "k8s_etcd", "k8s_controller", "k8s_worker", "ungrouped"];
const inventory = {
  path: "inventory.yml",
  hosts: ["worker1"],
  groups: new Map(GROUPS.map((g) => [g, { name: g }])),
  hostVars: new Map(),
  hostVarLines: new Map(),
} as unknown as Inventory;

const hostile = fc.oneof(
  fc.string(),
  fc.constantFrom("-e/bin/sh", "k8s_worker", "k8s_etcd", "$(id)", "a\nb", "\0", "http://x/[1-9]", "::1"),
);
const junk = fc.oneof(hostile, fc.integer(), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 2 }));
const checkArb = fc.oneof(
  junk,
  fc.record({ name: hostile, http: hostile }, { requiredKeys: [] }),
  fc.record(
    { name: hostile, http: fc.webUrl(), status: fc.oneof(fc.integer(), junk) },
    { requiredKeys: ["name", "http"] },
  ),
  fc.record(
    { name: hostile, tcp: fc.oneof(fc.integer({ min: -1, max: 70000 }), junk), host: hostile },
    { requiredKeys: ["name", "tcp"] },
  ),
  fc.record({ name: hostile, command: fc.oneof(fc.array(hostile, { maxLength: 3 }), junk) }),
);

describe("rollout variables under hostile values", () => {
  it("never throw; problems are named messages; an order names inventory groups once; gates are well-formed", () => {
    fc.assert(
      fc.property(
        fc.option(fc.oneof(junk, fc.array(fc.oneof(fc.constantFrom(...GROUPS), hostile), { maxLength: 4 })), {
          nil: undefined,
        }),
        fc.option(fc.oneof(junk, fc.array(checkArb, { maxLength: 4 })), { nil: undefined }),
        (order, checks) => {
          const vars = {
            ...(order === undefined ? {} : { [ORDER_VARIABLE]: order }),
            ...(checks === undefined ? {} : { [CHECKS_VARIABLE]: checks }),
          };
          const r = rolloutVarsOf([{ origin: "group_vars/all.yml", vars }], inventory);
          for (const p of r.problems) {
            expect(p.variable.startsWith(ORDER_VARIABLE) || p.variable.startsWith(CHECKS_VARIABLE)).toBe(
              true,
            );
            expect(p.origin).toBe("group_vars/all.yml");
            expect(p.message).not.toMatch(/undefined|\[object Object\]|NaN/);
          }
          if (r.order) {
            expect(r.order.every((g) => GROUPS.includes(g))).toBe(true);
            expect(new Set(r.order).size).toBe(r.order.length);
          }
          for (const g of r.gates) {
            const c = g.check;
            if (c.kind === "tcp") expect(isGateHost(c.host), c.host).toBe(true);
            if (c.kind === "http") {
              expect(["http:", "https:"]).toContain(new URL(c.url).protocol);
              expect(new URL(c.url).href).toBe(c.url);
            }
            if (c.kind === "command") {
              expect(c.argv.length).toBeGreaterThan(0);
              expect(c.argv.some((a) => a.includes("\0"))).toBe(false);
            }
            expect(/[\n\r]/.test(g.name)).toBe(false);
          }
        },
      ),
      { numRuns },
    );
  });
});
