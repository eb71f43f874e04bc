/**
 * Gate names and gate lists are bounded, by one rule for a plan file and
 * for tend_health_checks: a name is at most MAX_GATE_NAME_BYTES of UTF-8
 * (bytes, not characters), a host has at most MAX_GATES_PER_HOST gates in a
 * plan file and MAX_USER_CHECKS from tend_health_checks; a refusal says what
 * was expected and never quotes the (possibly huge) value.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodePlan, describePlanDecodeError } from "../plan/codec.js";
import { PLAN_FORMAT } from "../plan/format.js";
import {
  gateCountProblem,
  type HealthGate,
  MAX_GATE_NAME_BYTES,
  MAX_GATES_PER_HOST,
  MAX_USER_CHECKS,
  userCheckProblem,
} from "./gate.js";
import { HealthGateCodec, HealthGatesCodec } from "./gate-codec.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);

const gate = (name: string): HealthGate => ({
  name,
  origin: "test",
  timeoutSeconds: 5,
  retries: 1,
  backoffMs: 10,
  check: { kind: "file", path: "/etc/motd" },
});
const bytes = (s: string): number => new TextEncoder().encode(s).length;

describe("gate name bounds", () => {
  it("a plan file's gate and a tend_health_checks entry accept the same names: one line of at most 256 UTF-8 bytes", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "grapheme", maxLength: 300 }),
          fc.string({ unit: "binary", minLength: 60, maxLength: 140 }),
          fc.constantFrom(
            "é".repeat(128),
            "é".repeat(129),
            "x".repeat(256),
            "x".repeat(257),
            "😀".repeat(64),
          ),
        ),
        (name) => {
          const inFile = HealthGateCodec.decode(gate(name))._tag === "Right";
          const inInventory = userCheckProblem({ name, command: ["true"] }) === undefined;
          expect(inFile).toBe(inInventory);
          if (bytes(name) > MAX_GATE_NAME_BYTES) expect(inFile).toBe(false);
          if (inFile) expect(/[\n\r]/.test(name)).toBe(false);
        },
      ),
      { numRuns },
    );
  });

  it("counts bytes, not characters: 128 two-byte characters fit, 129 do not", () => {
    expect(HealthGateCodec.decode(gate("é".repeat(128)))._tag).toBe("Right");
    expect(HealthGateCodec.decode(gate("é".repeat(129)))._tag).toBe("Left");
    expect(userCheckProblem({ name: "é".repeat(129), command: ["true"] })).toBe(
      "name: expected a name of at most 256 UTF-8 bytes, got one of 258 bytes",
    );
  });

  it("a plan file with a 20 MB gate name is refused at its JSON path, without quoting the name", () => {
    const plan = {
      format: PLAN_FORMAT,
      hosts: [
        {
          host: "w1",
          status: "ready",
          factsDigest: "x",
          probes: [],
          actions: [],
          resources: [],
          blobs: {},
          summary: { create: 0, update: 0, delete: 0, restart: 0, daemonReload: 0 },
          gates: [gate("A".repeat(20 * 1024 * 1024))],
        },
      ],
    };
    const d = decodePlan(JSON.stringify(plan));
    expect(d._tag).toBe("Left");
    if (d._tag !== "Left") return;
    const message = describePlanDecodeError(d.left, "plan.json");
    expect(message).toContain(
      "plan.json: hosts[0].gates[0].name: expected a name of at most 256 UTF-8 bytes, got one of 20971520 bytes",
    );
    expect(message.length).toBeLessThan(1000);
  });
});

describe("gate count bounds", () => {
  it("a host's gate list in a plan file holds at most 64; the count is checked before any gate is decoded", () => {
    const gates = (n: number) => Array.from({ length: n }, (_, i) => gate(`g${i}`));
    expect(HealthGatesCodec.decode(gates(MAX_GATES_PER_HOST))._tag).toBe("Right");
    const over = HealthGatesCodec.decode([...gates(MAX_GATES_PER_HOST), { not: "a gate" }]);
    expect(over._tag).toBe("Left");
    if (over._tag === "Left")
      expect(over.left.map((e) => e.message)).toEqual(["expected at most 64 health gates per host, got 65"]);
  });

  it("tend_health_checks takes at most half as many, so a plan with every gate a host may have reads back", () => {
    expect(MAX_USER_CHECKS * 2).toBe(MAX_GATES_PER_HOST);
    expect(gateCountProblem(MAX_USER_CHECKS, MAX_USER_CHECKS)).toBeUndefined();
    expect(gateCountProblem(MAX_USER_CHECKS + 1, MAX_USER_CHECKS)).toBe("expected at most 32 checks, got 33");
  });
});
