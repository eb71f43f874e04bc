/**
 * Rollback write-ahead on a real systemd host (DESIGN.md: with
 * --rollback-on-fail the rollback is a write-ahead intent too). An apply
 * with its rollback armed (withKeep) is SIGKILLed, script and children,
 * after every mv and systemctl call (every op boundary, and inside keep:
 * one mv per kept path), so the controller cannot roll it back. The next
 * run must finish the rollback: once the rollback intent is on the host its
 * plan is that rollback alone; after it (and one plain apply of the
 * previous declared state), every service runs its previous unit and
 * config, systemd has loaded the files on disk, nothing is left behind, and
 * the plan of the previous state is empty.
 */
import { apply, type HostFacts, plan, rollbackDirOf, withKeep } from "@tend/core";
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

const DIR = rollbackDirOf("rbkill");

let h: CrashHost;
let facts: HostFacts;
useConvergedCrashHost("rbkill", (host, f) => {
  h = host;
  facts = f;
});

describe("an apply with its rollback armed, killed anywhere, is rolled back by the next run", () => {
  it("SIGKILL after every mv and systemctl call of the apply, then the next plan and apply finish the rollback and the host runs the previous state", async () => {
    const failures: string[] = [];
    let rolledBack = 0;
    for (let at = 1; ; at++) {
      const change = withKeep(await plan(scenario(2), h.plain, { facts }), () => DIR);
      await arm(h, at, "after");
      await apply(change, h.killing, { recheckFacts: false });
      const { killed, calls } = await disarm(h);
      if (killed === "") {
        // Past the last call: the apply ran whole. Put the host back for the end of the test.
        await apply(await plan(scenario(1), h.plain, { facts }), h.plain);
        break;
      }
      const where = `killed after call ${at} (${calls[at - 1]})`;
      const intent = await onHost(h.host, "cat /var/lib/tend/pending-restarts 2>/dev/null; true");
      const next = await plan(scenario(1), h.plain, { facts });
      const hp = next.plan.hosts[0];
      if (hp?.status !== "ready") {
        failures.push(`${where}: the next plan failed: ${hp && "errors" in hp ? hp.errors.join("; ") : ""}`);
        continue;
      }
      if (intent.includes(`rollback ${DIR}`)) {
        if (hp.actions.map((a) => a.id).join() !== `rollback[${DIR}]`)
          failures.push(
            `${where}: the next plan is not the rollback alone: ${hp.actions.map((a) => a.id).join(", ")}`,
          );
        const r = await apply(next, h.plain, { recheckFacts: false });
        if (r.hosts[0]?.status !== "applied")
          failures.push(`${where}: the rollback failed: ${JSON.stringify(r.hosts[0])}`);
        rolledBack++;
      }
      // Then the previous declared state, as a user would apply it.
      const again = await planAndApply(scenario(1), h.plain, facts);
      const a = again.report.hosts[0];
      if (a?.status === "failed" || a?.status === "skipped")
        failures.push(`${where}: apply of v1 failed: ${a.error}`);
      for (const v of await violations(h, 1)) failures.push(`${where}: ${v}`);
      const left = await onHost(
        h.host,
        `ls -A ${DIR} 2>/dev/null; grep -c rollback /var/lib/tend/pending-restarts 2>/dev/null; true`,
      );
      if (left.trim() !== "" && left.trim() !== "0") failures.push(`${where}: left behind: ${left.trim()}`);
      const empty = await plan(scenario(1), h.plain, { facts });
      const e = empty.plan.hosts[0];
      if (e?.status !== "ready" || e.actions.length > 0)
        failures.push(
          `${where}: the plan of v1 is not empty: ${e?.status === "ready" ? e.actions.map((x) => x.id).join(", ") : "failed"}`,
        );
    }
    expect(failures).toEqual([]);
    // The kills did land after the rollback intent was recorded (most of the apply).
    expect(rolledBack).toBeGreaterThanOrEqual(6);
  }, 600_000);
});
