/**
 * Nothing waits for the slowest host: a host is planned, and a host reached
 * only for its facts is closed, while another host has not yet answered.
 * The slow host answers once that has happened (or after a few seconds, so
 * a barrier makes the test fail, not hang); the promise is in the order of
 * events, never in their timing.
 */
import type { Target } from "@tend/core";
import { left, right } from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { inventoryFile, motdModules, recordingIo, simDeps, simHost } from "../test-support.js";
import type { Deps } from "./facade.js";
import { planRun } from "./planning.js";
import { Progress } from "./progress.js";

/** Resolves when `ready` does, or after a fallback that only a pipeline that waits for everyone ever needs. */
const whenOrLate = (ready: Promise<void>): Promise<void> =>
  Promise.race([ready, new Promise<void>((r) => setTimeout(r, 3000))]);

const signal = (): { readonly fired: Promise<void>; readonly fire: () => void } => {
  let fire!: () => void;
  const fired = new Promise<void>((r) => {
    fire = r;
  });
  return { fired, fire };
};

/**
 * fast (which needs helper's facts) and slow (which needs none); slow's
 * facts come only once `release` fires. Events: "probe fast", "facts slow",
 * "close helper", "resources fast".
 */
const setup = (release: Promise<void>, onEvent: (e: string) => void) => {
  const events: string[] = [];
  const log = (e: string): void => {
    events.push(e);
    onEvent(e);
  };
  const sims = { helper: simHost("helper"), fast: simHost("fast"), slow: simHost("slow") };
  const modules = motdModules({
    factHosts: (_inventory, hosts) => (hosts.includes("fast") ? ["helper"] : []),
    resources: (host, cluster) => {
      log(`resources ${host}`);
      const needed = host === "fast" ? cluster.hosts.get("helper")?.facts : true;
      return needed
        ? right([{ kind: "file", name: "/etc/motd", props: { content: "hi\n" } }])
        : left([`${host}: no facts gathered for helper`]);
    },
  });
  const base = simDeps(sims, modules);
  const watched = (t: Target): Target => ({
    host: t.host,
    hostFacts: async () => {
      if (t.host === "slow") await whenOrLate(release);
      const f = await t.hostFacts();
      log(`facts ${t.host}`);
      return f;
    },
    probe: (p) => {
      log(`probe ${t.host}`);
      return t.probe(p);
    },
    observe: (p) => {
      log(`probe ${t.host}`);
      return t.observe(p);
    },
    run: (ops, blobs, o) => t.run(ops, blobs, o),
    close: async () => log(`close ${t.host}`),
  });
  const deps: Deps = {
    ...base,
    openTarget: async (c) => {
      const t = await base.openTarget(c);
      return t._tag === "Right" ? right(watched(t.right)) : t;
    },
  };
  const inventory = inventoryFile("hosts.ini", "[helpers]\nhelper\n[workers]\nslow\nfast\n");
  return { events, deps, inventory };
};

const planWorkers = async (deps: Deps, inventory: string) => {
  const run = await planRun(
    { inventory, limit: ["workers"], local: false },
    deps,
    new Progress(recordingIo(), false),
    50,
  );
  if ("errors" in run) throw new Error(run.errors.join("\n"));
  return run;
};

describe("the plan pipeline and a slow host", () => {
  it("plans a host before the slowest other host's facts arrive", async () => {
    const probed = signal();
    const { events, deps, inventory } = setup(probed.fired, (e) => e === "probe fast" && probed.fire());
    const run = await planWorkers(deps, inventory);
    expect(events.indexOf("probe fast")).toBeGreaterThanOrEqual(0);
    expect(events.indexOf("probe fast")).toBeLessThan(events.indexOf("facts slow"));
    // The plan still lists the hosts in inventory order, slow first.
    expect(run.plan.hosts.map((h) => [h.host, h.status])).toEqual([
      ["slow", "ready"],
      ["fast", "ready"],
    ]);
  });

  it("closes a host reached for its facts once they are in, not after the slowest host", async () => {
    const closed = signal();
    const { events, deps, inventory } = setup(closed.fired, (e) => e === "close helper" && closed.fire());
    const run = await planWorkers(deps, inventory);
    expect(events.indexOf("facts helper")).toBeLessThan(events.indexOf("close helper"));
    expect(events.indexOf("close helper")).toBeLessThan(events.indexOf("facts slow"));
    expect(events.filter((e) => e === "close helper")).toHaveLength(1);
    expect([...run.reached.keys()]).toEqual(["slow", "fast"]);
  });
});
