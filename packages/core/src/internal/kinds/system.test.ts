/**
 * Fixture tables for the host-state kinds: package, service, sysctl, kmod,
 * swap. (props, probe answers) → Diff fields and exact ops.
 */
import { describe, expect, it } from "vitest";
import type { KmodFact, ProbeResult, UnitFact } from "../probe.js";
import { sha256Hex, utf8Bytes } from "./common.js";
import { absentFact, debianHost, evaluate, regularFact } from "./evaluate.js";
import { BUILTIN, kmodKind } from "./kmod.js";
import { packageKind } from "./package.js";
import { serviceKind } from "./service.js";
import { swapKind, withoutSwap } from "./swap.js";
import { sysctlKind } from "./sysctl.js";

const sha = (s: string) => sha256Hex(utf8Bytes(s));

describe("package", () => {
  it("installs a package that is not installed, with the host's manager", () => {
    const r = evaluate(packageKind, "socat", {}, [{ version: null }]);
    expect(r.probes).toEqual([{ type: "package", name: "socat", manager: "apt" }]);
    expect(r.diff).toEqual({
      action: "create",
      fields: [{ field: "installed", before: false, after: true }],
    });
    expect(r.ops).toEqual([{ op: "packages", manager: "apt", install: ["socat"] }]);
  });

  it("leaves an installed package alone", () => {
    const r = evaluate(packageKind, "socat", { manager: "dnf" }, [{ version: "1.7.4" }]);
    expect(r.diff.action).toBe("noop");
    expect(r.ops).toEqual([]);
  });

  it("refuses, without probing, when the host has no package manager tend knows", () => {
    const r = evaluate(packageKind, "socat", {}, [], { host: { ...debianHost, packageManager: null } });
    expect(r.probes).toEqual([]);
    expect(r.diff.action).toBe("create");
    expect(r.diff.refusal?.reason).toMatch(/neither apt nor dnf/);
    expect(r.ops).toEqual([]);
  });
});

describe("service", () => {
  const unit = (active: string, enabled: string): UnitFact => ({ load: "loaded", active, enabled });
  const cases: { why: string; props: object; fact: UnitFact; fields: string[]; ops: unknown[] }[] = [
    {
      why: "a new service is enabled, then started",
      props: {},
      fact: { load: "not-found", active: "inactive", enabled: "" },
      fields: ["enabled", "active"],
      ops: [
        { op: "systemctl", verb: "enable", unit: "docker.service" },
        { op: "systemctl", verb: "start", unit: "docker.service" },
      ],
    },
    {
      why: "an enabled, active service is left alone",
      props: {},
      fact: unit("active", "enabled"),
      fields: [],
      ops: [],
    },
    {
      why: "reloading counts as running",
      props: {},
      fact: unit("reloading", "enabled"),
      fields: [],
      ops: [],
    },
    {
      why: "a failed service is started",
      props: {},
      fact: unit("failed", "enabled"),
      fields: ["active"],
      ops: [{ op: "systemctl", verb: "start", unit: "docker.service" }],
    },
    {
      why: "a service to be stopped and disabled is disabled, then stopped",
      props: { enabled: false, state: "stopped" },
      fact: unit("active", "enabled"),
      fields: ["enabled", "active"],
      ops: [
        { op: "systemctl", verb: "disable", unit: "docker.service" },
        { op: "systemctl", verb: "stop", unit: "docker.service" },
      ],
    },
    {
      why: "a static unit whose file does not change satisfies enabled: true (systemd cannot enable it)",
      props: { enabled: true, state: "running" },
      fact: unit("active", "static"),
      fields: [],
      ops: [],
    },
    {
      why: "a static unit is not enabled, and enabled: false leaves it alone",
      props: { enabled: false, state: "stopped" },
      fact: unit("inactive", "static"),
      fields: [],
      ops: [],
    },
  ];
  for (const c of cases)
    it(c.why, () => {
      const r = evaluate(serviceKind, "docker", c.props, [c.fact]);
      expect(r.probes).toEqual([{ type: "unit", name: "docker.service" }]);
      expect(r.diff.fields.map((f) => f.field)).toEqual(c.fields);
      expect(r.diff.action).toBe(c.fields.length === 0 ? "noop" : "update");
      expect(r.ops).toEqual(c.ops);
    });

  it("controls name.service, a dotted name as is, or props.unit", () => {
    const p = (raw: object) => evaluate(serviceKind, "x", raw, [unit("active", "enabled")]).props;
    expect(serviceKind.unitName?.(p({}), "kubelet")).toBe("kubelet.service");
    expect(serviceKind.unitName?.(p({}), "docker.socket")).toBe("docker.socket");
    expect(serviceKind.unitName?.(p({ unit: "k.service" }), "kubelet")).toBe("k.service");
    expect(serviceKind.requires(p({}), "kubelet")).toEqual(["unit:kubelet.service"]);
  });

  it("restarts when notified, unless its own ops start or stop it", () => {
    const ctx = { name: "flanneld", host: debianHost };
    const running = evaluate(serviceKind, "flanneld", {}, [unit("active", "enabled")]);
    expect(serviceKind.onNotify?.(running.props, running.diff, [], ctx)).toEqual({
      restart: [{ op: "systemctl", verb: "restart", unit: "flanneld.service" }],
    });
    const starting = evaluate(serviceKind, "flanneld", {}, [unit("inactive", "enabled")]);
    expect(serviceKind.onNotify?.(starting.props, starting.diff, [], ctx)).toEqual({
      subsumed: "started by this apply after its causes",
    });
    const stopped = evaluate(serviceKind, "flanneld", { state: "stopped" }, [unit("active", "enabled")]);
    expect(serviceKind.onNotify?.(stopped.props, stopped.diff, [], ctx)).toEqual({
      subsumed: "service is to be stopped",
    });
  });
});

describe("sysctl", () => {
  const key = "net.ipv4.ip_forward";
  const path = `/etc/sysctl.d/60-tend-${key}.conf`;
  const text = `${key} = 1\n`;
  const write = { op: "writeFile", path, blob: sha(text), mode: 0o644, owner: "root", group: "root" };
  const cases: { why: string; props: object; facts: ProbeResult[]; fields: string[]; ops: unknown[] }[] = [
    {
      why: "runtime and persisted value both set when neither matches",
      props: { value: "1" },
      facts: [{ value: "0" }, absentFact],
      fields: ["value", "persisted", "mode", "owner", "group"],
      ops: [{ op: "sysctl", key, value: "1" }, write],
    },
    {
      why: "matching runtime and file: nothing to do",
      props: { value: "1" },
      facts: [{ value: "1" }, regularFact(text)],
      fields: [],
      ops: [],
    },
    {
      why: "only the file differs: write it, leave the runtime",
      props: { value: "1" },
      facts: [{ value: "1" }, regularFact(`${key} = 0\n`)],
      fields: ["persisted"],
      ops: [write],
    },
    {
      why: "without persist only the runtime value counts",
      props: { value: "1", persist: false },
      facts: [{ value: "0" }],
      fields: ["value"],
      ops: [{ op: "sysctl", key, value: "1" }],
    },
    {
      why: "multi-value keys compare with whitespace normalised",
      props: { value: "32768 60999", persist: false },
      facts: [{ value: "32768\t60999" }],
      fields: [],
      ops: [],
    },
  ];
  for (const c of cases)
    it(c.why, () => {
      const r = evaluate(sysctlKind, key, c.props, c.facts);
      expect(r.diff.fields.map((f) => f.field)).toEqual(c.fields);
      expect(r.ops).toEqual(c.ops);
    });

  it("sets a key that does not exist yet, saying a module may provide it", () => {
    const r = evaluate(sysctlKind, "net.bridge.bridge-nf-call-iptables", { value: "1", persist: false }, [
      { value: null },
    ]);
    expect(r.diff.notes?.[0]).toMatch(/does not exist yet/);
    expect(r.ops).toEqual([{ op: "sysctl", key: "net.bridge.bridge-nf-call-iptables", value: "1" }]);
  });

  it("hands the persisted file to the engine as a derived blob that its writeFile names", () => {
    const r = evaluate(sysctlKind, key, { value: "1" }, [{ value: "0" }, absentFact]);
    expect([...r.derived.keys()]).toEqual([sha(text)]);
    expect(r.diff.fields[1]).toEqual({ field: "persisted", before: null, after: text, format: "text" });
  });
});

describe("kmod", () => {
  const k = (over: Partial<KmodFact>): KmodFact => ({
    loaded: false,
    builtin: false,
    persisted: false,
    ...over,
  });
  const conf = "/etc/modules-load.d/br_netfilter.conf";
  const write = {
    op: "writeFile",
    path: conf,
    blob: sha("br_netfilter\n"),
    mode: 0o644,
    owner: "root",
    group: "root",
  };

  it("a built-in module needs nothing, and says why", () => {
    const r = evaluate(kmodKind, "overlay", {}, [k({ builtin: true, loaded: true }), absentFact]);
    expect(r.diff).toEqual({ action: "noop", fields: [], notes: [BUILTIN] });
    expect(r.ops).toEqual([]);
    expect(r.derived.size).toBe(0);
  });

  it("an unloaded module is loaded and persisted", () => {
    const r = evaluate(kmodKind, "br_netfilter", {}, [k({}), absentFact]);
    expect(r.probes).toEqual([
      { type: "kmod", name: "br_netfilter" },
      { type: "file", path: conf, hash: "sha256", content: true },
    ]);
    expect(r.ops).toEqual([{ op: "modprobe", name: "br_netfilter" }, write]);
    expect([...r.derived.keys()]).toEqual([sha("br_netfilter\n")]);
  });

  it("a loaded module with its file is left alone", () => {
    const r = evaluate(kmodKind, "br_netfilter", {}, [k({ loaded: true }), regularFact("br_netfilter\n")]);
    expect(r.diff.action).toBe("noop");
    expect(r.ops).toEqual([]);
  });

  it("a loaded module without its file gets only the file", () => {
    const r = evaluate(kmodKind, "br_netfilter", {}, [k({ loaded: true }), absentFact]);
    expect(r.ops).toEqual([write]);
  });

  it("without persist only loading counts", () => {
    const r = evaluate(kmodKind, "ip_vs", { persist: false }, [k({})]);
    expect(r.ops).toEqual([{ op: "modprobe", name: "ip_vs" }]);
  });
});

describe("swap", () => {
  const fstab = "UUID=1 / ext4 defaults 0 1\n/swapfile none swap sw 0 0\n# /old none swap sw 0 0\n";
  const clean = "UUID=1 / ext4 defaults 0 1\n#/swapfile none swap sw 0 0\n# /old none swap sw 0 0\n";

  it("comments out swap lines and nothing else", () => {
    expect(withoutSwap(fstab)).toBe(clean);
    expect(withoutSwap(clean)).toBe(clean);
  });

  it("turns active swap off and rewrites fstab from a derived blob, keeping its attrs", () => {
    const r = evaluate(swapKind, "off", {}, [{ active: ["/swapfile"] }, regularFact(fstab, { mode: 0o664 })]);
    expect(r.diff.fields).toEqual([
      { field: "active", before: ["/swapfile"], after: [] },
      { field: "fstab", before: fstab, after: clean, format: "text" },
    ]);
    expect(r.ops).toEqual([
      { op: "swapoff" },
      { op: "writeFile", path: "/etc/fstab", blob: sha(clean), mode: 0o664, owner: "root", group: "root" },
    ]);
    expect([...r.derived.keys()]).toEqual([sha(clean)]);
  });

  it("no swap and a clean fstab: nothing to do", () => {
    const r = evaluate(swapKind, "off", {}, [{ active: [] }, regularFact(clean)]);
    expect(r.diff.action).toBe("noop");
    expect(r.ops).toEqual([]);
    expect(r.derived.size).toBe(0);
  });

  it("no fstab at all: only swapoff", () => {
    const r = evaluate(swapKind, "off", {}, [{ active: ["/dev/sda2"] }, absentFact]);
    expect(r.ops).toEqual([{ op: "swapoff" }]);
  });

  it("refuses an fstab it could not read as text", () => {
    const r = evaluate(swapKind, "off", {}, [{ active: [] }, regularFact(fstab, { read: false })]);
    expect(r.diff.refusal?.reason).toMatch(/^\/etc\/fstab could not be read/);
    expect(r.ops).toEqual([]);
  });
});
