/**
 * command: an argv run on the host when its guards say so. `unless` (exit 0
 * → already done), `onlyIf` (exit ≠ 0 → not needed) and `creates` (the path
 * exists → already done) are probed at plan time; every guard must agree for
 * the command to run. Without any guard it runs on every apply and the plan
 * says so: such a resource never converges, by declaration.
 */
import type * as t from "io-ts";
import type { CheckFact, FileFact, Probe, ProbeResult } from "../probe.js";
import { AbsPath, Argv, propsCodec } from "./codec.js";
import { diffOf, field } from "./common.js";
import { defineKind } from "./define.js";

/** Props of `command[<label>]`. */
export const CommandProps = propsCodec(
  "command",
  { argv: Argv },
  { unless: Argv, onlyIf: Argv, creates: AbsPath },
  {},
);
/** Decoded props of the kind, defaults filled: the type comes from the codec only. */
export type CommandProps = t.TypeOf<typeof CommandProps>;

/** Said in the plan of a command without guards. */
export const NO_GUARD = "no guard: runs on every apply";

/** The guards' verdicts, in probe order: why the command need not run, or null for "run". */
const verdicts = (p: CommandProps, facts: readonly ProbeResult[]): (string | null)[] => {
  let i = 0;
  const out: (string | null)[] = [];
  if (p.unless !== undefined) {
    const c = facts[i++] as CheckFact;
    out.push(c.exitCode === 0 ? `unless: ${p.unless.join(" ")} exited 0` : null);
  }
  if (p.onlyIf !== undefined) {
    const c = facts[i++] as CheckFact;
    out.push(c.exitCode !== 0 ? `onlyIf: ${p.onlyIf.join(" ")} exited ${c.exitCode}` : null);
  }
  if (p.creates !== undefined) {
    const f = facts[i++] as FileFact;
    out.push(f.type !== "absent" ? `creates: ${p.creates} exists` : null);
  }
  return out;
};

/** `command`: see the module comment. */
export const commandKind = defineKind<CommandProps>({
  kind: "command",
  props: CommandProps,
  provides: () => [],
  requires: () => [],

  probes: (p) => {
    const probes: Probe[] = [];
    if (p.unless !== undefined) probes.push({ type: "check", argv: p.unless });
    if (p.onlyIf !== undefined) probes.push({ type: "check", argv: p.onlyIf });
    if (p.creates !== undefined) probes.push({ type: "file", path: p.creates });
    return probes;
  },

  diff: (p, facts) => {
    const v = verdicts(p, facts);
    const notes = v.length === 0 ? [NO_GUARD] : [];
    if (v.some((x) => x !== null))
      return diffOf("create", [], { notes: v.filter((x): x is string => x !== null) });
    return diffOf("create", [field("argv", null, p.argv)], { notes });
  },

  ops: (p, diff) => (diff.fields.length === 0 ? [] : [{ op: "exec", argv: p.argv }]),
});
