/**
 * defineKind: the one wrapper every kind goes through. It checks that the
 * facts handed to diff/ops/derivedBlobs answer the kind's probes (count and
 * shape), so each kind can read its facts by position, and that the name
 * suits the kind. A mismatch (an engine bug) or a bad name becomes a refused
 * change (an "update" with a `refused: ` note and no fields) instead of a
 * throw; any refused change gets no ops.
 */
import type * as t from "io-ts";
import { factCodecs, type Probe, type ProbeResult } from "../probe.js";
import type { Diff, KindContext, ResourceKind } from "../resource.js";
import { isAbsPath } from "./codec.js";
import { REFUSED, refusal } from "./common.js";

/** Why `facts` do not answer `probes`, or undefined when they do. */
export const factsMismatch = (
  probes: readonly Probe[],
  facts: readonly ProbeResult[],
): string | undefined => {
  if (probes.length !== facts.length) return `expected ${probes.length} facts, got ${facts.length}`;
  for (const [i, probe] of probes.entries()) {
    const codec = factCodecs[probe.type] as t.Type<unknown, unknown, unknown>;
    if (!codec.is(facts[i])) return `fact ${i} does not answer the ${probe.type} probe`;
  }
  return undefined;
};

/** Rules the props codec cannot check, because they are about the resource's name. */
export interface KindRules {
  /** Why the name is not acceptable (e.g. not an absolute path), or undefined. */
  readonly name?: (name: string) => string | undefined;
}

/** Names of file kinds are absolute paths. */
export const absoluteName: KindRules = {
  name: (n) =>
    isAbsPath(n) ? undefined : `the name ${JSON.stringify(n)} is not an absolute, normalised path`,
};

/** A kind whose diff and ops only ever see facts that answer its probes. */
export const defineKind = <P>(k: ResourceKind<P>, rules: KindRules = {}): ResourceKind<P> => {
  const mismatch = (p: P, facts: readonly ProbeResult[], ctx: KindContext) =>
    rules.name?.(ctx.name) ?? factsMismatch(k.probes(p, ctx), facts);
  const refused = (why: string): Diff => ({ action: "update", fields: [], notes: [`${REFUSED}${why}`] });
  return {
    ...k,
    diff: (p, facts, ctx) => {
      const m = mismatch(p, facts, ctx);
      return m === undefined ? k.diff(p, facts, ctx) : refused(m);
    },
    // A refused change has no ops, whatever the kind would emit.
    ops: (p, diff, facts, ctx) =>
      mismatch(p, facts, ctx) === undefined && refusal(diff) === undefined ? k.ops(p, diff, facts, ctx) : [],
    ...(k.derivedBlobs
      ? {
          derivedBlobs: (p: P, facts: readonly ProbeResult[], ctx: KindContext) =>
            mismatch(p, facts, ctx) === undefined ? (k.derivedBlobs?.(p, facts, ctx) ?? []) : [],
        }
      : {}),
  };
};
