import { describe, expect, it } from "vitest";
import { PENDING_RESTARTS_PATH } from "../probe.js";
import { sha256 } from "./blobs.js";
import { ask, content, type OpRow, runOpRow } from "./table.fixture.js";

const own = { mode: 0o640, owner: "daemon", group: "adm" };

const rows: OpRow[] = [
  {
    promise: "mkdir creates missing parents 0755 root:root and sets attrs on the final directory only",
    ops: [{ op: "mkdir", path: "/srv/a/b", ...own }],
    after: (s) => {
      expect(ask(s, { type: "file", path: "/srv" })).toEqual({
        type: "dir",
        mode: 0o755,
        owner: "root",
        group: "root",
      });
      expect(ask(s, { type: "file", path: "/srv/a" })).toEqual({
        type: "dir",
        mode: 0o755,
        owner: "root",
        group: "root",
      });
      expect(ask(s, { type: "file", path: "/srv/a/b" })).toEqual({ type: "dir", ...own });
    },
  },
  {
    promise: "mkdir of an existing directory only changes its attrs",
    ops: [{ op: "mkdir", path: "/etc/default", mode: 0o700, owner: "root", group: "root" }],
    after: (s) =>
      expect(ask(s, { type: "file", path: "/etc/default" })).toMatchObject({ type: "dir", mode: 0o700 }),
  },
  {
    promise: "mkdir fails when a file is in the way",
    ops: [{ op: "mkdir", path: "/etc/fstab/x", mode: 0o755, owner: "root", group: "root" }],
    fails: { index: 0, stderr: "Not a directory" },
  },
  {
    promise: "mkdir with an unknown owner fails after mkdir -p and chmod, which stay done",
    ops: [{ op: "mkdir", path: "/srv/x", mode: 0o700, owner: "kube", group: "root" }],
    fails: { index: 0, stderr: "unknown user kube" },
    after: (s) =>
      expect(ask(s, { type: "file", path: "/srv/x" })).toEqual({
        type: "dir",
        mode: 0o700,
        owner: "root",
        group: "root",
      }),
  },
  {
    promise: "writeFile lands the blob's bytes with mode and owner, creating the parent",
    ops: [{ op: "writeFile", path: "/srv/conf/app.yaml", blob: sha256("a: 1\n"), ...own }],
    blobs: ["a: 1\n"],
    after: (s) => {
      expect(ask(s, { type: "file", path: "/srv/conf/app.yaml", hash: "sha256" })).toEqual({
        type: "file",
        ...own,
        size: 5,
        hash: sha256("a: 1\n"),
      });
      expect(ask(s, { type: "file", path: "/srv/conf" })).toMatchObject({ type: "dir", mode: 0o755 });
    },
  },
  {
    promise: "writeFile replaces a symlink at the path instead of writing through it",
    overrides: { files: { "/etc/l": { type: "link", target: "/etc/fstab" } } },
    ops: [
      { op: "writeFile", path: "/etc/l", blob: sha256("new"), mode: 0o644, owner: "root", group: "root" },
    ],
    blobs: ["new"],
    after: (s) => {
      expect(content(s, "/etc/l")).toBe("new");
      expect(content(s, "/etc/fstab")).toMatch(/^# \/etc\/fstab/);
    },
  },
  {
    promise:
      "writeFile with numeric owner and group is accepted, shown by name when the id exists, else UNKNOWN",
    ops: [{ op: "writeFile", path: "/srv/f", blob: sha256("x"), mode: 0o644, owner: "1", group: "4242" }],
    blobs: ["x"],
    after: (s) =>
      expect(ask(s, { type: "file", path: "/srv/f" })).toMatchObject({ owner: "daemon", group: "UNKNOWN" }),
  },
  {
    promise: "writeFile without its blob fails",
    ops: [{ op: "writeFile", path: "/srv/f", blob: sha256("x"), mode: 0o644, owner: "root", group: "root" }],
    fails: { index: 0, stderr: "was not provided" },
  },
  {
    promise: "writeFile onto a directory fails",
    ops: [{ op: "writeFile", path: "/etc", blob: sha256("x"), mode: 0o644, owner: "root", group: "root" }],
    blobs: ["x"],
    fails: { index: 0, stderr: "/etc is a directory" },
  },
  {
    promise: "setAttrs changes only the given attributes",
    ops: [{ op: "setAttrs", path: "/etc/fstab", owner: "daemon" }],
    after: (s) =>
      expect(ask(s, { type: "file", path: "/etc/fstab" })).toMatchObject({
        mode: 0o644,
        owner: "daemon",
        group: "root",
      }),
  },
  {
    promise: "setAttrs with an unknown group fails after chmod, which stays done",
    ops: [{ op: "setAttrs", path: "/etc/fstab", mode: 0o600, group: "kube" }],
    fails: { index: 0, stderr: "unknown group kube" },
    after: (s) =>
      expect(ask(s, { type: "file", path: "/etc/fstab" })).toMatchObject({ mode: 0o600, group: "root" }),
  },
  {
    promise: "setAttrs of a missing path fails",
    ops: [{ op: "setAttrs", path: "/etc/nope", mode: 0o600 }],
    fails: { index: 0, stderr: "No such file or directory" },
  },
  {
    promise: "remove deletes a tree and is fine when the path is absent",
    ops: [
      { op: "remove", path: "/etc/systemd" },
      { op: "remove", path: "/etc/systemd" },
    ],
    after: (s) => {
      expect(ask(s, { type: "file", path: "/etc/systemd/system" })).toEqual({ type: "absent" });
      expect(ask(s, { type: "file", path: "/etc" })).toMatchObject({ type: "dir" });
    },
  },
  {
    promise:
      "intent add stamps new entries with the host's time and the action, keeps one already due, and creates the state dir",
    ops: [
      {
        op: "intent",
        action: "add",
        restart: ["kubelet.service", "docker.service"],
        reload: true,
        at: "unit[a b]",
      },
      { op: "intent", action: "add", restart: ["docker.service"], reload: false, at: "file[/later]" },
    ],
    after: (s) => {
      expect(content(s, PENDING_RESTARTS_PATH)).toBe(
        [
          "restart kubelet.service 2026-01-01T00:00:01Z unit[a b]",
          "restart docker.service 2026-01-01T00:00:01Z unit[a b]",
          "daemon-reload 2026-01-01T00:00:01Z unit[a b]",
          "",
        ].join("\n"),
      );
      expect(ask(s, { type: "file", path: "/var/lib/tend" })).toMatchObject({ type: "dir", mode: 0o755 });
    },
  },
  {
    promise: "intent remove of the last entry removes the file and keeps the state dir",
    ops: [
      { op: "intent", action: "add", restart: ["docker.service"], reload: true, at: "unit[docker.service]" },
      { op: "intent", action: "remove", restart: ["docker.service", "never-added.service"], reload: false },
      { op: "intent", action: "remove", restart: [], reload: true },
    ],
    after: (s) => {
      expect(ask(s, { type: "file", path: PENDING_RESTARTS_PATH })).toEqual({ type: "absent" });
      expect(ask(s, { type: "file", path: "/var/lib/tend" })).toMatchObject({ type: "dir" });
    },
  },
];

describe("SimHost file ops", () => {
  it.each(rows)("$promise", runOpRow({ host: "node1" }));
});
