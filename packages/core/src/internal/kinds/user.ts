/**
 * user: a local account. Absent → useradd with every declared field; present
 * → usermod with only the fields that differ. Undeclared fields are left as
 * they are. The primary group is compared by gid, so the group is probed too.
 * `groups` is the exact list of supplementary groups; the primary group (the
 * declared one, else the current one, found by probing each listed group for
 * its gid) is left out on both sides, as `id -Gn` lists it either way and
 * usermod -G cannot make it a supplementary one. A declared `home` exists:
 * useradd -m makes it; when the account exists without it (a kill between
 * useradd's account and its home, or usermod -d, which moves nothing), it is
 * made as useradd makes it: 0755, the user's, with /etc/skel's files (the
 * user's too), put in place whole so a kill leaves no half-made home.
 */
import * as t from "io-ts";
import { AccountName, accountName } from "../names.js";
import type { Op } from "../op.js";
import type { FileFact, GroupFact, UserFact } from "../probe.js";
import type { FieldChange } from "../resource.js";
import { AbsPath, Id, propsCodec } from "./codec.js";
import { diffOf, field, fieldsOf } from "./common.js";
import { defineKind, grammarCheck } from "./define.js";

/** Where useradd -m copies a new home's files from (Debian's SKEL). */
const SKEL = "/etc/skel";

/** Props of `user[<name>]`. */
export const UserProps = propsCodec(
  "user",
  { system: t.boolean },
  { uid: Id, group: AccountName, groups: t.array(AccountName), shell: AbsPath, home: AbsPath },
  { system: false },
);
/** Decoded props of the kind, defaults filled: the type comes from the codec only. */
export type UserProps = t.TypeOf<typeof UserProps>;

const sorted = (xs: readonly string[]): string[] => [...new Set(xs)].sort();

/** The declared fields as a useradd/usermod would take them. */
const declared = (p: UserProps) => ({
  ...(p.uid !== undefined ? { uid: p.uid } : {}),
  ...(p.group !== undefined ? { group: p.group } : {}),
  ...(p.groups !== undefined ? { groups: sorted(p.groups) } : {}),
  ...(p.shell !== undefined ? { shell: p.shell } : {}),
  ...(p.home !== undefined ? { home: p.home } : {}),
});

/** `user`: see the module comment. */
export const userKind = defineKind<UserProps>({
  kind: "user",
  props: UserProps,
  checkName: grammarCheck(accountName),
  provides: (_p, name) => [`user:${name}`],
  requires: (p) =>
    sorted([...(p.group !== undefined ? [p.group] : []), ...(p.groups ?? [])]).map((g) => `group:${g}`),

  probes: (p, ctx) => [
    { type: "user", name: ctx.name },
    ...(p.group !== undefined ? [{ type: "group" as const, name: p.group }] : []),
    // Without a declared primary group, the current one is found among the listed groups by gid.
    ...(p.group === undefined ? (p.groups ?? []) : []).map((name) => ({ type: "group" as const, name })),
    // Last: whether the declared home exists.
    ...(p.home !== undefined ? [{ type: "file" as const, path: p.home }] : []),
  ],

  diff: (p, facts) => {
    const u = facts[0] as UserFact;
    const g = p.group !== undefined ? (facts[1] as GroupFact) : undefined;
    const homeFact = p.home !== undefined ? (facts[facts.length - 1] as FileFact) : undefined;
    const listed = facts.slice(
      p.group !== undefined ? 2 : 1,
      facts.length - (homeFact ? 1 : 0),
    ) as readonly GroupFact[];
    const want = declared(p);
    if (!u.exists)
      return diffOf("create", [
        field("exists", false, true),
        ...Object.entries(want).map(([k, v]) => field(k, null, v)),
      ]);
    const fields: FieldChange[] = [];
    if (p.uid !== undefined && u.uid !== p.uid) fields.push(field("uid", u.uid, p.uid));
    // A group that does not exist yet cannot be the user's primary group.
    if (p.group !== undefined && (!g?.exists || g.gid !== u.gid)) fields.push(field("group", u.gid, p.group));
    if (p.groups !== undefined) {
      const current = p.groups.find((_, i) => {
        const f = listed[i];
        return f?.exists === true && f.gid === u.gid;
      });
      const primary = p.group ?? current;
      const have = sorted(u.groups.filter((x) => x !== primary));
      const wanted = sorted(p.groups.filter((x) => x !== primary));
      if (have.join("\n") !== wanted.join("\n")) fields.push(field("groups", have, wanted));
    }
    if (p.shell !== undefined && u.shell !== p.shell) fields.push(field("shell", u.shell, p.shell));
    if (p.home !== undefined && u.home !== p.home) fields.push(field("home", u.home, p.home));
    if (homeFact?.type === "absent") fields.push(field("home directory", "absent", "directory"));
    return diffOf("update", fields);
  },

  ops: (p, diff, facts, ctx) => {
    const [u] = facts as readonly [UserFact];
    if (diff.fields.length === 0) return [];
    const want = declared(p);
    if (!u.exists) return [{ op: "useradd", name: ctx.name, ...want, ...(p.system ? { system: true } : {}) }];
    const changed = fieldsOf(diff);
    const only = Object.fromEntries(Object.entries(want).filter(([k]) => changed.has(k)));
    const usermod: Op[] =
      Object.keys(only).length > 0 ? [{ op: "usermod", name: ctx.name, ...only } as Op] : [];
    // After usermod: its primary group may have changed.
    const home: Op[] =
      changed.has("home directory") && p.home !== undefined
        ? [
            {
              op: "mkdir",
              path: p.home,
              mode: 0o755,
              owner: ctx.name,
              group: p.group ?? String(u.gid),
              skel: SKEL,
            },
          ]
        : [];
    return [...usermod, ...home];
  },
});
