/**
 * The outcomes a rollout promises for a fault pattern, computed without
 * rollout(): the oracle of the rollout properties in core (rollout() on
 * SimHosts) and in the CLI (a live and a saved-plan rollout through main()).
 */

/** What goes wrong on one host of a rollout: nothing, its first op, its connection, or its health gate. */
export type RolloutFault = "none" | "op" | "unreachable" | "gate";

/**
 * Each host's outcome, hosts in rollout order, batches of `size`: a host
 * fails when it has a fault, and a batch is untouched once more hosts than
 * `budget` failed in the batches before it.
 */
export const expectedOutcomes = (
  faults: readonly RolloutFault[],
  size: number,
  budget: number,
): ("done" | "failed" | "untouched")[] => {
  let failed = 0;
  return faults.map((f, i) => {
    if (i % size === 0 && failed > budget) return "untouched";
    const batchStart = i - (i % size);
    const before = faults.slice(0, batchStart).filter((x) => x !== "none").length;
    if (before > budget) return "untouched";
    if (f !== "none") failed++;
    return f === "none" ? "done" : "failed";
  });
};
