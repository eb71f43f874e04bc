/**
 * Running a host's health gates: every try of every gate still pending goes
 * in one probe round trip; a gate that failed waits its backoff (doubling)
 * and tries again until its retries are spent. The clock is injected, so
 * tests run the retries without waiting.
 */
import * as E from "fp-ts/lib/Either.js";
import { describeTargetError } from "../engine/errors.js";
import type { CheckFact } from "../probe.js";
import type { Target } from "../target.js";
import { gateProbe, type HealthGate } from "./gate.js";

/** The outcome of one gate on one host. */
export interface GateResult {
  readonly name: string;
  readonly origin: string;
  readonly passed: boolean;
  /** Tries made (1 + retries used). */
  readonly tries: number;
  /** Why the last try failed (the check's first output line, or the transport error). */
  readonly reason?: string;
}

/** Waits `ms`; tests pass one that only records. */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

interface Pending {
  readonly gate: HealthGate;
  tries: number;
  /** When (on the injected clock's count of waited ms) its next try is due. */
  dueAt: number;
  reason?: string;
}

const firstLine = (s: string): string => s.split("\n")[0]!.trim().slice(0, 200);

/**
 * Runs `gates` on `target` until each passed or spent its retries. Results
 * in the order of `gates`. Never throws: an unreachable host fails every
 * pending gate with the transport error as reason.
 */
export const runGates = async (
  target: Target,
  gates: readonly HealthGate[],
  sleep: Sleep = realSleep,
): Promise<GateResult[]> => {
  const done = new Map<HealthGate, GateResult>();
  let pending: Pending[] = gates.map((gate) => ({ gate, tries: 0, dueAt: 0 }));
  let now = 0;
  while (pending.length > 0) {
    const due = pending.filter((p) => p.dueAt <= now);
    const answers = await target.probe(due.map((p) => gateProbe(p.gate)));
    due.forEach((p, i) => {
      p.tries++;
      const fact = E.isRight(answers) ? (answers.right[i] as CheckFact | undefined) : undefined;
      if (fact?.exitCode === 0) {
        done.set(p.gate, { name: p.gate.name, origin: p.gate.origin, passed: true, tries: p.tries });
        return;
      }
      p.reason = E.isLeft(answers)
        ? describeTargetError(answers.left)
        : firstLine(fact?.stdout ?? "") || `exit ${fact?.exitCode ?? "?"}`;
      if (p.tries > p.gate.retries || E.isLeft(answers)) {
        done.set(p.gate, {
          name: p.gate.name,
          origin: p.gate.origin,
          passed: false,
          tries: p.tries,
          reason: p.reason,
        });
        return;
      }
      p.dueAt = now + p.gate.backoffMs * 2 ** (p.tries - 1);
    });
    pending = pending.filter((p) => !done.has(p.gate));
    if (pending.length === 0) break;
    const next = Math.min(...pending.map((p) => p.dueAt));
    if (next > now) {
      await sleep(next - now);
      now = next;
    }
  }
  return gates.map((g) => done.get(g)!);
};
