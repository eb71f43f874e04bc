import { describe, expect, it } from "vitest";
import { DEFAULT_GATE_POLICY, type HealthGate } from "../health/gate.js";
import { renderGates } from "./rollout-render.js";

const gate = (name: string): HealthGate => ({
  ...DEFAULT_GATE_POLICY,
  name,
  origin: "test",
  check: { kind: "tcp", host: "127.0.0.1", port: 10250 },
});

describe("the gates a plan shows", () => {
  const gates = new Map(
    Array.from(
      { length: 1000 },
      (_, i) => [`worker${i + 1}`, [gate("kubelet"), gate("kube-proxy")]] as const,
    ),
  );

  it("lists every host's gates when no filter is given", () => {
    const text = renderGates(gates);
    expect(text.split("\n").filter((l) => l.startsWith("  worker"))).toHaveLength(1000);
  });

  it("stays short at 1000 hosts: only hosts with changes one by one, the others counted in one line", () => {
    const text = renderGates(gates, new Set(["worker7"]));
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[1]).toBe("  worker7:");
    expect(lines[4]).toBe("  999 hosts without changes: their own gates as well");
  });

  it("says nothing when no host has a gate", () => {
    expect(renderGates(new Map([["w1", []]]), new Set())).toBe("");
  });
});
