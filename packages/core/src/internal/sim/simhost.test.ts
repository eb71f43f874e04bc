import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import type { Op } from "../op.js";
import { blob, blobStore, sha256 } from "./blobs.js";
import { freshDebianHost } from "./debian.js";
import { answerProbe } from "./probes.js";
import { SimHost } from "./simhost.js";
import { ancestorsOf, emptySimState } from "./state.js";

const write = (path: string, content: string): Op => ({
  op: "writeFile",
  path,
  blob: sha256(content),
  mode: 0o644,
  owner: "root",
  group: "root",
});
const blobs = blobStore("one", "two", "three");
const contentOf = (host: SimHost, path: string) => {
  const f = answerProbe(host.state, { type: "file", path, content: true });
  return f.type === "file" && f.contentBase64 !== undefined
    ? Buffer.from(f.contentBase64, "base64").toString()
    : f.type;
};

describe("SimHost run", () => {
  it("a failing op leaves earlier ops applied, later ops not run, and names the op", async () => {
    const host = new SimHost();
    const ops: Op[] = [write("/srv/a", "one"), { op: "modprobe", name: "nosuch" }, write("/srv/c", "three")];
    const r = await host.run(ops, blobs);
    expect(r).toEqual(
      E.left({
        _tag: "OpFailed",
        host: "node1",
        index: 1,
        op: ops[1],
        exitCode: 1,
        stderr: "modprobe: FATAL: Module nosuch not found in directory /lib/modules/6.1.0-18-amd64",
      }),
    );
    expect(contentOf(host, "/srv/a")).toBe("one");
    expect(contentOf(host, "/srv/c")).toBe("absent");
    expect(host.opLog).toEqual(ops.slice(0, 2));
  });

  it("failAtOp fails the Nth op of the host's lifetime without changing anything", async () => {
    const host = new SimHost(freshDebianHost(), { failAtOp: 2 });
    expect(await host.run([write("/srv/a", "one"), write("/srv/b", "two")], blobs)).toEqual(
      E.right({ completed: 2 }),
    );
    const before = host.state;
    const r = await host.run([write("/srv/a", "three"), write("/srv/b", "three")], blobs);
    expect(E.isLeft(r) && r.left).toMatchObject({
      _tag: "OpFailed",
      index: 0,
      exitCode: 1,
      stderr: expect.stringContaining("failAtOp 2"),
    });
    expect(host.state).toBe(before);
    // The fault fires once: the clock has moved past it.
    expect(await host.run([write("/srv/a", "three")], blobs)).toEqual(E.right({ completed: 1 }));
    expect(contentOf(host, "/srv/a")).toBe("three");
  });

  it("dropAfterOp interrupts the batch after that op and refuses every call until reconnect", async () => {
    const host = new SimHost(freshDebianHost(), { dropAfterOp: 1 });
    const r = await host.run(
      [write("/srv/a", "one"), write("/srv/b", "two"), write("/srv/c", "three")],
      blobs,
    );
    expect(E.isLeft(r) && r.left).toMatchObject({ _tag: "Interrupted", host: "node1", completed: 2 });
    expect(contentOf(host, "/srv/b")).toBe("two");
    expect(contentOf(host, "/srv/c")).toBe("absent");
    expect(host.connected).toBe(false);
    const lost = { _tag: "Transport", host: "node1", error: { _tag: "ConnectionLost", host: "node1" } };
    expect((await host.probe([{ type: "swap" }])) as unknown).toMatchObject({ left: lost });
    expect((await host.hostFacts()) as unknown).toMatchObject({ left: lost });
    expect((await host.run([write("/srv/c", "three")], blobs)) as unknown).toMatchObject({ left: lost });
    expect(contentOf(host, "/srv/c")).toBe("absent");
    host.reconnect();
    expect(await host.run([write("/srv/c", "three")], blobs)).toEqual(E.right({ completed: 1 }));
    expect(contentOf(host, "/srv/c")).toBe("three");
  });

  it("killAtOp before: the op never takes effect, the run is Interrupted with the ops before it, the link stays up", async () => {
    const host = new SimHost(freshDebianHost(), { killAtOp: { op: 1, phase: "before" } });
    const r = await host.run(
      [write("/srv/a", "one"), write("/srv/b", "two"), write("/srv/c", "three")],
      blobs,
    );
    expect(r).toEqual(
      E.left({
        _tag: "Interrupted",
        host: "node1",
        completed: 1,
        reason: "host-side script killed (SimHost killAtOp)",
      }),
    );
    expect([contentOf(host, "/srv/a"), contentOf(host, "/srv/b"), contentOf(host, "/srv/c")]).toEqual([
      "one",
      "absent",
      "absent",
    ]);
    expect(host.connected).toBe(true);
  });

  it("killAtOp after: the op took effect but is not reported complete, and nothing after it runs", async () => {
    const host = new SimHost(freshDebianHost(), { killAtOp: { op: 1, phase: "after" } });
    const r = await host.run(
      [write("/srv/a", "one"), write("/srv/b", "two"), write("/srv/c", "three")],
      blobs,
    );
    expect(E.isLeft(r) && r.left._tag === "Interrupted" && r.left.completed).toBe(1);
    expect([contentOf(host, "/srv/b"), contentOf(host, "/srv/c")]).toEqual(["two", "absent"]);
  });

  it("keeps generations: each op that takes effect ticks the clock, content changes and starts are stamped", async () => {
    const unitText = "[Service]\nExecStart=/bin/a\n";
    const host = new SimHost(freshDebianHost());
    const r = await host.run(
      [
        write("/srv/a", "one"),
        write("/srv/a", "one"),
        write("/etc/systemd/system/a.service", unitText),
        { op: "systemctl", verb: "daemon-reload" },
        { op: "systemctl", verb: "start", unit: "a.service" },
      ],
      blobStore("one", unitText),
    );
    expect(r).toEqual(E.right({ completed: 5 }));
    // Rewriting the same bytes is no change.
    expect(host.state.history).toEqual({
      clock: 5,
      changedAt: { "/srv/a": 1, "/etc/systemd/system/a.service": 3 },
    });
    expect(host.state.services["a.service"]).toMatchObject({
      active: "active",
      startedAt: 5,
      startedUnit: sha256(unitText),
    });
  });

  it("counts every hostFacts, probe and run call as a round trip", async () => {
    const host = new SimHost();
    await host.hostFacts();
    await host.probe([{ type: "swap" }, { type: "swap" }]);
    await host.run([], blobs);
    await host.close();
    expect(host.roundTrips).toBe(3);
  });

  it("mutate changes the host behind tend's back without a round trip or an op", async () => {
    const host = new SimHost();
    host.mutate((d) => {
      d.packages.jq = "1.6";
    });
    expect(answerProbe(host.state, { type: "package", name: "jq", manager: "apt" })).toEqual({
      version: "1.6",
    });
    expect(host.roundTrips).toBe(0);
    expect(host.opLog).toEqual([]);
  });

  it("keeps its state frozen and leaves the caller's initial state untouched", async () => {
    const initial = freshDebianHost();
    const host = new SimHost(initial);
    await host.run([write("/srv/a", "one")], blobs);
    expect(Object.isFrozen(host.state.files)).toBe(true);
    expect(Object.isFrozen(initial.files)).toBe(false);
    expect(initial.files["/srv/a"]).toBeUndefined();
  });

  it("uses options.name as the host name in errors", async () => {
    const host = new SimHost(freshDebianHost(), { name: "worker-1" });
    const r = await host.run([{ op: "swapoff" }, { op: "exec", argv: ["false"] }], blobs);
    expect(E.isLeft(r) && r.left).toMatchObject({ _tag: "OpFailed", host: "worker-1", index: 1 });
  });
});

describe("README", () => {
  it("the example runs as written", async () => {
    const host = new SimHost();
    const [id, bytes] = blob("net.ipv4.ip_forward = 1\n");
    const r = await host.run(
      [
        {
          op: "writeFile",
          path: "/etc/sysctl.d/60-tend.conf",
          blob: id,
          mode: 0o644,
          owner: "root",
          group: "root",
        },
        { op: "sysctl", key: "net.ipv4.ip_forward", value: "1" },
      ],
      new Map([[id, bytes]]),
    );
    expect(r).toEqual(E.right({ completed: 2 }));
    expect(host.opLog).toHaveLength(2);
    expect(await host.probe([{ type: "sysctl", key: "net.ipv4.ip_forward" }])).toEqual(
      E.right([{ value: "1" }]),
    );
  });
});

describe("initial states", () => {
  it("freshDebianHost holds '/' and every parent of every entry", () => {
    const s = freshDebianHost({ files: { "/opt/x/y/z": { type: "link", target: "/etc" } } });
    for (const path of Object.keys(s.files)) {
      for (const parent of ancestorsOf(path))
        expect(s.files[parent]?.type, `${parent} of ${path}`).toBe("dir");
    }
  });

  it("freshDebianHost places files under a symlinked directory at their canonical path", () => {
    const s = freshDebianHost({
      files: { "/lib/systemd/system/x.service": { type: "link", target: "/dev/null" } },
    });
    expect(s.files["/usr/lib/systemd/system/x.service"]).toEqual({ type: "link", target: "/dev/null" });
    expect(s.files["/lib/systemd/system/x.service"]).toBeUndefined();
  });

  it("freshDebianHost has root, base dirs 0755 root:root, wg0, apt, curl and systemd, and loaded its units", () => {
    const s = freshDebianHost();
    expect(s.users.root).toMatchObject({ uid: 0, gid: 0 });
    expect(s.groups.root).toMatchObject({ gid: 0 });
    for (const d of ["/etc", "/etc/systemd/system", "/usr/local/bin", "/var/lib"]) {
      expect(answerProbe(s, { type: "file", path: d })).toEqual({
        type: "dir",
        mode: 0o755,
        owner: "root",
        group: "root",
      });
    }
    expect(answerProbe(s, { type: "file", path: "/etc/fstab" })).toMatchObject({ type: "file" });
    expect(s.host.interfaces.find((i) => i.name === "wg0")?.ipv4[0]).toMatch(/^10\.0\.0\.\d+$/);
    expect(Object.keys(s.packages)).toEqual(expect.arrayContaining(["apt", "curl", "systemd"]));
    expect(s.loadedUnits["ssh.service"]).toMatch(/^[0-9a-f]{64}$/);
  });

  it("emptySimState has only '/' and no accounts, so an op owned by root fails there", async () => {
    const s = emptySimState();
    expect(Object.keys(s.files)).toEqual(["/"]);
    const r = await new SimHost(s).run([write("/a", "one")], blobs);
    expect(E.isLeft(r) && r.left._tag === "OpFailed" && r.left.stderr).toContain("unknown user root");
  });
});

describe("SimHost latency", () => {
  it("asks the injected latency once per round trip, and answers the same as without it", async () => {
    let asked = 0;
    const slow = new SimHost(freshDebianHost(), {
      latencyMs: () => {
        asked++;
        return 1;
      },
    });
    const fast = new SimHost(freshDebianHost());
    const probe = { type: "file" as const, path: "/srv/a", content: true };
    for (const host of [slow, fast]) {
      await host.hostFacts();
      await host.observe([probe]);
      await host.run([write("/srv/a", "one")], blobs);
      await host.probe([probe]);
    }
    expect(asked).toBe(slow.roundTrips);
    expect(slow.roundTrips).toBe(4);
    expect(slow.state.files).toEqual(fast.state.files);
  });
});
