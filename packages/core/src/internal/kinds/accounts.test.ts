/**
 * Fixture tables for user and group: (props, user/group answers) → Diff
 * fields and exact ops (useradd with every declared field, usermod with only
 * the differing ones).
 */
import { describe, expect, it } from "vitest";
import type { GroupFact, ProbeResult, UserFact } from "../probe.js";
import { evaluate } from "./evaluate.js";
import { groupKind } from "./group.js";
import { userKind } from "./user.js";

const docker: GroupFact = { exists: true, gid: 666, members: [] };
const noGroup: GroupFact = { exists: false };
const user = (over: Partial<Extract<UserFact, { exists: true }>> = {}): UserFact => ({
  exists: true,
  uid: 666,
  gid: 666,
  home: "/home/docker",
  shell: "/usr/sbin/nologin",
  groups: [],
  ...over,
});

describe("user", () => {
  const props = { uid: 666, group: "docker", shell: "/usr/sbin/nologin" };
  const cases: {
    why: string;
    props: object;
    facts: ProbeResult[];
    action: string;
    fields: string[];
    ops: unknown[];
  }[] = [
    {
      why: "an absent user is added with every declared field",
      props: { ...props, system: true, groups: ["adm"] },
      facts: [{ exists: false }, noGroup],
      action: "create",
      fields: ["exists", "uid", "group", "groups", "shell"],
      ops: [
        {
          op: "useradd",
          name: "docker",
          uid: 666,
          group: "docker",
          groups: ["adm"],
          shell: "/usr/sbin/nologin",
          system: true,
        },
      ],
    },
    {
      why: "a matching user is left alone",
      props,
      facts: [user(), docker],
      action: "noop",
      fields: [],
      ops: [],
    },
    {
      why: "usermod carries only the fields that differ",
      props,
      facts: [user({ uid: 1001, shell: "/bin/bash" }), docker],
      action: "update",
      fields: ["uid", "shell"],
      ops: [{ op: "usermod", name: "docker", uid: 666, shell: "/usr/sbin/nologin" }],
    },
    {
      why: "the primary group is compared by gid",
      props,
      facts: [user({ gid: 100 }), docker],
      action: "update",
      fields: ["group"],
      ops: [{ op: "usermod", name: "docker", group: "docker" }],
    },
    {
      why: "supplementary groups are an exact set; the primary group may appear in the fact",
      props: { group: "docker", groups: ["adm", "systemd-journal"] },
      facts: [user({ groups: ["systemd-journal", "docker", "adm"] }), docker],
      action: "noop",
      fields: [],
      ops: [],
    },
    {
      why: "an extra supplementary group is removed by setting the declared list",
      props: { groups: ["adm"] },
      facts: [user({ groups: ["adm", "sudo"] }), { exists: true, gid: 4, members: [] }],
      action: "update",
      fields: ["groups"],
      ops: [{ op: "usermod", name: "docker", groups: ["adm"] }],
    },
    {
      why: "without a declared primary group, the current one listed in groups is not a missing supplementary group",
      props: { groups: ["docker", "adm"] },
      facts: [
        user({ gid: 666, groups: ["adm"] }),
        { exists: true, gid: 666, members: [] },
        { exists: true, gid: 4, members: [] },
      ],
      action: "noop",
      fields: [],
      ops: [],
    },
    {
      why: "undeclared fields are not compared",
      props: {},
      facts: [user({ uid: 5, shell: "/bin/zsh" })],
      action: "noop",
      fields: [],
      ops: [],
    },
  ];
  for (const c of cases)
    it(c.why, () => {
      const r = evaluate(userKind, "docker", c.props, c.facts);
      expect(r.diff.action).toBe(c.action);
      expect(r.diff.fields.map((f) => f.field)).toEqual(c.fields);
      expect(r.ops).toEqual(c.ops);
    });

  it("probes the primary group to compare gids", () => {
    expect(evaluate(userKind, "docker", props, [user(), docker]).probes).toEqual([
      { type: "user", name: "docker" },
      { type: "group", name: "docker" },
    ]);
  });

  it("provides user:<name> and requires its groups", () => {
    const p = evaluate(userKind, "docker", { group: "docker", groups: ["adm"] }, [user(), docker]).props;
    expect(userKind.provides(p, "docker")).toEqual(["user:docker"]);
    expect(userKind.requires(p, "docker")).toEqual(["group:adm", "group:docker"]);
  });
});

describe("group", () => {
  const cases: { why: string; props: object; fact: GroupFact; action: string; ops: unknown[] }[] = [
    {
      why: "an absent group is added with its gid",
      props: { gid: 666 },
      fact: noGroup,
      action: "create",
      ops: [{ op: "groupadd", name: "docker", gid: 666 }],
    },
    {
      why: "a system group is added with -r",
      props: { system: true },
      fact: noGroup,
      action: "create",
      ops: [{ op: "groupadd", name: "docker", system: true }],
    },
    { why: "a group with the gid is left alone", props: { gid: 666 }, fact: docker, action: "noop", ops: [] },
    {
      why: "a group without a declared gid is left alone",
      props: {},
      fact: { exists: true, gid: 5, members: [] },
      action: "noop",
      ops: [],
    },
    {
      why: "another gid is changed with groupmod",
      props: { gid: 666 },
      fact: { exists: true, gid: 999, members: [] },
      action: "update",
      ops: [{ op: "groupmod", name: "docker", gid: 666 }],
    },
  ];
  for (const c of cases)
    it(c.why, () => {
      const r = evaluate(groupKind, "docker", c.props, [c.fact]);
      expect(r.diff.action).toBe(c.action);
      expect(r.ops).toEqual(c.ops);
    });

  it("shows the gid change", () => {
    const r = evaluate(groupKind, "docker", { gid: 666 }, [{ exists: true, gid: 999, members: [] }]);
    expect(r.diff.fields).toEqual([{ field: "gid", before: 999, after: 666 }]);
    expect(groupKind.provides(r.props, "docker")).toEqual(["group:docker"]);
  });
});
