/**
 * group: a system group. Absent → groupadd (with gid and -r when system);
 * a declared gid that differs → groupmod -g. Members are the users' business.
 */
import * as t from "io-ts";
import { accountName } from "../names.js";
import type { GroupFact } from "../probe.js";
import { Id, propsCodec } from "./codec.js";
import { diffOf, field } from "./common.js";
import { defineKind, grammarCheck } from "./define.js";

/** Props of `group[<name>]`. */
export const GroupProps = propsCodec("group", { system: t.boolean }, { gid: Id }, { system: false });
/** Decoded props of the kind, defaults filled: the type comes from the codec only. */
export type GroupProps = t.TypeOf<typeof GroupProps>;

/** `group`: see the module comment. */
export const groupKind = defineKind<GroupProps>({
  kind: "group",
  props: GroupProps,
  checkName: grammarCheck(accountName),
  provides: (_p, name) => [`group:${name}`],
  requires: () => [],

  probes: (_p, ctx) => [{ type: "group", name: ctx.name }],

  diff: (p, facts) => {
    const [g] = facts as readonly [GroupFact];
    if (!g.exists)
      return diffOf("create", [
        field("exists", false, true),
        ...(p.gid !== undefined ? [field("gid", null, p.gid)] : []),
      ]);
    return diffOf("update", p.gid !== undefined && g.gid !== p.gid ? [field("gid", g.gid, p.gid)] : []);
  },

  ops: (p, diff, facts, ctx) => {
    const [g] = facts as readonly [GroupFact];
    if (diff.fields.length === 0) return [];
    if (!g.exists)
      return [
        {
          op: "groupadd",
          name: ctx.name,
          ...(p.gid !== undefined ? { gid: p.gid } : {}),
          ...(p.system ? { system: true } : {}),
        },
      ];
    return p.gid !== undefined ? [{ op: "groupmod", name: ctx.name, gid: p.gid }] : [];
  },
});
