/**
 * A saved plan rolled out as reviewed: `tend plan --out PLAN` keeps each
 * host's health gates in the plan, and `tend apply PLAN --batch` waits for
 * them in the inventory's order, with the same budget, report and rollback
 * as a rollout from the inventory. A plan saved without gates, a gate in a
 * plan file that could steer a command, and a bad rollout variable are
 * refused before any host is contacted.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type HealthGate, MAX_USER_CHECKS } from "@tend/core";
import type { SimHost } from "@tend/core/testing";
import { describe, expect, it } from "vitest";
import { main } from "./index.js";
import {
  gatedHosts,
  inventoryFile,
  motdGatedModules,
  recordingIo,
  simDeps,
  tempDir,
} from "./test-support.js";

const FLEET = [
  "all:",
  "  children:",
  "    k8s_worker:",
  "      hosts:",
  "        w2: {}",
  "        w1: {}",
  "        w3: {}",
  "    k8s_etcd:",
  "      hosts:",
  "        etcd1: {}",
  "",
].join("\n");

/** Modules whose one gate per host is "/etc/motd exists", tried twice. */
const gated = motdGatedModules(1);

const fleet = (unhealthy: readonly string[] = []): Record<string, SimHost> =>
  gatedHosts(["etcd1", "w1", "w2", "w3"], unhealthy);

/** Plans the fleet into a file (with these hosts) and returns its path and the inventory's. */
const savePlan = async (
  hosts: Record<string, SimHost>,
  inv = FLEET,
): Promise<{ file: string; inv: string }> => {
  const inventory = inventoryFile("hosts.yml", inv);
  const file = join(tempDir("plan-"), "plan.json");
  const io = recordingIo();
  const code = await main(["plan", "-i", inventory, "--out", file], io, simDeps(hosts, gated));
  expect(code, io.err()).toBe(0);
  return { file, inv: inventory };
};

const rollOut = async (file: string, inv: string, hosts: Record<string, SimHost>, args: string[]) => {
  const io = recordingIo();
  const code = await main(["apply", file, "-i", inv, "--json", ...args], io, simDeps(hosts, gated));
  return { code, io };
};

interface Report {
  hosts: { host: string; batch: number; outcome: string; reason?: string; gates: { passed: boolean }[] }[];
  stopped: boolean;
}

describe("tend apply PLAN --batch: a saved plan rolled out with the gates it holds", () => {
  it("the saved plan holds every ready host's gates", async () => {
    const { file } = await savePlan(fleet());
    const plan = JSON.parse(readFileSync(file, "utf8")) as { hosts: { host: string; gates: HealthGate[] }[] };
    expect(plan.hosts.map((h) => [h.host, h.gates.map((g) => g.name)])).toEqual([
      ["w2", ["motd"]],
      ["w1", ["motd"]],
      ["w3", ["motd"]],
      ["etcd1", ["motd"]],
    ]);
  });

  it("goes in the inventory's order (etcd first), waits for each gate, and stops at a failed one: later hosts untouched, exit 1", async () => {
    const { file, inv } = await savePlan(fleet());
    // The hosts the plan is applied to: same state as when planned, but w2's gate fails now.
    const hosts = fleet(["w2"]);
    const { code, io } = await rollOut(file, inv, hosts, ["--batch", "1", "--max-fail", "0"]);
    expect(code).toBe(1);
    const report = JSON.parse(io.out()) as Report;
    expect(report.hosts.map((h) => [h.host, h.batch, h.outcome])).toEqual([
      ["etcd1", 1, "done"],
      ["w1", 2, "done"],
      ["w2", 3, "failed"],
      ["w3", 4, "untouched"],
    ]);
    expect(report.hosts[2]!.reason).toContain("health gate motd failed after 2 tries");
    expect(report.stopped).toBe(true);
    expect(hosts.w3!.opLog).toEqual([]);
    expect(hosts.w1!.opLog.length).toBeGreaterThan(0);
  });

  it("--rollback-on-fail puts the failed host back as it was before the apply", async () => {
    const { file, inv } = await savePlan(fleet());
    const hosts = fleet(["w2"]);
    const before = structuredClone(hosts.w2!.state.files);
    const { code, io } = await rollOut(file, inv, hosts, ["--batch", "1", "--rollback-on-fail"]);
    expect(code).toBe(1);
    const w2 = (JSON.parse(io.out()) as Report & { hosts: { rollback?: { restored: boolean } }[] }).hosts[2]!;
    expect(w2.rollback?.restored).toBe(true);
    const files = (s: Record<string, unknown>) =>
      Object.keys(s).filter((p) => !p.startsWith("/var/lib/tend"));
    expect(files(hosts.w2!.state.files).sort()).toEqual(files(before).sort());
  });

  it("a plan saved without gates is refused, naming the file and how to make one; no host is contacted", async () => {
    const { file, inv } = await savePlan(fleet());
    const plan = JSON.parse(readFileSync(file, "utf8")) as { hosts: Record<string, unknown>[] };
    for (const h of plan.hosts) delete h.gates;
    writeFileSync(file, JSON.stringify(plan));
    const hosts = fleet();
    const { code, io } = await rollOut(file, inv, hosts, ["--batch", "1"]);
    expect(code).toBe(1);
    expect(io.err()).toContain(`${file}: saved without health gates (for w2, w1, w3, etcd1)`);
    expect(io.err()).toContain(`tend plan -i INVENTORY --out ${file}`);
    expect(Object.values(hosts).every((h) => h.roundTrips === 0)).toBe(true);
    // Without a rollout flag the same file still applies as reviewed.
    const plain = recordingIo();
    expect(await main(["apply", file, "-i", inv], plain, simDeps(fleet(), gated))).toBe(0);
  });

  it.each([
    [
      { kind: "tcp", host: "-e/bin/sh", port: 22 },
      'check.host: expected a host name or an IP address, got "-e/bin/sh"',
    ],
    [{ kind: "command", argv: [] }, "check.argv: expected a non-empty argv list without NUL, got []"],
    [
      { kind: "command", argv: ["sh", "-c", "x\u0000y"] },
      "check.argv: expected a non-empty argv list without NUL",
    ],
    [{ kind: "http", url: "file:///etc/shadow", status: 200 }, "check.url: expected an http(s) URL"],
    [
      { kind: "unix-http", socket: "/run/docker.sock", path: "/_ping\r\nX: y", status: 200 },
      "check.path: expected a request path like /_ping",
    ],
    [{ kind: "file", path: "relative/motd" }, "check.path: expected an absolute normalised path"],
  ])(
    "a gate in a plan file that could steer a command is refused (%j); no host contacted",
    async (check, where) => {
      const { file, inv } = await savePlan(fleet());
      const plan = JSON.parse(readFileSync(file, "utf8")) as { hosts: { gates: { check: unknown }[] }[] };
      plan.hosts[0]!.gates[0]!.check = check;
      writeFileSync(file, JSON.stringify(plan));
      const hosts = fleet();
      const { code, io } = await rollOut(file, inv, hosts, ["--batch", "1"]);
      expect(code).toBe(1);
      expect(io.err()).toContain(`${file}: hosts[0].gates[0].${where}`);
      expect(Object.values(hosts).every((h) => h.roundTrips === 0)).toBe(true);
    },
  );

  it.each([
    [
      "a 20 MB gate name",
      (gates: unknown[]) => {
        (gates[0] as { name: string }).name = "A".repeat(20 * 1024 * 1024);
      },
      "hosts[0].gates[0].name: expected a name of at most 256 UTF-8 bytes, got one of 20971520 bytes",
    ],
    [
      "65 gates on one host",
      (gates: unknown[]) => {
        const one = gates[0] as { name: string };
        gates.push(...Array.from({ length: 64 }, (_, i) => ({ ...one, name: `motd ${i}` })));
      },
      "hosts[0].gates: expected at most 64 health gates per host, got 65",
    ],
  ])(
    "a plan file with %s is refused before any host is contacted; the value is not printed",
    async (_, edit, where) => {
      const { file, inv } = await savePlan(fleet());
      const plan = JSON.parse(readFileSync(file, "utf8")) as { hosts: { gates: unknown[] }[] };
      edit(plan.hosts[0]!.gates);
      writeFileSync(file, JSON.stringify(plan));
      const hosts = fleet();
      const opened: string[] = [];
      const deps = simDeps(hosts, gated);
      const io = recordingIo();
      const code = await main(["apply", file, "-i", inv, "--json", "--batch", "1"], io, {
        ...deps,
        openTarget: (c) => {
          opened.push(c.host);
          return deps.openTarget(c);
        },
      });
      expect(code).toBe(1);
      expect(io.err()).toContain(`${file}: ${where}`);
      expect(io.err().length).toBeLessThan(2000);
      expect(opened).toEqual([]);
      expect(Object.values(hosts).every((h) => h.roundTrips === 0)).toBe(true);
    },
  );

  it("a plan made with the most tend_health_checks a host may have (and the modules' gate) reads back and rolls out", async () => {
    const checks = Array.from({ length: MAX_USER_CHECKS }, (_, i) => `{name: c${i}, command: ['true']}`);
    const inv = `${FLEET}  vars:\n    tend_health_checks: [${checks.join(", ")}]\n`;
    const { file, inv: path } = await savePlan(fleet(), inv);
    const hosts = fleet();
    const { code, io } = await rollOut(file, path, hosts, ["--batch", "2"]);
    expect(code, io.err()).toBe(0);
    const report = JSON.parse(io.out()) as Report;
    expect(report.hosts.every((h) => h.gates.length === MAX_USER_CHECKS + 1)).toBe(true);
  });

  it("a failed host of the plan that the inventory no longer lists sets no order of its own: the rollout goes on", async () => {
    const withGone = FLEET.replace("        etcd1: {}", "        etcd1: {}\n        gone: {}");
    // gone is unreachable when the plan is made, then removed from the inventory; the order is set for all.
    const file = join(tempDir("plan-"), "plan.json");
    const before = inventoryFile("before.yml", `${withGone}  vars:\n    tend_rollout_order: [k8s_worker]\n`);
    const planned = recordingIo();
    expect(await main(["plan", "-i", before, "--out", file], planned, simDeps(fleet(), gated))).toBe(1);
    expect(planned.err()).toContain("gone: failed");
    const inv = inventoryFile("now.yml", `${FLEET}  vars:\n    tend_rollout_order: [k8s_worker]\n`);
    const { code, io } = await rollOut(file, inv, fleet(), ["--batch", "1", "--max-fail", "1"]);
    expect(code).toBe(1);
    const report = JSON.parse(io.out()) as Report;
    expect(report.hosts.map((h) => [h.host, h.outcome])).toEqual([
      ["w1", "done"],
      ["w2", "done"],
      ["w3", "done"],
      ["etcd1", "done"],
      ["gone", "failed"],
    ]);
  });

  it("a bad tend_rollout_order in the inventory is refused before any host is contacted", async () => {
    const { file } = await savePlan(fleet());
    const bad = inventoryFile("bad.yml", `${FLEET}  vars:\n    tend_rollout_order: [k8s_workers]\n`);
    const hosts = fleet();
    const { code, io } = await rollOut(file, bad, hosts, ["--batch", "1"]);
    expect(code).toBe(1);
    expect(io.err()).toContain("tend_rollout_order: names no group of");
    expect(io.err()).toContain("no host was contacted");
    expect(Object.values(hosts).every((h) => h.roundTrips === 0)).toBe(true);
  });

  it("hosts that disagree on tend_rollout_order are refused as a live rollout refuses them; no host contacted", async () => {
    const { file } = await savePlan(fleet());
    // w3 alone puts etcd last: the saved plan would otherwise follow the first host's order.
    const inv = inventoryFile(
      "split.yml",
      FLEET.replace("        w3: {}", "        w3: { tend_rollout_order: [k8s_worker, k8s_etcd] }"),
    );
    const hosts = fleet();
    const { code, io } = await rollOut(file, inv, hosts, ["--batch", "1"]);
    expect(code).toBe(1);
    expect(io.err()).toContain("tend_rollout_order: of w3 differs from w2's: a rollout has one order");
    expect(io.err()).toContain("no host was contacted");
    expect(Object.values(hosts).every((h) => h.roundTrips === 0)).toBe(true);
  });
});
