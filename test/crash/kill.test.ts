/**
 * Kill test (issue 8): on a real systemd host, an apply that changes two
 * units (tka also has a config file; tkb only its unit, one cause like
 * docker.service in the mtu change) is SIGKILLed, script and children, by a
 * PATH-shadowing wrapper of `mv` and `systemctl`: after every call that
 * changes the host (the holder record, each file landing, each pending
 * record, the daemon-reload, each restart: every op boundary), and before
 * every declared file landing and restart (the middle of an op). After each
 * kill one more apply must leave no lost restart (each service runs its
 * unit's current ExecStart and started from its current config), no lost
 * daemon-reload (NeedDaemonReload=no), no temp leftovers (/tmp, /run/tend/tmp,
 * `.*.tend-*` beside written files), and converge (its re-plan is empty).
 * The lost restart and reload after a kill right after a unit lands are
 * what write-ahead intents fix (issue 8 item 1).
 */
import { type HostFacts, isConverged, pendingOf } from "@tend/core";
import { describe, expect, it } from "vitest";
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
useConvergedCrashHost("kill", (host, f) => {
  h = host;
  facts = f;
});

/** Kills in the middle of an op: a declared file landing (its temp file written, not yet renamed) or a restart. */
const MID_OP = /^(mv -fT -- \/etc\/\S*\.tend-[0-9a-f]+ |systemctl restart )/;

describe("an apply killed anywhere loses no restart, no reload, and leaves nothing behind", () => {
  it("SIGKILL of the host-side script after every mv and systemctl call that changes the host (every op boundary) and before every file landing and restart, then one more apply", async () => {
    const failures: string[] = [];
    let version = 1;
    /** One apply killed at call `at`; killed is false once `at` is past its last call (the apply ran whole). */
    const killAt = async (
      at: number,
      mode: "before" | "after",
    ): Promise<{ killed: boolean; calls: string[] }> => {
      const next = version === 1 ? 2 : 1;
      await arm(h, at, mode);
      await planAndApply(scenario(next), h.plain, facts, h.killing);
      const { killed, calls } = await disarm(h);
      version = next;
      if (killed === "") return { killed: false, calls };
      const where = `killed ${mode} call ${at} (${calls[at - 1]})`;
      // Its convergence re-plan is the next plan: converged means that plan is empty.
      const r = (await planAndApply(scenario(next), h.plain, facts)).report.hosts[0];
      if (!r || !isConverged(r))
        failures.push(
          `${where}: the next plan is not empty: ${r && "error" in r ? r.error : (r ? pendingOf(r) : []).map((p) => `${p.action} ${p.id}`).join(", ")}`,
        );
      for (const v of await violations(h, next)) failures.push(`${where}: ${v}`);
      return { killed: true, calls };
    };
    let whole: string[] = [];
    let boundaries = 0;
    for (let at = 1; ; at++) {
      const r = await killAt(at, "after");
      if (!r.killed) {
        whole = r.calls;
        break;
      }
      boundaries++;
    }
    const middles = whole.flatMap((c, i) => (MID_OP.test(c) ? [i + 1] : []));
    for (const at of middles) await killAt(at, "before");
    // The wrapper did kill: three file landings, the reload, two restarts and the pending records.
    expect(boundaries).toBeGreaterThanOrEqual(8);
    expect(middles.length).toBe(5);
    expect(failures).toEqual([]);
  });
});
