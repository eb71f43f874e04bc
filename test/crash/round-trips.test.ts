/**
 * What the lock and the stale check cost on a real host, in exec round
 * trips (counted by the transport, see test/hosts/round-trips.ts): nothing.
 * Both ride on the op batch's own exec, so an apply is one round trip for
 * the ops plus the convergence re-plan, a plan refused as stale or locked
 * costs one, and the separate recheck (host facts + probes) is gone.
 */
import { apply, decodePlan, encodePlan, type Plan, plan, type Resource, ShellTarget } from "@tend/core";
import { dockerTransport } from "@tend/transport-docker";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countRoundTrips, startHosts, stopHosts, type TestHost } from "../hosts/hosts.js";
import { onHost } from "../targets/real-host.js";

let host: TestHost;
let transport: ReturnType<typeof dockerTransport>;
let target: ShellTarget;
beforeAll(async () => {
  const [h] = await startHosts(1, { prefix: "rtrips" });
  if (!h) throw new Error("no host");
  host = h;
  transport = dockerTransport({ container: host.container, host: host.name });
  target = new ShellTarget(transport, { timeoutMs: 120_000 });
});
afterAll(async () => {
  await transport?.close();
  await stopHosts(host ? [host] : []);
});

const files = (tag: string): Resource[] =>
  Array.from({ length: 20 }, (_, i) => ({
    kind: "file",
    name: `/etc/rt/${i}.conf`,
    props: { content: `${tag} ${i}\n` },
  }));
const viaJson = (p: Plan): Plan => {
  const d = decodePlan(encodePlan(p));
  if (E.isLeft(d)) throw new Error(d.left._tag);
  return d.right;
};

describe("the lock and the stale check add no round trip to an apply", () => {
  it("plan 2, apply of that plan 2 (ops under the lock with the stale check, convergence re-plan)", async () => {
    const planned = await countRoundTrips(transport, () => plan(files("a"), target));
    const applied = await countRoundTrips(transport, () => apply(planned.value, target));
    expect(applied.value.hosts[0]).toMatchObject({ status: "applied", verdict: { converged: true } });
    expect([planned.roundTrips, applied.roundTrips]).toEqual([2, 2]);
  });

  it("a saved plan: apply 3 (ops with lock and check, host facts and probes to re-plan)", async () => {
    const saved = viaJson((await plan(files("b"), target)).plan);
    const applied = await countRoundTrips(transport, () => apply(saved, target));
    expect(applied.value.hosts[0]).toMatchObject({ status: "applied", verdict: { converged: true } });
    expect(applied.roundTrips).toBe(3);
  });

  it("a saved plan gone stale is refused in 1 round trip, before any op", async () => {
    const saved = viaJson((await plan(files("c"), target)).plan);
    await onHost(host, "echo edited > /etc/rt/3.conf");
    const applied = await countRoundTrips(transport, () => apply(saved, target));
    expect(applied.value.hosts[0]?.status).toBe("stale");
    expect(applied.roundTrips).toBe(1);
    expect(await onHost(host, "cat /etc/rt/0.conf")).toBe("b 0\n");
  });
});
