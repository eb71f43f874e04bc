/**
 * Shared fixture-table runners for the SimHost tests: op rows (run a row's ops on a fresh
 * SimHost, then check the failure or completion and an `after` check) and probe rows (answer
 * one probe on a fresh SimHost and compare with the expected result).
 */
import * as E from "fp-ts/lib/Either.js";
import { expect } from "vitest";
import type { Op } from "../op.js";
import type { Probe, ProbeResult } from "../probe.js";
import { blobStore } from "./blobs.js";
import { freshDebianHost, type SimStateOverrides } from "./debian.js";
import { answerProbe } from "./probes.js";
import { SimHost } from "./simhost.js";
import type { SimFile, SimState } from "./state.js";

/** A regular file for `SimStateOverrides.files`. */
export const file = (
  content: string | Uint8Array,
  mode = 0o644,
  owner = "root",
  group = "root",
): SimFile => ({
  type: "file",
  content: Buffer.from(content).toString("base64"),
  mode,
  owner,
  group,
});

export const ask = (s: SimState, p: Probe): ProbeResult => answerProbe(s, p);

/** A file's content as text, or undefined when the probe returns none. */
export const content = (s: SimState, path: string): string | undefined => {
  const f = ask(s, { type: "file", path, content: true });
  return f && "contentBase64" in f && f.contentBase64 !== undefined
    ? Buffer.from(f.contentBase64, "base64").toString()
    : undefined;
};

export interface OpRow {
  promise: string;
  overrides?: SimStateOverrides;
  ops: Op[];
  /** Blob contents the run is given (default: the runner's `blobs`). */
  blobs?: string[];
  /** Checks on the state (and warnings) after the run, whether it failed or not. */
  after?: (s: SimState, warnings: readonly string[]) => void;
  /** The run fails at op `index` with stderr containing `stderr` (exit code `exitCode`, default 1). */
  fails?: { index: number; stderr: string; exitCode?: number };
}

export interface OpRowOptions {
  /** Blob contents for rows that give none (default: none). */
  blobs?: string[];
  /** When set, a failure must also name this host. */
  host?: string;
}

/** The body of `it.each(rows)("$promise", runOpRow(...))` for op rows. */
export const runOpRow =
  (options: OpRowOptions = {}) =>
  async ({ overrides, ops, blobs, after, fails }: OpRow): Promise<void> => {
    const host = new SimHost(freshDebianHost(overrides));
    const r = await host.run(ops, blobStore(...(blobs ?? options.blobs ?? [])));
    if (fails) {
      expect(E.isLeft(r) && r.left).toMatchObject({
        _tag: "OpFailed",
        ...(options.host === undefined ? {} : { host: options.host }),
        index: fails.index,
        exitCode: fails.exitCode ?? 1,
      });
      expect(E.isLeft(r) && r.left._tag === "OpFailed" && r.left.stderr).toContain(fails.stderr);
    } else {
      expect(r).toEqual(E.right({ completed: ops.length }));
    }
    after?.(host.state, host.warnings);
  };

/** The answer to one probe on a fresh SimHost; a probe failure throws. */
export const answer = async (overrides: SimStateOverrides, probe: Probe): Promise<ProbeResult> => {
  const host = new SimHost(freshDebianHost(overrides));
  const r = await host.probe([probe]);
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right[0] as ProbeResult;
};

export interface ProbeRow {
  promise: string;
  overrides: SimStateOverrides;
  probe: Probe;
  expected: ProbeResult;
}

/** The body of `it.each(rows)("$promise", runProbeRow)` for probe rows. */
export const runProbeRow = async ({ overrides, probe, expected }: ProbeRow): Promise<void> => {
  expect(await answer(overrides, probe)).toEqual(expected);
};
