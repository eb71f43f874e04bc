import { describe, expect, it } from "vitest";
import { answerProbe } from "./probes.js";
import type { SimState } from "./state.js";
import { type OpRow, runOpRow } from "./table.fixture.js";

const user = (s: SimState, name: string) => answerProbe(s, { type: "user", name });
const group = (s: SimState, name: string) => answerProbe(s, { type: "group", name });

const rows: OpRow[] = [
  // groups and users
  {
    promise: "groupadd allocates the next regular gid and groupadd -r the highest free system gid",
    ops: [
      { op: "groupadd", name: "kube" },
      { op: "groupadd", name: "etcd", system: true },
      { op: "groupadd", name: "app", gid: 2000 },
      { op: "groupadd", name: "app2" },
    ],
    after: (s) => {
      expect(group(s, "kube")).toEqual({ exists: true, gid: 1000, members: [] });
      expect(group(s, "etcd")).toEqual({ exists: true, gid: 998, members: [] }); // 999 is systemd-journal
      expect(group(s, "app2")).toMatchObject({ gid: 2001 });
    },
  },
  {
    promise: "groupadd of a taken gid fails",
    ops: [{ op: "groupadd", name: "kube", gid: 27 }],
    fails: { index: 0, stderr: "GID '27' already exists" },
  },
  {
    promise: "groupadd of an existing group fails",
    ops: [{ op: "groupadd", name: "sudo" }],
    fails: { index: 0, stderr: "group 'sudo' already exists" },
  },
  {
    promise: "groupmod changes the gid and moves users whose primary group it is",
    ops: [
      { op: "useradd", name: "etcd", system: true },
      { op: "groupmod", name: "etcd", gid: 1500 },
    ],
    after: (s) => {
      expect(group(s, "etcd")).toMatchObject({ gid: 1500 });
      expect(user(s, "etcd")).toMatchObject({ gid: 1500 });
    },
  },
  {
    promise: "groupmod onto another group's gid fails",
    ops: [{ op: "groupmod", name: "adm", gid: 27 }],
    fails: { index: 0, stderr: "GID '27' already exists" },
  },
  {
    promise:
      "useradd without a group creates a private group with gid = uid, default home and shell, no home dir",
    ops: [{ op: "useradd", name: "ada", groups: ["sudo", "adm"] }],
    after: (s) => {
      expect(user(s, "ada")).toEqual({
        exists: true,
        uid: 1000,
        gid: 1000,
        home: "/home/ada",
        shell: "/bin/sh",
        groups: ["adm", "sudo"],
      });
      expect(group(s, "ada")).toEqual({ exists: true, gid: 1000, members: [] });
      expect(group(s, "sudo")).toEqual({ exists: true, gid: 27, members: ["ada"] });
      expect(answerProbe(s, { type: "file", path: "/home/ada" })).toEqual({ type: "absent" });
    },
  },
  {
    promise: "useradd with a home makes it (0755, the user's) from /etc/skel, as useradd -m does",
    ops: [{ op: "useradd", name: "ada", home: "/srv/home/ada" }],
    after: (s) => {
      expect(answerProbe(s, { type: "file", path: "/srv/home/ada" })).toEqual({
        type: "dir",
        mode: 0o755,
        owner: "ada",
        group: "ada",
      });
      expect(answerProbe(s, { type: "file", path: "/srv/home/ada/.profile" })).toMatchObject({
        type: "file",
        owner: "ada",
        group: "ada",
      });
      expect(answerProbe(s, { type: "file", path: "/srv/home" })).toMatchObject({
        type: "dir",
        owner: "root",
      });
    },
  },
  {
    promise:
      "mkdir with skel (a home the user kind makes after useradd -M) is made as useradd -m makes it: skel's files, the user's",
    ops: [
      { op: "useradd", name: "ada" },
      { op: "mkdir", path: "/srv/home/ada", mode: 0o755, owner: "ada", group: "1000", skel: "/etc/skel" },
    ],
    after: (s) => {
      expect(answerProbe(s, { type: "file", path: "/srv/home/ada" })).toEqual({
        type: "dir",
        mode: 0o755,
        owner: "ada",
        group: "ada",
      });
      for (const f of [".profile", ".bashrc", ".bash_logout"])
        expect(answerProbe(s, { type: "file", path: `/srv/home/ada/${f}` })).toMatchObject({
          type: "file",
          owner: "ada",
          group: "ada",
        });
    },
  },
  {
    promise: "mkdir with skel of a home that exists sets its attributes and copies nothing into it",
    ops: [
      { op: "useradd", name: "ada" },
      { op: "mkdir", path: "/srv/ada", mode: 0o750, owner: "root", group: "root" },
      { op: "mkdir", path: "/srv/ada", mode: 0o755, owner: "ada", group: "ada", skel: "/etc/skel" },
    ],
    after: (s) => {
      expect(answerProbe(s, { type: "file", path: "/srv/ada" })).toMatchObject({ mode: 0o755, owner: "ada" });
      expect(answerProbe(s, { type: "file", path: "/srv/ada/.profile" })).toEqual({ type: "absent" });
    },
  },
  {
    promise:
      "mkdir with skel and an unknown owner fails and leaves no home (its parent stays, as mkdir -p made it)",
    ops: [
      {
        op: "mkdir",
        path: "/srv/home/nobody2",
        mode: 0o755,
        owner: "nobody2",
        group: "root",
        skel: "/etc/skel",
      },
    ],
    fails: { index: 0, stderr: "invalid user" },
    after: (s) => {
      expect(answerProbe(s, { type: "file", path: "/srv/home/nobody2" })).toEqual({ type: "absent" });
      expect(answerProbe(s, { type: "file", path: "/srv/home" })).toMatchObject({ type: "dir" });
    },
  },
  {
    promise: "useradd with a home that exists leaves it alone",
    ops: [{ op: "useradd", name: "ada", home: "/tmp" }],
    after: (s) =>
      expect(answerProbe(s, { type: "file", path: "/tmp" })).toEqual({
        type: "dir",
        mode: 0o1777,
        owner: "root",
        group: "root",
      }),
  },
  {
    promise: "useradd with a primary group, uid, shell and home uses them",
    ops: [
      {
        op: "useradd",
        name: "kube",
        uid: 2001,
        group: "users",
        shell: "/usr/sbin/nologin",
        home: "/var/lib/kube",
        system: true,
      },
    ],
    after: (s) =>
      expect(user(s, "kube")).toEqual({
        exists: true,
        uid: 2001,
        gid: 100,
        home: "/var/lib/kube",
        shell: "/usr/sbin/nologin",
        groups: [],
      }),
  },
  {
    promise: "useradd with a missing primary group fails and adds no user",
    ops: [{ op: "useradd", name: "kube", group: "kube" }],
    fails: { index: 0, stderr: "group 'kube' does not exist" },
    after: (s) => expect(user(s, "kube")).toEqual({ exists: false }),
  },
  {
    promise: "useradd with a taken uid fails",
    ops: [{ op: "useradd", name: "kube", uid: 0 }],
    fails: { index: 0, stderr: "UID 0 is not unique" },
  },
  {
    promise: "useradd of an existing user fails",
    ops: [{ op: "useradd", name: "root" }],
    fails: { index: 0, stderr: "user 'root' already exists" },
  },
  {
    promise: "usermod -G replaces the supplementary groups in both tables",
    ops: [
      { op: "useradd", name: "ada", groups: ["sudo"] },
      { op: "usermod", name: "ada", groups: ["adm"], shell: "/bin/bash" },
    ],
    after: (s) => {
      expect(user(s, "ada")).toMatchObject({ groups: ["adm"], shell: "/bin/bash" });
      expect(group(s, "sudo")).toMatchObject({ members: [] });
      expect(s.users.ada?.groups).toEqual(["adm"]);
    },
  },
  {
    promise: "usermod onto another user's uid fails",
    ops: [{ op: "usermod", name: "daemon", uid: 0 }],
    fails: { index: 0, stderr: "UID '0' already exists" },
  },
  {
    promise: "usermod of a missing user fails",
    ops: [{ op: "usermod", name: "ghost", shell: "/bin/sh" }],
    fails: { index: 0, stderr: "user 'ghost' does not exist" },
  },
];

describe("SimHost account ops", () => {
  it.each(rows)("$promise", runOpRow({ blobs: ["[Service]\n"] }));
});
