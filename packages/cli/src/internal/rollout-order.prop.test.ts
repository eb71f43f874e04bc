/**
 * One rollout order: a saved plan rolled out (`tend plan --out F` then
 * `tend apply F -i INV --batch N`) batches the hosts exactly as a live
 * rollout of the same inventory (`tend apply -i INV --batch N`) does, for
 * any inventory: hosts in several groups or none, tend_rollout_order set
 * for all or for one group only (then both refuse it, naming a host), and
 * hosts that could not be reached when the plan was made.
 */
import type { SimHost } from "@tend/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { main } from "../index.js";
import {
  gatedHosts,
  inventoryFile,
  motdGatedModules,
  recordingIo,
  simDeps,
  tempDir,
} from "../test-support.js";

const numRuns = Math.max(1, Math.floor(Number(process.env.TEND_PROP_RUNS ?? 200) / 10));

const GROUPS = ["k8s_etcd", "k8s_controller", "k8s_worker", "edge"] as const;
// "e5" and "010": names YAML 1.1 would read as numbers are taken as written.
const HOSTS = ["a1", "b2", "c3", "d4", "e5", "010"] as const;
const gated = motdGatedModules(0);

interface Fleet {
  /** Each host's groups (none: listed under all only). */
  readonly member: readonly (readonly string[])[];
  /** tend_rollout_order, and the group whose vars set it ("all" for every host). */
  readonly order?: { readonly groups: readonly string[]; readonly on: string };
  /** Hosts unreachable when the plan is made (and so at apply time too). */
  readonly down: readonly boolean[];
}

const fleetArb: fc.Arbitrary<Fleet> = fc.record(
  {
    member: fc.array(fc.subarray([...GROUPS]), { minLength: HOSTS.length, maxLength: HOSTS.length }),
    order: fc.record({
      groups: fc.shuffledSubarray([...GROUPS], { minLength: 1 }),
      on: fc.constantFrom("all", "all", ...GROUPS),
    }),
    down: fc.array(fc.constantFrom(false, false, false, true), {
      minLength: HOSTS.length,
      maxLength: HOSTS.length,
    }),
  },
  { requiredKeys: ["member", "down"] },
);

/** The inventory text: groups in a fixed order listing their hosts, the order variable on its group. */
const inventoryText = (f: Fleet): string => {
  const lines = ["all:", "  hosts:"];
  HOSTS.forEach((h) => {
    lines.push(`    ${h}: {}`);
  });
  if (f.order?.on === "all") lines.push("  vars:", `    tend_rollout_order: [${f.order.groups.join(", ")}]`);
  lines.push("  children:");
  for (const g of GROUPS) {
    lines.push(`    ${g}:`, "      hosts:");
    HOSTS.forEach((h, i) => {
      if (f.member[i]!.includes(g)) lines.push(`        ${h}: {}`);
    });
    if (f.order?.on === g)
      lines.push("      vars:", `        tend_rollout_order: [${f.order.groups.join(", ")}]`);
  }
  return `${lines.join("\n")}\n`;
};

const hostsOf = (f: Fleet): Record<string, SimHost> =>
  gatedHosts(
    HOSTS,
    [],
    HOSTS.filter((_, i) => f.down[i]),
  );

interface Outcome {
  readonly code: number;
  /** [host, batch, outcome] of the report, or undefined when the run was refused. */
  readonly hosts?: readonly (readonly [string, number, string])[];
  readonly err: string;
}

const outcomeOf = (code: number, out: string, err: string): Outcome => {
  if (!out.startsWith("{")) return { code, err };
  const r = JSON.parse(out) as { hosts: { host: string; batch: number; outcome: string }[] };
  return { code, err, hosts: r.hosts.map((h) => [h.host, h.batch, h.outcome] as const) };
};

const live = async (inv: string, f: Fleet, batch: string): Promise<Outcome> => {
  const io = recordingIo();
  const code = await main(
    ["apply", "-i", inv, "--yes", "--json", "--batch", batch, "--max-fail", "100%"],
    io,
    simDeps(hostsOf(f), gated),
  );
  return outcomeOf(code, io.out(), io.err());
};

const saved = async (inv: string, f: Fleet, batch: string): Promise<Outcome> => {
  const file = `${tempDir("plan-")}/plan.json`;
  const planned = recordingIo();
  const made = await main(["plan", "-i", inv, "--out", file], planned, simDeps(hostsOf(f), gated));
  // A refused inventory writes no plan: the saved path has nothing to roll out.
  if (planned.err().includes("no host was contacted")) return { code: made, err: planned.err() };
  const io = recordingIo();
  const code = await main(
    ["apply", file, "-i", inv, "--json", "--batch", batch, "--max-fail", "100%"],
    io,
    simDeps(hostsOf(f), gated),
  );
  return outcomeOf(code, io.out(), io.err());
};

describe("one rollout order for saved and live rollouts", () => {
  it("a saved plan's rollout batches the same hosts in the same order as a live rollout of the inventory", async () => {
    await fc.assert(
      fc.asyncProperty(fleetArb, fc.constantFrom("1", "2", "50%", "100%"), async (f, batch) => {
        const inv = inventoryFile("hosts.yml", inventoryText(f));
        const [l, s] = [await live(inv, f, batch), await saved(inv, f, batch)];
        expect(s.hosts, `saved: ${s.err}`).toEqual(l.hosts);
        expect(s.code).toBe(l.code);
        // Hosts that disagree on the order are refused on both paths, naming the variable.
        if (l.hosts === undefined) {
          expect(l.err).toContain("a rollout has one order");
          expect(s.err).toContain("a rollout has one order");
        }
      }),
      { numRuns },
    );
  });
});
