/**
 * Counting exec round trips, for the cost model ("a no-op plan costs one round
 * trip for host facts and one for resource facts") and for benchmarks.
 */
import type { Transport } from "@tend/core";

/** A value and the exec round trips spent computing it. */
export interface RoundTripCount<A> {
  readonly value: A;
  readonly roundTrips: number;
}

/**
 * Runs `work` and reports how many exec round trips the transport made during
 * it (the difference of `Transport.roundTrips`). Work running concurrently on
 * the same transport is counted too, so measure one thing at a time.
 */
export const countRoundTrips = async <A>(
  transport: Transport,
  work: () => Promise<A>,
): Promise<RoundTripCount<A>> => {
  const before = transport.roundTrips;
  const value = await work();
  return { value, roundTrips: transport.roundTrips - before };
};
