/**
 * apply under the host lock, on SimHost (which keeps the same lock contract
 * as ShellTarget's flock): one apply per host at a time, the stale check
 * under the lock, and what both cost in round trips.
 */
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { decodePlan, encodePlan } from "../plan/codec.js";
import type { Plan } from "../plan/format.js";
import type { Resource } from "../resource.js";
import { freshDebianHost } from "../sim/debian.js";
import { SimHost } from "../sim/simhost.js";
import { apply } from "./apply.js";
import { plan } from "./plan.js";
import { errorOf, isConverged } from "./report.fixture.js";

const files = (tag: string): Resource[] => [
  { kind: "file", name: "/etc/a.conf", props: { content: `a ${tag}\n` } },
  { kind: "file", name: "/etc/b.conf", props: { content: `b ${tag}\n` } },
];
const writesOf = (host: SimHost) => host.opLog.filter((o) => o.op === "writeFile").length;
const viaJson = (p: Plan): Plan => {
  const d = decodePlan(encodePlan(p));
  if (E.isLeft(d)) throw new Error(d.left._tag);
  return d.right;
};

describe("apply: one apply per host at a time", () => {
  it("two concurrent applies on one host: exactly one runs, the other is refused naming the holder", async () => {
    const host = new SimHost(freshDebianHost());
    const [pa, pb] = [await plan(files("one"), host), await plan(files("two"), host)];
    const [ra, rb] = await Promise.all([
      apply(pa, host, { lockHolder: { controller: "ci-7", pid: 4242 } }),
      apply(pb, host, { lockHolder: { controller: "ci-8", pid: 77 } }),
    ]);
    const reports = [ra.hosts[0]!, rb.hosts[0]!];
    expect(reports.filter((r) => r.status === "applied")).toHaveLength(1);
    const refused = reports.find((r) => r.status !== "applied")!;
    // Refused at the lock, or (had it come after the winner let go) as stale: never run.
    if (refused.status === "locked")
      expect(refused.error).toMatch(
        /: another apply holds the lock: controller ci-(7|8) pid (4242|77) since \d{4}-/,
      );
    else expect(refused.status).toBe("stale");
    // Only the winner's two writes ran.
    expect(writesOf(host)).toBe(2);
    expect(host.lockHolder).toBeUndefined();
  });

  it("with lockWaitMs the second apply waits, then refuses its plan as stale: the first changed the host meanwhile", async () => {
    const host = new SimHost(freshDebianHost());
    const [pa, pb] = [await plan(files("one"), host), await plan(files("two"), host)];
    const [ra, rb] = await Promise.all([apply(pa, host), apply(pb, host, { lockWaitMs: 10_000 })]);
    expect(ra.hosts[0]!.status).toBe("applied");
    expect(rb.hosts[0]!.status).toBe("stale");
    expect(errorOf(rb.hosts[0]!)).toContain("changed since this plan was made");
    expect(writesOf(host)).toBe(2);
  });

  it("an apply after the holder's link dropped proceeds (the lock died with its holder)", async () => {
    const host = new SimHost(freshDebianHost(), { dropAfterOp: 0 });
    const first = await apply(await plan(files("one"), host), host);
    expect(first.hosts[0]!.status).toBe("failed");
    host.reconnect();
    expect(host.lockHolder).toBeUndefined();
    const again = await apply(await plan(files("one"), host), host);
    expect(again.hosts[0]!.status).toBe("applied");
    expect(isConverged(again.hosts[0]!)).toBe(true);
  });
});

describe("apply: a held lock", () => {
  it("an apply while another holds the lock fails naming the holder; with lockWaitMs it waits and applies", async () => {
    const host = new SimHost(freshDebianHost());
    const release = host.holdLock({ controller: "ci-7", pid: 4242 });
    const refused = (await apply(await plan(files("one"), host), host)).hosts[0]!;
    expect(refused.status).toBe("locked");
    expect(errorOf(refused)).toMatch(/: another apply holds the lock: controller ci-7 pid 4242 since \d{4}-/);
    expect(writesOf(host)).toBe(0);
    const waiting = apply(await plan(files("one"), host), host, { lockWaitMs: 10_000 });
    setTimeout(release, 20);
    expect((await waiting).hosts[0]!.status).toBe("applied");
    expect(writesOf(host)).toBe(2);
  });
});

describe("apply: the stale check runs under the lock and costs no round trip", () => {
  it("a saved plan whose host changed is refused before any op, in one round trip", async () => {
    const host = new SimHost(freshDebianHost());
    const p = viaJson((await plan(files("one"), host)).plan);
    host.mutate((s) => {
      s.files["/etc/b.conf"] = {
        type: "file",
        content: "ZWRpdGVk",
        mode: 0o644,
        owner: "root",
        group: "root",
      };
    });
    const before = host.roundTrips;
    const r = await apply(p, host);
    expect(r.hosts[0]!.status).toBe("stale");
    expect(host.roundTrips - before).toBe(1);
    expect(writesOf(host)).toBe(0);
  });

  it("an in-process plan applies in two round trips (ops with lock and check, then the convergence probes)", async () => {
    const host = new SimHost(freshDebianHost());
    const p = await plan(files("one"), host);
    const before = host.roundTrips;
    const r = await apply(p, host);
    expect(isConverged(r.hosts[0]!)).toBe(true);
    expect(host.roundTrips - before).toBe(2);
  });

  it("a saved plan applies in three round trips (ops with lock and check, host facts, convergence probes)", async () => {
    const host = new SimHost(freshDebianHost());
    const p = viaJson((await plan(files("one"), host)).plan);
    const before = host.roundTrips;
    const r = await apply(p, host);
    expect(isConverged(r.hosts[0]!)).toBe(true);
    expect(host.roundTrips - before).toBe(3);
  });
});
