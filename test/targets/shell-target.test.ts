/**
 * ShellTarget over the Docker transport against a real systemd test host:
 * every probe kind answers what the host really holds, and every op kind
 * changes the host the way its description says, seen by the probes and by
 * `docker exec` beside the transport. download and extract are in
 * shell-target-artifacts.test.ts.
 */
import type { Op } from "@tend/core";
import { sha256 } from "@tend/core/testing";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopHosts } from "../hosts/hosts.js";
import { onHost, probeAll, probeOne, type RealHost, runOk, startRealHost } from "./real-host.js";

let h: RealHost;
beforeAll(async () => {
  h = await startRealHost("shelltgt");
});
afterAll(async () => {
  await h?.transport.close();
  await stopHosts(h ? [h.host] : []);
});

const root = { owner: "root", group: "root" };
const manifest = "/var/lib/tend/manifests/absent";

describe("host facts", () => {
  it("reads hostname, the wg0 address startHosts gave, systemd as init, curl and apt, in one round trip", async () => {
    const before = h.transport.roundTrips;
    const r = await h.target.hostFacts();
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    expect(h.transport.roundTrips - before).toBe(1);
    const f = r.right;
    expect(f.hostname).toBe(h.host.name);
    expect(f.interfaces.find((i) => i.name === "wg0")?.ipv4).toEqual([h.host.ip]);
    expect(f.interfaces.find((i) => i.name === "lo")?.ipv4).toEqual(["127.0.0.1"]);
    expect(f).toMatchObject({
      init: "systemd",
      downloaders: ["curl"],
      packageManager: "apt",
      user: "root",
      swap: [],
    });
    expect(f.os).toMatchObject({ family: "debian", id: "debian", versionId: "12" });
  });
});

describe("files", () => {
  it("mkdir, writeFile, setAttrs and remove leave what the file probe and stat report", async () => {
    const content = "line one\nline two\n";
    await runOk(
      h.target,
      [
        { op: "mkdir", path: "/srv/ft/a/b", mode: 0o750, owner: "daemon", group: "adm" },
        {
          op: "writeFile",
          path: "/srv/ft/a/b/conf",
          blob: sha256(content),
          mode: 0o600,
          owner: "bin",
          group: "sys",
        },
      ],
      content,
    );
    const [dir, file] = await probeAll(h.target, [
      { type: "file", path: "/srv/ft/a/b" },
      { type: "file", path: "/srv/ft/a/b/conf", hash: "sha256", content: true },
    ]);
    expect(dir).toEqual({ type: "dir", mode: 0o750, owner: "daemon", group: "adm" });
    expect(file).toEqual({
      type: "file",
      mode: 0o600,
      owner: "bin",
      group: "sys",
      size: content.length,
      hash: sha256(content),
      contentBase64: Buffer.from(content).toString("base64"),
    });
    expect(await onHost(h.host, "stat -c '%a %U:%G' /srv/ft/a /srv/ft/a/b/conf; cat /srv/ft/a/b/conf")).toBe(
      `755 root:root\n600 bin:sys\n${content}`,
    );
    await runOk(h.target, [{ op: "setAttrs", path: "/srv/ft/a/b/conf", mode: 0o644, owner: "root" }]);
    expect(await probeOne(h.target, { type: "file", path: "/srv/ft/a/b/conf" })).toMatchObject({
      mode: 0o644,
      owner: "root",
      group: "sys",
    });
    await runOk(h.target, [{ op: "remove", path: "/srv/ft/a" }]);
    expect(await probeOne(h.target, { type: "file", path: "/srv/ft/a/b/conf" })).toEqual({ type: "absent" });
    expect(await probeOne(h.target, { type: "file", path: "/srv/ft" })).toMatchObject({ type: "dir" });
  });

  it("gives a directory made inside a setgid directory exactly its declared mode", async () => {
    // Linux makes the child g+s; chmod with a short numeric mode would keep that bit.
    await runOk(h.target, [
      { op: "mkdir", path: "/srv/sg", mode: 0o2775, ...root },
      { op: "mkdir", path: "/srv/sg/sub", mode: 0o750, ...root },
      { op: "mkdir", path: "/srv/sg/set", mode: 0o755, ...root },
      { op: "setAttrs", path: "/srv/sg/set", mode: 0o700 },
    ]);
    expect(await onHost(h.host, "stat -c %a /srv/sg /srv/sg/sub /srv/sg/set")).toBe("2775\n750\n700\n");
  });

  it("reports a symlink as a link with its target and a fifo as other", async () => {
    await onHost(h.host, "mkdir -p /srv/fl && ln -sfn '../x y' /srv/fl/l && mkfifo /srv/fl/p");
    expect(
      await probeAll(h.target, [
        { type: "file", path: "/srv/fl/l" },
        { type: "file", path: "/srv/fl/p" },
      ]),
    ).toEqual([{ type: "link", target: "../x y" }, { type: "other" }]);
  });

  it("stops a batch at the failing op, names it, and leaves later ops unrun", async () => {
    const ops: Op[] = [
      { op: "mkdir", path: "/srv/fb/first", mode: 0o755, ...root },
      { op: "sysctl", key: "net.ipv4.no_such_key", value: "1" },
      { op: "mkdir", path: "/srv/fb/third", mode: 0o755, ...root },
    ];
    const r = await h.target.run(ops, new Map());
    expect(E.isLeft(r) && r.left).toMatchObject({
      _tag: "OpFailed",
      host: h.host.name,
      index: 1,
      op: ops[1],
    });
    expect(E.isLeft(r) && r.left._tag === "OpFailed" && r.left.stderr).toContain(
      "unknown sysctl key net.ipv4.no_such_key",
    );
    expect(await onHost(h.host, "ls /srv/fb")).toBe("first\n");
  });
});

describe("units and services", () => {
  const unit = "tend-sleeper.service";
  const path = `/etc/systemd/system/${unit}`;
  const body =
    "[Unit]\nDescription=tend test sleeper\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n";
  const state = () => probeOne(h.target, { type: "unit", name: unit });
  const mainPid = async () => (await onHost(h.host, `systemctl show -p MainPID --value ${unit}`)).trim();
  const sc = (verb: "daemon-reload" | "enable" | "start" | "restart" | "stop" | "disable"): Op =>
    verb === "daemon-reload" ? { op: "systemctl", verb } : { op: "systemctl", verb, unit };

  it("reads an unknown unit as not-found with no enabled word", async () => {
    expect(await state()).toEqual({ load: "not-found", active: "inactive", enabled: "" });
  });

  it("follows a unit file through daemon-reload, enable, start, restart, stop and disable", async () => {
    await runOk(
      h.target,
      [{ op: "writeFile", path, blob: sha256(body), mode: 0o644, ...root }, sc("daemon-reload")],
      body,
    );
    expect(await state()).toEqual({ load: "loaded", active: "inactive", enabled: "disabled" });
    await runOk(h.target, [sc("enable")]);
    expect(await state()).toEqual({ load: "loaded", active: "inactive", enabled: "enabled" });
    await runOk(h.target, [sc("start")]);
    expect(await state()).toEqual({ load: "loaded", active: "active", enabled: "enabled" });
    const first = await mainPid();
    expect(Number(first)).toBeGreaterThan(0);
    await runOk(h.target, [sc("restart")]);
    expect(await state()).toMatchObject({ active: "active" });
    expect(await mainPid()).not.toBe(first);
    await runOk(h.target, [sc("stop"), sc("disable")]);
    expect(await state()).toEqual({ load: "loaded", active: "inactive", enabled: "disabled" });
  });

  it("disable of a unit whose file is gone removes its leftover link, and fails when there is none (as SimHost models)", async () => {
    const link = "/etc/systemd/system/multi-user.target.wants/tend-gone.service";
    await onHost(h.host, `ln -s /etc/systemd/system/tend-gone.service ${link}`);
    expect(await probeOne(h.target, { type: "unit", name: "tend-gone.service" })).toMatchObject({
      load: "not-found",
      enabled: "",
    });
    await runOk(h.target, [{ op: "systemctl", verb: "disable", unit: "tend-gone.service" }]);
    expect(await onHost(h.host, `test -L ${link} && echo kept || echo removed`)).toBe("removed\n");
    const again = await h.target.run(
      [{ op: "systemctl", verb: "disable", unit: "tend-gone.service" }],
      new Map(),
    );
    expect(E.isLeft(again) && again.left._tag).toBe("OpFailed");
  });

  it("reads a unit without [Install] as static", async () => {
    const oneshot = "[Service]\nType=oneshot\nExecStart=/bin/true\n";
    await runOk(
      h.target,
      [
        {
          op: "writeFile",
          path: "/etc/systemd/system/tend-static.service",
          blob: sha256(oneshot),
          mode: 0o644,
          ...root,
        },
        { op: "systemctl", verb: "daemon-reload" },
      ],
      oneshot,
    );
    expect(await probeOne(h.target, { type: "unit", name: "tend-static.service" })).toMatchObject({
      load: "loaded",
      enabled: "static",
    });
  });
});

describe("users and groups", () => {
  it("groupadd, useradd, usermod and groupmod give the uid, gid, groups and shell the probes read", async () => {
    await runOk(h.target, [
      { op: "groupadd", name: "tg-main", gid: 2345 },
      { op: "groupadd", name: "tg-extra", system: true },
      { op: "groupadd", name: "tg-other" },
      { op: "useradd", name: "tu", uid: 2346, group: "tg-main", groups: ["tg-extra"], shell: "/bin/bash" },
    ]);
    const [user, main, extra] = await probeAll(h.target, [
      { type: "user", name: "tu" },
      { type: "group", name: "tg-main" },
      { type: "group", name: "tg-extra" },
    ]);
    expect(user).toEqual({
      exists: true,
      uid: 2346,
      gid: 2345,
      home: "/home/tu",
      shell: "/bin/bash",
      groups: ["tg-extra"],
    });
    expect(main).toEqual({ exists: true, gid: 2345, members: [] });
    expect(extra).toMatchObject({ exists: true, members: ["tu"] });
    expect(extra && "gid" in extra && extra.gid).toBeLessThan(1000);
    await runOk(h.target, [
      { op: "usermod", name: "tu", groups: ["tg-other"], shell: "/bin/sh" },
      { op: "groupmod", name: "tg-main", gid: 2400 },
    ]);
    expect(await probeOne(h.target, { type: "user", name: "tu" })).toEqual({
      exists: true,
      uid: 2346,
      gid: 2400,
      home: "/home/tu",
      shell: "/bin/sh",
      groups: ["tg-other"],
    });
    expect(await onHost(h.host, "getent group tg-extra tg-other | cut -d: -f1,4")).toBe(
      "tg-extra:\ntg-other:tu\n",
    );
    expect(await onHost(h.host, "test -e /home/tu || echo no-home")).toBe("no-home\n");
  });

  it("reads absent accounts as absent, and a numeric name never as the account with that uid", async () => {
    expect(
      await probeAll(h.target, [
        { type: "user", name: "nobody-here" },
        { type: "group", name: "none-here" },
        { type: "user", name: "0" },
      ]),
    ).toEqual([{ exists: false }, { exists: false }, { exists: false }]);
  });
});

describe("packages, sysctls, kernel modules, swap", () => {
  it("installs socat with real apt from the local repository; the package probe shows its version", async () => {
    const probe = { type: "package", name: "socat", manager: "apt" } as const;
    expect(await probeOne(h.target, probe)).toEqual({ version: null });
    await runOk(h.target, [{ op: "packages", manager: "apt", install: ["socat"] }]);
    expect(await probeOne(h.target, probe)).toEqual({ version: "1.7.4.4-2" });
    expect(await onHost(h.host, "command -v socat")).toBe("/usr/bin/socat\n");
  });

  it("sets net.ipv4.ip_forward in the container's namespace and reads it back", async () => {
    const probe = { type: "sysctl", key: "net.ipv4.ip_forward" } as const;
    const before = await probeOne(h.target, probe);
    const other = before.value === "1" ? "0" : "1";
    await runOk(h.target, [{ op: "sysctl", key: "net.ipv4.ip_forward", value: other }]);
    expect(await probeOne(h.target, probe)).toEqual({ value: other });
    expect((await onHost(h.host, "cat /proc/sys/net/ipv4/ip_forward")).trim()).toBe(other);
    expect(await probeOne(h.target, { type: "sysctl", key: "net.ipv4.no_such_key" })).toEqual({
      value: null,
    });
  });

  it("reads overlay, vxlan and br_netfilter as built in, and modprobe of each succeeds", async () => {
    const [overlay, vxlan, brnf, none] = await probeAll(h.target, [
      { type: "kmod", name: "overlay" },
      { type: "kmod", name: "vxlan" },
      { type: "kmod", name: "br-netfilter" },
      { type: "kmod", name: "no_such_module" },
    ]);
    expect(overlay).toEqual({ loaded: false, builtin: true, persisted: false, available: true });
    expect(vxlan).toMatchObject({ builtin: true });
    expect(brnf).toMatchObject({ builtin: true });
    expect(none).toEqual({ loaded: false, builtin: false, persisted: false, available: false });
    await runOk(h.target, [
      { op: "modprobe", name: "overlay" },
      { op: "modprobe", name: "vxlan" },
      { op: "modprobe", name: "br_netfilter" },
    ]);
    const r = await h.target.run([{ op: "modprobe", name: "no_such_module" }], new Map());
    expect(E.isLeft(r) && r.left._tag).toBe("OpFailed");
  });

  it("reads no active swap, and swapoff leaves none", async () => {
    expect(await probeOne(h.target, { type: "swap" })).toEqual({ active: [] });
    await runOk(h.target, [{ op: "swapoff" }]);
    expect(await probeOne(h.target, { type: "swap" })).toEqual({ active: [] });
  });
});

describe("check probe, exec and pending ops", () => {
  it("reports the exit code and stdout of argv, 127 for a missing program", async () => {
    expect(
      await probeAll(h.target, [
        { type: "check", argv: ["sh", "-c", "echo 'hi there'; exit 3"] },
        { type: "check", argv: ["test", "-e", "/nonexistent"] },
        { type: "check", argv: ["no-such-program"] },
      ]),
    ).toEqual([
      { exitCode: 3, stdout: "hi there\n" },
      { exitCode: 1, stdout: "" },
      { exitCode: 127, stdout: "" },
    ]);
  });

  it("exec runs argv; intent add records restarts and the reload stamped with the host's time, remove clears them and the record", async () => {
    await runOk(h.target, [
      { op: "exec", argv: ["touch", "/srv/exec-ran"] },
      {
        op: "intent",
        action: "add",
        restart: ["b.service", "a.service"],
        reload: true,
        at: "unit[b.service]",
      },
    ]);
    const text = await onHost(h.host, "test -e /srv/exec-ran && cat /var/lib/tend/pending-restarts");
    expect(text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, "TIME")).toBe(
      "restart b.service TIME unit[b.service]\nrestart a.service TIME unit[b.service]\ndaemon-reload TIME unit[b.service]\n",
    );
    await runOk(h.target, [
      { op: "intent", action: "remove", restart: ["a.service", "b.service"], reload: true },
    ]);
    expect(await probeOne(h.target, { type: "file", path: "/var/lib/tend/pending-restarts" })).toEqual({
      type: "absent",
    });
  });

  it("answers one batch of every probe kind in one round trip", async () => {
    const before = h.transport.roundTrips;
    const answers = await probeAll(h.target, [
      { type: "file", path: "/etc/hostname", hash: "sha512" },
      { type: "unit", name: "tend-sleeper.service" },
      { type: "sysctl", key: "net.ipv4.ip_forward" },
      { type: "kmod", name: "overlay" },
      { type: "user", name: "root" },
      { type: "group", name: "root" },
      { type: "package", name: "socat", manager: "apt" },
      { type: "swap" },
      { type: "manifest", path: manifest },
      { type: "check", argv: ["true"] },
    ]);
    expect(h.transport.roundTrips - before).toBe(1);
    expect(answers).toHaveLength(10);
    expect(answers[4]).toMatchObject({ exists: true, uid: 0, gid: 0 });
  });
});
