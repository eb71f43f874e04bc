/**
 * A restart left by a killed apply is never lost, even when the next plan no
 * longer declares its service (a real systemd host). The apply that moves
 * tka and tkb to v2 is SIGKILLed right before `systemctl restart
 * tkb.service`: tkb's new unit is on disk, its restart recorded, not done.
 * The next plan declares tka only: it still restarts tkb (the unit runs on
 * the host), says why, and after its apply tkb runs its v2 unit, the record
 * is empty, and the plan after is empty.
 */
import { apply, type HostFacts, plan, type Resource } from "@tend/core";
import { describe, expect, it } from "vitest";
import { onHost } from "../targets/real-host.js";
import {
  arm,
  type CrashHost,
  disarm,
  planAndApply,
  scenario,
  useConvergedCrashHost,
  violations,
} from "./crash-host.js";

let h: CrashHost;
let facts: HostFacts;
useConvergedCrashHost("orphan", (host, f) => {
  h = host;
  facts = f;
});

/** v2 without tkb: its unit and service are no longer declared. */
const withoutTkb = (): Resource[] =>
  scenario(2).filter((r) => !(r.name === "tkb" || r.name === "tkb.service"));

describe("a left-over restart of a service the next plan no longer declares", () => {
  it("is carried out by the next apply: the unit runs on the host, so it restarts on its current unit", async () => {
    // Where the restart of tkb comes in the v2 apply: a dry run with the wrapper armed past the end.
    await arm(h, 10_000, "before");
    await planAndApply(scenario(2), h.plain, facts, h.killing);
    const { calls } = await disarm(h);
    const at = calls.indexOf("systemctl restart -- tkb.service") + 1;
    expect(at).toBeGreaterThan(0);
    // Back to v1, then the v2 apply killed right before that restart.
    await planAndApply(scenario(1), h.plain, facts);
    await arm(h, at, "before");
    await apply(await plan(scenario(2), h.plain, { facts }), h.killing, { recheckFacts: false });
    const { killed } = await disarm(h);
    expect(killed).toBe(`${at} systemctl before`);
    expect(await onHost(h.host, "cat /var/lib/tend/pending-restarts")).toContain("restart tkb.service");

    const next = await plan(withoutTkb(), h.plain, { facts });
    const hp = next.plan.hosts[0];
    if (hp?.status !== "ready") throw new Error(JSON.stringify(hp));
    const leftover = hp.actions.find((a) => a.id === "systemd[restart tkb.service]");
    expect(leftover?.reasons.join("; ")).toMatch(/restart left over .*tkb\.service is no longer declared/);
    const report = await apply(next, h.plain, { resources: new Map([[h.plain.host, withoutTkb()]]) });
    expect(report.hosts[0]).toMatchObject({ status: "applied", verdict: { converged: true } });
    expect(await violations(h, 2)).toEqual([]);
    expect(await onHost(h.host, "cat /var/lib/tend/pending-restarts 2>/dev/null; true")).toBe("");
    const after = (await plan(withoutTkb(), h.plain, { facts })).plan.hosts[0];
    expect(after?.status === "ready" && after.actions).toEqual([]);
  }, 300_000);
});
