/**
 * defineKind: the one wrapper every kind goes through. It checks that the
 * facts handed to diff/ops/derivedBlobs answer the kind's probes (count and
 * shape), so each kind can read its facts by position, and that the name
 * suits the kind's grammar. The engine checks names before it plans
 * (checkName); for a kind run on its own, a mismatch (an engine bug) or a bad
 * name becomes a refused change instead of a throw, and a refused change
 * gets no ops.
 */
import type * as t from "io-ts";
import { absPath, type Grammar, label, problem } from "../names.js";
import { factCodecs, type Probe, type ProbeResult } from "../probe.js";
import type { Diff, KindContext, ResourceKind } from "../resource.js";
import { refusal, refusedDiff } from "./common.js";

/** Why `facts` do not answer `probes`, or undefined when they do. */
export const factsMismatch = (
  probes: readonly Probe[],
  facts: readonly ProbeResult[],
): string | undefined => {
  if (probes.length !== facts.length) return `expected ${probes.length} facts, got ${facts.length}`;
  for (let i = 0; i < probes.length; i++) {
    const probe = probes[i]!;
    const codec = factCodecs[probe.type] as t.Type<unknown, unknown, unknown>;
    if (!codec.is(facts[i])) return `fact ${i} does not answer the ${probe.type} probe`;
  }
  return undefined;
};

/** Rules the props codec cannot check, because they are about the resource's name. */
export interface KindRules {
  /** The grammar of the kind's names (else the kind's own checkName; at least: non-empty, no NUL). */
  readonly name?: Grammar;
}

/** Names of file kinds are absolute, normalised paths. */
export const absoluteName: KindRules = { name: absPath };

/** The checkName functions grammarCheck made: each depends on the name alone. */
const grammarChecks = new WeakSet<(name: string) => string | undefined>();

/** A kind's checkName by a grammar ("expected …, got …"); defineKind checks each name once. */
export const grammarCheck = (g: Grammar): ((name: string) => string | undefined) => {
  const checkName = (name: string): string | undefined => problem(g, name);
  grammarChecks.add(checkName);
  return checkName;
};

/** How many names a kind remembers the check of (a memo: past it, it starts over). */
const NAMES_MAX = 4096;
/** Longer names are checked every time, never kept: a 20 MB hostile name must not stay in memory. */
const NAME_MAX_CHARS = 4096;

/** A kind whose diff and ops only ever see facts that answer its probes, and only names of its grammar. */
export const defineKind = <P>(k: ResourceKind<P>, rules: KindRules = {}): ResourceKind<P> => {
  // Every name is a non-empty plain string; then the kind's own grammar (rules or checkName) applies.
  const check = (name: string): string | undefined =>
    problem(label, name) ?? (rules.name ? problem(rules.name, name) : k.checkName?.(name));
  // A kind whose names follow grammars only (predicates of the name alone) checks each name once: a
  // fleet's hosts share most names, and the engine checks each name before planning and again in diff.
  // Any other checkName of a kind is called every time, as it may not be a function of the name alone.
  const known = new Map<string, string | undefined>();
  const checkName =
    k.checkName !== undefined && !grammarChecks.has(k.checkName)
      ? check
      : (name: string): string | undefined => {
          if (typeof name !== "string" || name.length > NAME_MAX_CHARS) return check(name);
          if (known.has(name)) return known.get(name);
          const why = check(name);
          if (known.size >= NAMES_MAX) known.clear();
          known.set(name, why);
          return why;
        };
  // The engine hands diff then derivedBlobs of one resource the same props, facts and context:
  // the check runs once for both (facts are readonly, so the answer cannot change). Only the
  // last check is kept: a weak table of every resource's facts costs more than checking again.
  let last: { p: P; facts: readonly ProbeResult[]; ctx: KindContext; why: string | undefined } | undefined;
  const mismatch = (p: P, facts: readonly ProbeResult[], ctx: KindContext): string | undefined => {
    if (last !== undefined && last.facts === facts && last.p === p && last.ctx === ctx) return last.why;
    const why = checkName(ctx.name) ?? factsMismatch(k.probes(p, ctx), facts);
    last = { p, facts, ctx, why };
    return why;
  };
  const refused = (why: string): Diff => refusedDiff("update", [], { reason: why });
  return {
    ...k,
    checkName,
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
