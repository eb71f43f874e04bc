/**
 * Rollout on a real systemd host (issue 9): a health gate of the command
 * kind passes once the service restarted with its new config, and a gate
 * that fails puts the host back with --rollback-on-fail: its config and
 * unit file byte-equal to before the apply, the unit loaded, the service
 * running its previous command line and config, the rollback verified, and
 * the change pending again in a new plan.
 */
import {
  DEFAULT_GATE_POLICY,
  type HealthGate,
  plan,
  type Resource,
  rollbackDirOf,
  rollbackWith,
  rollout,
  runGates,
  withKeep,
} from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopHosts } from "../hosts/hosts.js";
import { onHost, type RealHost, startRealHost } from "../targets/real-host.js";

/** Version `v`: a config file and a unit whose ExecStart carries the version; the service copies its config when it starts. */
const declared = (v: number): Resource[] => [
  { kind: "directory", name: "/etc/tkr", props: { mode: 0o755 } },
  {
    kind: "file",
    name: "/etc/tkr/tkr.conf",
    props: { content: `tkr config v${v}\n` },
    notify: ["service[tkr]"],
  },
  {
    kind: "unit",
    name: "tkr.service",
    props: {
      content: `[Service]\nExecStart=/bin/sh -c 'cat /etc/tkr/tkr.conf > /run/tkr.seen; exec sleep ${100000 + v}'\n\n[Install]\nWantedBy=multi-user.target\n`,
    },
    notify: ["service[tkr]"],
  },
  { kind: "service", name: "tkr", props: { enabled: true, state: "running" } },
];

/** A gate that passes when the running service started from config `line`. */
const seen = (line: string): HealthGate => ({
  name: "tkr started from its config",
  origin: "test",
  service: "tkr.service",
  ...DEFAULT_GATE_POLICY,
  retries: 3,
  backoffMs: 200,
  check: { kind: "command", argv: ["grep", "-qxF", line, "/run/tkr.seen"] },
});

/** What the host shows of the service: file bytes (sha256), unit state, running command line, config seen. */
const observed = (h: RealHost) =>
  onHost(
    h.host,
    [
      "sha256sum /etc/tkr/tkr.conf /etc/systemd/system/tkr.service",
      "systemctl show -p ActiveState -p LoadState -p NeedDaemonReload -p UnitFileState tkr.service",
      `tr '\\0' ' ' < /proc/$(systemctl show -p MainPID --value tkr.service)/cmdline; echo`,
      "cat /run/tkr.seen",
    ].join("\n"),
  );

let h: RealHost;
beforeAll(async () => {
  h = await startRealHost("rollout");
  const first = await rollout(await plan(declared(1), h.target), h.target, {
    batch: { count: 1 },
    maxFail: { count: 0 },
    order: [h.target.host],
  });
  expect(first.hosts[0]!.outcome).toBe("done");
});
afterAll(async () => {
  await h?.target.close();
  await stopHosts(h ? [h.host] : []);
});

describe("rollout on a real systemd host", () => {
  it("a command gate passes once the service restarted with the new config", async () => {
    const r = await rollout(await plan(declared(2), h.target), h.target, {
      batch: { count: 1 },
      maxFail: { count: 0 },
      order: [h.target.host],
      gates: new Map([[h.target.host, [seen("tkr config v2")]]]),
    });
    expect(r.hosts[0]).toMatchObject({ outcome: "done", gates: [{ passed: true }] });
  });

  it("a failed gate with --rollback-on-fail leaves the host byte-equal to before, the service on its previous command line, verified; the change is pending again", async () => {
    const before = await observed(h);
    expect(before).toContain("sleep 100002");
    const dir = rollbackDirOf("realhost-1");
    const kept = withKeep(await plan(declared(3), h.target), () => dir);
    const r = await rollout(kept, h.target, {
      batch: { count: 1 },
      maxFail: { count: 0 },
      order: [h.target.host],
      gates: new Map([[h.target.host, [{ ...seen("healthy"), retries: 1 }]]]),
      rollback: rollbackWith(kept.plan, () => dir),
    });
    const host = r.hosts[0]!;
    expect(host.outcome).toBe("failed");
    expect(host.gates).toEqual([expect.objectContaining({ passed: false, tries: 2 })]);
    expect(host.rollback).toMatchObject({ restored: true });
    expect(await observed(h)).toEqual(before);
    expect(await onHost(h.host, `test -e ${dir} && echo kept || echo gone`)).toBe("gone\n");
    const again = await plan(declared(3), h.target);
    const hp = again.plan.hosts[0]!;
    expect(hp.status === "ready" && hp.actions.map((a) => a.id)).toEqual(
      expect.arrayContaining(["file[/etc/tkr/tkr.conf]", "unit[tkr.service]"]),
    );
    expect(E.isRight(await h.target.hostFacts())).toBe(true);
  });

  it("gate values are data: hostile argv and URLs run as given, nothing they spell is executed; tcp and http to a closed port fail with a reason", async () => {
    const hostile = [
      `/x'; touch /tmp/pwned; '`,
      "$(touch /tmp/pwned)",
      "`touch /tmp/pwned`",
      "a\nb; touch /tmp/pwned",
    ];
    const gate = (name: string, check: HealthGate["check"]): HealthGate => ({
      name,
      origin: "test",
      ...DEFAULT_GATE_POLICY,
      timeoutSeconds: 2,
      retries: 0,
      check,
    });
    const results = await runGates(h.target, [
      ...hostile.map((p, i) => gate(`file ${i}`, { kind: "file", path: p })),
      gate("cmd", { kind: "command", argv: ["test", "-e", hostile[0]!] }),
      gate("tcp", { kind: "tcp", host: "127.0.0.1", port: 1 }),
      gate("http", { kind: "http", url: "http://127.0.0.1:1/$(touch /tmp/pwned)", status: 200 }),
      gate("present", { kind: "file", path: "/etc/tkr/tkr.conf" }),
    ]);
    expect(results.map((r) => [r.name, r.passed])).toEqual([
      ...hostile.map((_, i) => [`file ${i}`, false]),
      ["cmd", false],
      ["tcp", false],
      ["http", false],
      ["present", true],
    ]);
    expect(results.find((r) => r.name === "tcp")?.reason).toContain("port 1 on 127.0.0.1");
    expect(await onHost(h.host, "test -e /tmp/pwned && echo pwned || echo clean")).toBe("clean\n");
  });
});
