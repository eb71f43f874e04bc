/**
 * A restart left in the intent record by an interrupted apply is never lost,
 * even when the next plan no longer declares its service: it is planned when
 * the unit runs on the host, and dropped with a reason naming the unit when it
 * does not (not running, or gone); either way the record is cleared.
 */
import { describe, expect, it } from "vitest";
import { PENDING_RESTARTS_PATH } from "../probe.js";
import type { Resource } from "../resource.js";
import { SimHost } from "../sim/simhost.js";
import { apply } from "./apply.js";
import { ready } from "./crash.fixture.js";
import { orphanActions, parseIntents } from "./intents.js";
import { plan } from "./plan.js";
import { isConverged } from "./report.fixture.js";

const declared = (mtu: number): Resource[] => [
  {
    kind: "unit",
    name: "docker.service",
    props: {
      content: `[Service]\nExecStart=/usr/bin/dockerd --mtu=${mtu}\n\n[Install]\nWantedBy=multi-user.target\n`,
    },
    notify: ["service[docker]"],
  },
  { kind: "service", name: "docker", props: { enabled: true, state: "running" } },
];
const other: Resource[] = [{ kind: "file", name: "/etc/other.conf", props: { content: "x\n" } }];

const recorded = (host: SimHost): string[] => {
  const e = host.state.files[PENDING_RESTARTS_PATH];
  if (e?.type !== "file") return [];
  const i = parseIntents(Buffer.from(e.content, "base64").toString("utf8"));
  return [...i.restarts.keys(), ...(i.reload === null ? [] : ["daemon-reload"])];
};

/** A host where the mtu change was written and the apply was killed before the restart. */
const interrupted = async (): Promise<SimHost> => {
  const base = new SimHost();
  await apply(await plan(declared(1500), base), base);
  const change = await plan(declared(1450), new SimHost(base.state));
  const ops = ready(change).actions.flatMap((a) => a.ops);
  const restartAt = ops.findIndex((o) => o.op === "systemctl" && o.verb === "restart");
  expect(restartAt).toBeGreaterThan(0);
  const host = new SimHost(base.state, { killAtOp: { op: restartAt, phase: "before" } });
  await apply(change, host, { recheckFacts: false });
  expect(recorded(host)).toContain("docker.service");
  return host;
};

describe("left-over restarts of services no longer declared", () => {
  it("restarts a running unit whose intent an interrupted apply left, though the next plan no longer declares it", async () => {
    const host = await interrupted();
    const nextRun = await plan(other, host);
    const next = ready(nextRun);
    const leftover = next.actions.find((a) =>
      a.ops.some((o) => o.op === "systemctl" && o.verb === "restart"),
    );
    expect(leftover?.reasons.join("; ")).toMatch(/restart left over .*docker\.service is no longer declared/);
    const report = await apply(nextRun, host, { recheckFacts: false });
    expect(isConverged(report.hosts[0]!)).toBe(true);
    const svc = host.state.services["docker.service"]!;
    const changed = host.state.history!.changedAt["/etc/systemd/system/docker.service"]!;
    expect(svc.startedAt).toBeGreaterThan(changed);
    expect(recorded(host)).toEqual([]);
    expect(ready(await plan(other, host)).actions).toEqual([]);
  });

  it("drops the restart of a unit that no longer exists, saying so in the plan, and clears it", async () => {
    const host = await interrupted();
    host.mutate((d) => {
      delete d.files["/etc/systemd/system/docker.service"];
      d.services["docker.service"] = { active: "inactive", enabled: "disabled" };
    });
    const nextRun = await plan(other, host);
    const next = ready(nextRun);
    const dropped = next.actions.find((a) => a.reasons.some((r) => r.includes("docker.service")));
    expect(dropped?.reasons.join("; ")).toMatch(/dropped: docker\.service no longer exists on the host/);
    expect(dropped?.ops.some((o) => o.op === "systemctl")).toBe(false);
    await apply(nextRun, host, { recheckFacts: false });
    expect(recorded(host)).toEqual([]);
    expect(ready(await plan(other, host)).actions).toEqual([]);
  });

  it("drops the restart of a unit that is not running (it starts on its current files), saying so, and clears it", async () => {
    const host = await interrupted();
    host.mutate((d) => {
      d.services["docker.service"]!.active = "inactive";
    });
    const nextRun = await plan(other, host);
    const next = ready(nextRun);
    const dropped = next.actions.find((a) => a.reasons.some((r) => r.includes("docker.service")));
    expect(dropped?.reasons.join("; ")).toMatch(/dropped: docker\.service is not running/);
    await apply(nextRun, host, { recheckFacts: false });
    expect(host.state.services["docker.service"]!.active).toBe("inactive");
    expect(recorded(host)).toEqual([]);
  });

  it("drops the restart of a masked unit (systemctl would refuse it), saying so, and clears it", () => {
    const intents = parseIntents("restart x.service 2026-01-01T00:00:00Z unit[x.service]\n");
    const [a] = orphanActions(
      intents,
      ["x.service"],
      new Map([["x.service", { load: "masked", active: "active", enabled: "masked" }]]),
    );
    expect(a?.reasons.join("; ")).toMatch(/dropped: x\.service is masked/);
    expect(a?.ops).toEqual([
      {
        op: "intent",
        action: "remove",
        restart: ["x.service"],
        reload: false,
        at: "systemd[restart x.service]",
      },
    ]);
  });
});
