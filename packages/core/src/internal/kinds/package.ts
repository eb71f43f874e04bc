/**
 * package: an OS package installed with the host's package manager (apt or
 * dnf, from props or host facts). Not installed → `packages` install. Without
 * a known package manager the change is refused (no ops, the host's plan
 * fails): tend cannot name a command that installs it.
 */
import type * as t from "io-ts";
import { packageName } from "../names.js";
import { type PackageFact, PackageManager } from "../probe.js";
import type { KindContext } from "../resource.js";
import { propsCodec } from "./codec.js";
import { diffOf, field, refusedDiff } from "./common.js";
import { defineKind, grammarCheck } from "./define.js";

/** Props of `package[<name>]`. */
export const PackageProps = propsCodec("package", {}, { manager: PackageManager }, {});
/** Decoded props of the kind, defaults filled: the type comes from the codec only. */
export type PackageProps = t.TypeOf<typeof PackageProps>;

/** The manager that installs it, or undefined when the host has none tend knows. */
export const managerOf = (p: PackageProps, ctx: KindContext): PackageManager | undefined => {
  if (p.manager !== undefined) return p.manager;
  const m = ctx.host.packageManager;
  return m === "apt" || m === "dnf" ? m : undefined;
};

/** `package`: see the module comment. */
export const packageKind = defineKind<PackageProps>({
  kind: "package",
  props: PackageProps,
  checkName: grammarCheck(packageName),
  provides: (_p, name) => [`package:${name}`],
  requires: () => [],

  probes: (p, ctx) => {
    const manager = managerOf(p, ctx);
    return manager === undefined ? [] : [{ type: "package", name: ctx.name, manager }];
  },

  diff: (p, facts, ctx) => {
    const manager = managerOf(p, ctx);
    if (manager === undefined)
      return refusedDiff("create", [field("installed", null, true)], {
        reason: `cannot install package ${ctx.name}: the host has neither apt nor dnf (set props.manager to apt or dnf)`,
      });
    const [f] = facts as readonly [PackageFact];
    return diffOf("create", f.version === null ? [field("installed", false, true)] : []);
  },

  ops: (p, diff, _facts, ctx) => {
    const manager = managerOf(p, ctx);
    return diff.fields.length === 0 || manager === undefined
      ? []
      : [{ op: "packages", manager, install: [ctx.name] }];
  },
});
