import { describe, expect, it } from "vitest";
import { sha256 } from "./blobs.js";
import { comparableState, simStateDigest } from "./comparable.js";
import { freshDebianHost } from "./debian.js";

const withFile = (content: string) =>
  freshDebianHost({
    files: {
      "/etc/app/conf": {
        type: "file",
        content: Buffer.from(content).toString("base64"),
        mode: 0o600,
        owner: "daemon",
        group: "adm",
      },
    },
  });

describe("comparableState", () => {
  it("reduces files under the given paths to type, sha256, mode and owners", () => {
    expect(comparableState(withFile("x"), ["/etc/app"]).files).toEqual({
      "/etc/app": { type: "dir", mode: 0o755, owner: "root", group: "root" },
      "/etc/app/conf": { type: "file", sha256: sha256("x"), mode: 0o600, owner: "daemon", group: "adm" },
    });
  });

  it("keeps every file when no paths are given, links by target", () => {
    const c = comparableState(freshDebianHost());
    expect(c.files["/"]).toMatchObject({ type: "dir" });
    expect(c.files["/bin"]).toEqual({ type: "link", target: "usr/bin" });
  });

  it("narrows users, groups, packages and units by scope; units read like the unit probe", () => {
    const c = comparableState(freshDebianHost(), [], {
      users: ["root"],
      groups: ["sudo"],
      packages: ["curl", "jq"],
      units: ["ssh.service", "kubelet.service"],
    });
    expect(c).toEqual({
      files: {},
      users: { root: { uid: 0, gid: 0, home: "/root", shell: "/bin/bash", groups: [] } },
      groups: { sudo: { gid: 27, members: [] } },
      packages: { curl: "7.88.1-10+deb12u5" },
      services: {
        "kubelet.service": { active: "inactive", enabled: "" },
        "ssh.service": { active: "active", enabled: "enabled" },
      },
    });
  });

  it("sorts group memberships and merges them from both tables", () => {
    const s = freshDebianHost({
      users: { ada: { uid: 1000, gid: 100, home: "/home/ada", shell: "/bin/sh", groups: ["sudo"] } },
      groups: { adm: { gid: 4, members: ["ada"] }, sudo: { gid: 27, members: [] } },
    });
    const c = comparableState(s, [], { users: ["ada"], groups: ["adm", "sudo"] });
    expect(c.users.ada?.groups).toEqual(["adm", "sudo"]);
    expect(c.groups).toEqual({ adm: { gid: 4, members: ["ada"] }, sudo: { gid: 27, members: ["ada"] } });
  });

  it("simStateDigest changes with a file's content and not with key order", () => {
    expect(simStateDigest(withFile("x"))).toBe(simStateDigest(withFile("x")));
    expect(simStateDigest(withFile("x"))).not.toBe(simStateDigest(withFile("y")));
    const s = withFile("x");
    const reordered = { ...s, files: Object.fromEntries(Object.entries(s.files).reverse()) };
    expect(simStateDigest(reordered)).toBe(simStateDigest(s));
  });
});
