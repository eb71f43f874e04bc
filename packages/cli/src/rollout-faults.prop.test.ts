/**
 * The rollout's promises under random faults, through main() on SimHosts,
 * for a live rollout (`tend apply -i INV --batch`) and for a saved plan's
 * (`tend plan --out F`, then `tend apply F -i INV --batch`): no host of a
 * batch after the one that spent the budget is touched, every host is
 * applied at most once per run, the report accounts for every host exactly
 * once with the outcome the budget rule gives (expectedOutcomes, the oracle
 * core's rollout property uses), and with --rollback-on-fail every failed
 * host is left as it was and no host keeps a rollback copy. Faults: an op
 * that fails, a host unreachable at apply time, a health gate that fails.
 */
import { batchSizeOf, budgetOf, parseShare } from "@tend/core";
import { expectedOutcomes, type RolloutFault, type SimHost } from "@tend/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { main } from "./index.js";
import {
  faultyHosts,
  inventoryFile,
  motdGatedModules,
  recordingIo,
  simDeps,
  tempDir,
} from "./test-support.js";

const numRuns = Math.max(1, Math.floor(Number(process.env.TEND_PROP_RUNS ?? 200) / 10));

/** Modules whose one gate per host is "/etc/motd exists", tried once more. */
const gated = motdGatedModules(1);

interface Report {
  hosts: {
    host: string;
    batch: number;
    outcome: string;
    reason?: string;
    rollback?: { restored: boolean };
  }[];
  stopped: boolean;
  failed: number;
}

/** Files outside tend's own state: what a rollback must put back. */
const userFiles = (h: SimHost): Record<string, unknown> =>
  Object.fromEntries(Object.entries(h.state.files).filter(([p]) => !p.startsWith("/var/lib/tend")));

const inventoryOf = (names: readonly string[]): string =>
  inventoryFile("hosts.yml", ["all:", "  hosts:", ...names.map((h) => `    ${h}: {}`), ""].join("\n"));

type Path = "live" | "saved";

/** Rolls out the fleet by `path`; returns the report (undefined when refused), the apply's hosts and the stderr. */
const rollOut = async (
  path: Path,
  faults: readonly RolloutFault[],
  failAt: readonly number[],
  args: readonly string[],
) => {
  const names = faults.map((_, i) => `h${i}`);
  const inv = inventoryOf(names);
  const flags = ["--json", ...args];
  let argv = ["apply", "-i", inv, "--yes", ...flags];
  if (path === "saved") {
    // Planned while every host is healthy and reachable: the faults strike at apply time.
    const file = `${tempDir("plan-")}/plan.json`;
    const planned = recordingIo();
    const made = await main(["plan", "-i", inv, "--out", file], planned, simDeps(faultyHosts(names), gated));
    expect(made, planned.err()).toBe(0);
    argv = ["apply", file, "-i", inv, ...flags];
  }
  const hosts = faultyHosts(names, (h) => {
    const i = names.indexOf(h);
    return { fault: faults[i]!, failAtOp: failAt[i]! };
  });
  const before = new Map(Object.entries(hosts).map(([h, s]) => [h, userFiles(s)]));
  const io = recordingIo();
  const code = await main(argv, io, simDeps(hosts, gated));
  const report = io.out().startsWith("{") ? (JSON.parse(io.out()) as Report) : undefined;
  return { code, report, hosts, before, names, err: io.err() };
};

const faultArb = fc.constantFrom<RolloutFault>("none", "none", "op", "unreachable", "gate");
const shareArb = (min: number) =>
  fc.oneof(
    fc.integer({ min: Math.max(min, 0), max: 3 }).map(String),
    fc.integer({ min, max: 100 }).map((p) => `${p}%`),
  );

describe.each<Path>(["live", "saved"])("a %s rollout under faults", (path) => {
  it("no host after the batch that spent the budget is touched; each host applied at most once; each in the report once, as the budget rule says", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(faultArb, { minLength: 1, maxLength: 7 }),
        fc.array(fc.nat(3), { minLength: 7, maxLength: 7 }),
        shareArb(1),
        shareArb(0),
        fc.boolean(),
        async (faults, at, batch, maxFail, rollback) => {
          // A failed op is any op of the host's apply: without a rollback it has one (the write),
          // with one four (intent, keep, the units record, the write), so a keep can fail too.
          const failAt = at.map((k) => (rollback ? k : 0));
          const args = ["--batch", batch, "--max-fail", maxFail, ...(rollback ? ["--rollback-on-fail"] : [])];
          const r = await rollOut(path, faults, failAt, args);
          // Both paths report every time, even when no host could be planned (nothing to apply).
          expect(r.report, r.err).toBeDefined();
          const report = r.report!;
          const n = faults.length;
          const b = parseShare("--batch", batch, 1);
          const m = parseShare("--max-fail", maxFail, 0);
          if (b._tag === "Left" || m._tag === "Left") throw new Error("the arbitraries make valid shares");
          const want = expectedOutcomes(faults, batchSizeOf(b.right, n), budgetOf(m.right, n));
          expect(report.hosts.map((h) => h.host)).toEqual(r.names);
          expect(report.hosts.map((h) => h.outcome)).toEqual(want);
          expect(r.code).toBe(want.every((o) => o === "done") ? 0 : 1);
          expect(report.stopped).toBe(want.includes("untouched"));
          expect(report.failed).toBe(want.filter((o) => o === "failed").length);
          for (const h of report.hosts) {
            const sim = r.hosts[h.host];
            if (h.outcome === "failed") expect(h.reason, h.host).toContain(h.host);
            if (!sim) continue;
            if (h.outcome === "untouched") expect(sim.opLog, h.host).toEqual([]);
            const writes = sim.opLog.filter((o) => o.op === "writeFile" && o.path === "/etc/motd");
            expect(writes.length, h.host).toBeLessThanOrEqual(1);
            if (rollback) {
              if (h.outcome === "failed") expect(userFiles(sim), h.host).toEqual(r.before.get(h.host));
              const kept = Object.keys(sim.state.files).filter((p) =>
                p.startsWith("/var/lib/tend/rollback/"),
              );
              expect(kept, h.host).toEqual([]);
            }
          }
        },
      ),
      { numRuns },
    );
  });
});
