/**
 * `tend apply --batch --max-fail`: the rollout through main() on SimHosts.
 * Batches go etcd, controllers, workers (or tend_rollout_order), a failed
 * gate, a failed op and an unreachable host each spend the budget, the
 * report accounts for every host, and bad flags or variables stop the run
 * before any host is contacted.
 */
import type { SimHost } from "@tend/core/testing";
import { describe, expect, it } from "vitest";
import { main } from "./index.js";
import { gatedHosts, inventoryFile, motdGatedModules, recordingIo, simDeps } from "./test-support.js";

const FLEET = [
  "all:",
  "  children:",
  "    k8s_worker:",
  "      hosts:",
  "        w4: {}",
  "        w3: {}",
  "        w1: {}",
  "        w2: {}",
  "    k8s_controller:",
  "      hosts:",
  "        ctl1: {}",
  "    k8s_etcd:",
  "      hosts:",
  "        etcd1: {}",
  "",
].join("\n");

/** Modules whose one gate per host is "/etc/motd exists", tried 3 times. */
const gated = motdGatedModules(2);

const fleet = (unhealthy: readonly string[] = [], missing: readonly string[] = []): Record<string, SimHost> =>
  gatedHosts(["etcd1", "ctl1", "w1", "w2", "w3", "w4"], unhealthy, missing);

interface JsonReport {
  format: string;
  hosts: {
    host: string;
    batch: number;
    outcome: string;
    reason?: string;
    gates: { name: string; passed: boolean; tries: number }[];
  }[];
  stopped: boolean;
  budget: number;
  failed: number;
}

const rolloutJson = async (args: string[], hosts: Record<string, SimHost>, inv = FLEET) => {
  const io = recordingIo();
  const code = await main(
    ["apply", "-i", inventoryFile("hosts.yml", inv), "--yes", "--json", ...args],
    io,
    simDeps(hosts, gated),
  );
  return {
    code,
    io,
    report: code === 0 || io.out().startsWith("{") ? (JSON.parse(io.out()) as JsonReport) : undefined,
  };
};

describe("tend apply --batch", () => {
  it("goes etcd, controllers, workers, by name within each group; exit 0 when every host is done and healthy", async () => {
    const { code, report } = await rolloutJson(["--batch", "2"], fleet());
    expect(code).toBe(0);
    expect(report!.hosts.map((h) => [h.host, h.batch, h.outcome])).toEqual([
      ["etcd1", 1, "done"],
      ["ctl1", 1, "done"],
      ["w1", 2, "done"],
      ["w2", 2, "done"],
      ["w3", 3, "done"],
      ["w4", 3, "done"],
    ]);
    expect(report!.hosts.every((h) => h.gates.length === 1 && h.gates[0]!.passed)).toBe(true);
  });

  it("tend_rollout_order puts its groups first", async () => {
    const inv = `${FLEET}  vars:\n    tend_rollout_order: [k8s_worker]\n`;
    const { report } = await rolloutJson(["--batch", "50%"], fleet(), inv);
    expect(report!.hosts.map((h) => h.host)).toEqual(["w1", "w2", "w3", "w4", "ctl1", "etcd1"]);
  });

  it("a failed gate with --max-fail 0 stops the rollout: later hosts untouched, exit 1, all in the report", async () => {
    const hosts = fleet(["w3"]);
    const { code, report } = await rolloutJson(["--batch", "1", "--max-fail", "0"], hosts);
    expect(code).toBe(1);
    expect(report!.hosts.map((h) => h.outcome)).toEqual([
      "done",
      "done",
      "done",
      "done",
      "failed",
      "untouched",
    ]);
    const w3 = report!.hosts[4]!;
    expect(w3.gates).toEqual([expect.objectContaining({ name: "motd", passed: false, tries: 3 })]);
    expect(w3.reason).toContain("health gate motd failed after 3 tries");
    expect(hosts.w4!.opLog).toEqual([]);
  });

  it("with --max-fail 1 the rollout goes on past one failed gate; the exit code is still 1", async () => {
    const hosts = fleet(["w3"]);
    const { code, report } = await rolloutJson(["--batch", "2", "--max-fail", "1"], hosts);
    expect(code).toBe(1);
    expect(report!.hosts.find((h) => h.host === "w4")!.outcome).toBe("done");
    expect(report!.stopped).toBe(false);
  });

  it("an unreachable host counts against the budget (unlike ansible's serial, ansible/ansible#18782)", async () => {
    const hosts = fleet([], ["ctl1"]);
    const { code, report } = await rolloutJson(["--batch", "1", "--max-fail", "0"], hosts);
    expect(code).toBe(1);
    expect(report!.hosts.map((h) => [h.host, h.outcome])).toEqual([
      ["etcd1", "done"],
      ["ctl1", "failed"],
      ["w1", "untouched"],
      ["w2", "untouched"],
      ["w3", "untouched"],
      ["w4", "untouched"],
    ]);
    expect(report!.hosts[1]!.reason).toContain("connection refused");
    expect(hosts.w1!.opLog).toEqual([]);
  });

  it("the text report lists done, failed with reason, and untouched hosts, and the plan names the gates", async () => {
    const io = recordingIo();
    const code = await main(
      ["apply", "-i", inventoryFile("hosts.yml", FLEET), "--yes", "--batch", "3"],
      io,
      simDeps(fleet(["ctl1"]), gated),
    );
    expect(code).toBe(1);
    const out = io.out();
    expect(out).toContain("Health gates the apply will wait for:");
    expect(out).toContain("motd: /etc/motd exists");
    expect(out).toMatch(/✗ ctl1: failed: health gate motd failed after 3 tries/);
    // The rollout's duration ends the line (its value is not checked, only that it is one).
    expect(out).toMatch(
      /Rollout stopped: 2 done, 1 failed, 3 untouched \(failure budget 0, batches of 3\), in (\d+ms|\d+\.\ds)\./,
    );
    expect(out).toContain("Untouched: w2, w3, w4");
  });
});

describe("rollout flags and variables are checked before any host is contacted", () => {
  it.each([
    [["--batch", "0"], '--batch: "0" is not a batch size'],
    [["--batch", "101%"], '--batch: "101%" is not a batch size'],
    [["--max-fail", "-1"], '--max-fail: "-1" is not a failure budget'],
    [["--max-fail", "two"], '--max-fail: "two" is not a failure budget'],
  ])("%j is refused", async (args, message) => {
    const hosts = fleet();
    const io = recordingIo();
    const code = await main(
      ["apply", "-i", inventoryFile("hosts.yml", FLEET), "--yes", ...args],
      io,
      simDeps(hosts, gated),
    );
    expect(code).toBe(1);
    expect(io.err()).toContain(message);
    expect(Object.values(hosts).every((h) => h.roundTrips === 0)).toBe(true);
  });

  it.each([
    [
      "tend_rollout_order: k8s_worker",
      "tend_rollout_order",
      "expected a non-empty list of inventory group names",
    ],
    ["tend_rollout_order: [k8s_workers]", "tend_rollout_order", "names no group of"],
    [
      'tend_health_checks: [{name: up, command: "systemctl is-active kubelet"}]',
      "tend_health_checks[0]",
      "command (a list of argv strings, not a shell string)",
    ],
    ["tend_health_checks: [{name: web, http: 'ftp://x'}]", "tend_health_checks[0]", "is not an http(s) URL"],
    ["tend_health_checks: [{name: p, tcp: 70000}]", "tend_health_checks[0]", "expected a check"],
    [
      "tend_health_checks: [{name: a, command: ['true']}, {name: a, command: ['true']}]",
      "tend_health_checks[1]",
      "used twice",
    ],
    [
      `tend_health_checks: [{name: ${"é".repeat(129)}, command: ['true']}]`,
      "tend_health_checks[0]",
      "name: expected a name of at most 256 UTF-8 bytes, got one of 258 bytes",
    ],
    [
      `tend_health_checks: [${Array.from({ length: 33 }, (_, i) => `{name: c${i}, command: ['true']}`).join(", ")}]`,
      "tend_health_checks",
      "expected at most 32 checks, got 33",
    ],
  ])("%s is refused naming the variable", async (line, variable, message) => {
    const hosts = fleet();
    const io = recordingIo();
    const inv = `${FLEET}  vars:\n    ${line}\n`;
    const code = await main(
      ["apply", "-i", inventoryFile("hosts.yml", inv), "--yes", "--batch", "1"],
      io,
      simDeps(hosts, gated),
    );
    expect(code).toBe(1);
    expect(io.err()).toContain(variable);
    expect(io.err()).toContain(message);
    expect(Object.values(hosts).every((h) => h.roundTrips === 0)).toBe(true);
  });

  it("tend_health_checks adds its gates after the modules' ones; a command check runs as argv", async () => {
    const inv = `${FLEET}  vars:\n    tend_health_checks: [{name: motd again, command: [test, -f, /etc/motd], retries: 0}]\n`;
    const { code, report } = await rolloutJson(["--batch", "100%"], fleet(), inv);
    expect(code).toBe(0);
    expect(report!.hosts[0]!.gates.map((g) => [g.name, g.passed])).toEqual([
      ["motd", true],
      ["motd again", true],
    ]);
  });
});

describe("tend apply --rollback-on-fail", () => {
  it("puts a host whose gate failed back as it was, verified; the change is pending again; done hosts keep nothing", async () => {
    const hosts = fleet(["w3"]);
    hosts.w3!.mutate((d) => {
      d.files["/etc/motd"] = {
        type: "file",
        content: Buffer.from("old\n").toString("base64"),
        mode: 0o600,
        owner: "root",
        group: "root",
      };
    });
    const before = structuredClone(hosts.w3!.state.files);
    const { code, report } = await rolloutJson(
      ["--batch", "2", "--max-fail", "0", "--rollback-on-fail"],
      hosts,
    );
    expect(code).toBe(1);
    const w3 = report!.hosts.find((h) => h.host === "w3") as JsonReport["hosts"][number] & {
      rollback?: { restored: boolean; detail: string };
    };
    expect(w3.outcome).toBe("failed");
    expect(w3.rollback).toMatchObject({ restored: true });
    const kept = (h: SimHost) =>
      Object.keys(h.state.files).filter((p) => p.startsWith("/var/lib/tend/rollback/"));
    expect(
      Object.fromEntries(
        Object.entries(hosts.w3!.state.files).filter(([p]) => !p.startsWith("/var/lib/tend")),
      ),
    ).toEqual(Object.fromEntries(Object.entries(before).filter(([p]) => !p.startsWith("/var/lib/tend"))));
    expect(kept(hosts.w3!)).toEqual([]);
    expect(kept(hosts.w1!)).toEqual([]);
    const io = recordingIo();
    await main(["plan", "-i", inventoryFile("hosts.yml", FLEET), "--limit", "w3"], io, simDeps(hosts, gated));
    expect(io.out()).toContain("file[/etc/motd]");
  });
});

describe("one rollout order", () => {
  it("hosts that disagree on tend_rollout_order are refused before any connection, naming the host", async () => {
    const hosts = fleet();
    const io = recordingIo();
    const inv = FLEET.replace("        w4: {}", "        w4: { tend_rollout_order: [k8s_etcd] }");
    const code = await main(
      ["apply", "-i", inventoryFile("hosts.yml", inv), "--yes", "--batch", "1"],
      io,
      simDeps(hosts, gated),
    );
    expect(code).toBe(1);
    expect(io.err()).toContain("w4");
    expect(io.err()).toContain("tend_rollout_order");
    expect(io.err()).toContain("a rollout has one order");
    expect(Object.values(hosts).every((h) => h.roundTrips === 0)).toBe(true);
  });
});
