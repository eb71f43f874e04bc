/**
 * Slots bound the hosts in flight: however tasks claim and give back slots,
 * no more than the limit are held at once, every claim is served, and a
 * resuming host is served before any host not started yet, in the order
 * each queue was joined.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type SlotClaim, Slots } from "./slots.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);

const ticks = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

describe("Slots", () => {
  it("never hold more than the limit, and serve every claim", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.record({ claim: fc.constantFrom<SlotClaim>("start", "resume"), work: fc.nat(5) }), {
          maxLength: 30,
        }),
        async (limit, tasks) => {
          const slots = new Slots(limit);
          let held = 0;
          let most = 0;
          await Promise.all(
            tasks.map(async ({ claim, work }) => {
              await slots.acquire(claim);
              held++;
              most = Math.max(most, held);
              await ticks(work);
              held--;
              slots.release();
            }),
          );
          expect(most).toBeLessThanOrEqual(limit);
          expect(slots.inUse).toBe(0);
        },
      ),
      { numRuns },
    );
  });

  it("serve a resuming host before the hosts not started, each queue in order", async () => {
    const slots = new Slots(1);
    await slots.acquire("start");
    const served: string[] = [];
    const wait = (name: string, claim: SlotClaim) =>
      slots.acquire(claim).then(() => {
        served.push(name);
        slots.release();
      });
    const all = [
      wait("new1", "start"),
      wait("new2", "start"),
      wait("back1", "resume"),
      wait("back2", "resume"),
    ];
    slots.release();
    await Promise.all(all);
    expect(served).toEqual(["back1", "back2", "new1", "new2"]);
  });
});
