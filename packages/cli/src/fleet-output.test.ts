/**
 * Output at fleet size, through main() on 200 SimHosts in two inventory
 * groups: plan and apply print details only for the hosts with changes or
 * failures and one summary line per group; a terminal's progress prints no
 * line per host; --json still has every host.
 */
import { decodePlan, renderPlan, renderPlanTotals } from "@tend/core";
import type { SimHost } from "@tend/core/testing";
import { describe, expect, it } from "vitest";
import { main } from "./index.js";
import { renderPlanSummary } from "./internal/summary.js";
import { inventoryFile, recordingIo, simDeps, simHost } from "./test-support.js";

const WEB = Array.from({ length: 120 }, (_, i) => `web${String(i).padStart(3, "0")}`);
const DB = Array.from({ length: 80 }, (_, i) => `db${String(i).padStart(2, "0")}`);

/** 200 converged hosts; then web007 and db42 drift, and web100 cannot be reached. */
const fleet = async () => {
  const inv = inventoryFile("hosts.ini", `[web]\n${WEB.join("\n")}\n[db]\n${DB.join("\n")}\n`);
  const hosts: Record<string, SimHost> = {};
  for (const h of [...WEB, ...DB]) hosts[h] = simHost(h);
  expect(await main(["apply", "-i", inv, "--yes"], recordingIo(), simDeps(hosts))).toBe(0);
  for (const h of ["web007", "db42"])
    hosts[h]?.mutate((d) => {
      const f = d.files["/etc/motd"];
      if (f?.type === "file") f.content = Buffer.from("changed by hand\n").toString("base64");
    });
  const { web100: _gone, ...reachable } = hosts;
  return { inv, hosts, deps: simDeps(reachable) };
};

/** A duration as the output prints it; its value is never checked, only its presence and form. */
const DUR = String.raw`(\d+ms|\d+\.\ds|\d+m\d\ds)`;

const lines = (text: string): string[] => text.split("\n").filter((l) => l.trim() !== "");

describe("plan and apply output at 200 hosts", () => {
  it("plan shows only the drifted and the failed hosts, then one line per group", async () => {
    const { inv, deps } = await fleet();
    const io = recordingIo({ tty: true });
    expect(await main(["plan", "-i", inv, "--no-color"], io, deps)).toBe(1);
    const out = io.out();
    expect(out).toMatch(new RegExp(`web007: 1 action \\(${DUR}\\)\n`));
    expect(out).toMatch(new RegExp(`db42: 1 action \\(${DUR}\\)\n`));
    expect(out).toMatch(
      new RegExp(`✗ web100: cannot plan \\(${DUR}\\)\n\\s+web100: cannot connect: connection refused`),
    );
    // Named nowhere but, by chance of timing, as a group's slowest host (each host is
    // planned as soon as it is reached, so the first one started is often the slowest).
    const detail = lines(out).filter((l) => !/; slowest \S+ \(/.test(l));
    for (const quiet of ["web000", "web119", "db00", "db79"])
      expect(detail.filter((l) => l.includes(quiet))).toEqual([]);
    // Each group names its slowest host: the one to look at in a fleet.
    expect(out).toMatch(
      new RegExp(
        `web \\(120 hosts\\): 118 unchanged, 1 with changes, 1 failed; 1 action \\(1 update\\); slowest web\\d+ \\(${DUR}\\)\n`,
      ),
    );
    expect(out).toMatch(
      new RegExp(
        `db \\(80 hosts\\): 79 unchanged, 1 with changes, 0 failed; 1 action \\(1 update\\); slowest db\\d+ \\(${DUR}\\)\n`,
      ),
    );
    expect(out).toMatch(new RegExp(`\\. Planning 200 hosts took ${DUR}\\.\n`));
    expect(lines(out).length).toBeLessThan(30);
    // The terminal's progress: the failure has its line, the 199 others none.
    const err = lines(io.err().replaceAll("\r\u001b[K", "\n"));
    expect(io.err().split("\n").length).toBeLessThan(5);
    expect(err.some((l) => l.includes("web100") && l.includes("connection refused"))).toBe(true);
  });

  it("--json keeps every host, unchanged ones included", async () => {
    const { inv, deps } = await fleet();
    const io = recordingIo();
    await main(["plan", "-i", inv, "--json"], io, deps);
    const plan = JSON.parse(io.out()) as { hosts: { host: string }[] };
    expect(plan.hosts.map((h) => h.host).sort()).toEqual([...WEB, ...DB].sort());
  });

  it("the details, written host by host, are byte-equal to core's renderPlan of those hosts", async () => {
    const { inv, deps } = await fleet();
    const io = recordingIo();
    await main(["plan", "-i", inv, "--json"], io, deps);
    const decoded = decodePlan(io.out());
    if (decoded._tag === "Left") throw new Error("--json output is not a plan");
    const plan = decoded.right;
    const shown = plan.hosts.filter((h) => h.status === "error" || h.actions.length > 0);
    expect(shown.map((h) => h.host)).toEqual(["web007", "web100", "db42"]);
    const core = renderPlan({ ...plan, hosts: shown }, { color: false });
    const ours = renderPlanSummary(plan, new Map(), { color: false });
    const totals = core.trimEnd().split("\n").pop() ?? "";
    const slowest = new RegExp(`; slowest \\S+ \\(${DUR}\\)\n`);
    expect(ours).toMatch(slowest);
    // The totals are the whole plan's (200 hosts), as core renders them.
    expect(ours.replace(slowest, "\n")).toBe(
      `${core.slice(0, core.lastIndexOf(totals))}ungrouped (200 hosts): 197 unchanged, 2 with changes, 1 failed; 2 actions (2 update)\n${renderPlanTotals(plan, { color: false })}\n`,
    );
  });

  it("apply reports the changed and failed hosts by name and counts the rest per group", async () => {
    const { inv, hosts, deps } = await fleet();
    const io = recordingIo({ tty: true });
    expect(await main(["apply", "-i", inv, "--yes", "--no-color"], io, deps)).toBe(1);
    const report = io.out().slice(io.out().lastIndexOf("Plan:"));
    expect(report).toMatch(new RegExp(`✓ web007: applied 1 ops; converged \\(${DUR}\\)\n`));
    expect(report).toMatch(new RegExp(`✓ db42: applied 1 ops; converged \\(${DUR}\\)\n`));
    expect(report).not.toContain("web000");
    expect(report).toMatch(/✗ web100: skipped: web100: cannot connect: connection refused/);
    // Which host was slowest is timing (an unchanged host may wait longer for its slot than
    // web007's one op takes): the line names one of its group's hosts, with a duration.
    expect(report).toMatch(
      new RegExp(
        `web \\(120 hosts\\): 118 unchanged, 1 changed, 1 failed; 1 op run; slowest web\\d{3} \\(${DUR}\\)\n`,
      ),
    );
    expect(report).toMatch(
      new RegExp(
        `db \\(80 hosts\\): 79 unchanged, 1 changed, 0 failed; 1 op run; slowest db\\d{2} \\(${DUR}\\)\n`,
      ),
    );
    expect(report).toMatch(new RegExp(`Apply: 2 changed, 197 unchanged, 1 failed; 2 ops run in ${DUR}\\.\n`));
    expect(lines(io.out()).length).toBeLessThan(35);
    expect(hosts.web000?.opLog).toHaveLength(1);
  });
});
