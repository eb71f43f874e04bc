/**
 * Scenario tests of the engine promises that need a specific sequence:
 * pending restarts across a failed apply, one daemon-reload, stale plans,
 * saved plans and their secrets, failure messages.
 */
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { decodePlan, encodePlan } from "../plan/codec.js";
import type { Plan, ReadyHostPlan } from "../plan/format.js";
import { renderPlan } from "../plan/render.js";
import type { Resource } from "../resource.js";
import { freshDebianHost } from "../sim/debian.js";
import { SimHost } from "../sim/simhost.js";
import { tarArchive } from "../sim/tar.js";
import { RELOAD_ID } from "./actions.js";
import { apply } from "./apply.js";
import { plan } from "./plan.js";
import { errorOf, isConverged, type PlannedRun, pendingOf, planOf } from "./report.fixture.js";

const ready = (p: Plan | PlannedRun): ReadyHostPlan => {
  const h = planOf(p).hosts[0]!;
  if (h.status !== "ready") throw new Error(h.errors.join("; "));
  return h;
};

const unit = (name: string, exec: string): Resource => ({
  kind: "unit",
  name: `${name}.service`,
  props: { content: `[Service]\nExecStart=${exec}\n\n[Install]\nWantedBy=multi-user.target\n` },
  notify: [`service[${name}]`],
});
const service = (name: string): Resource => ({
  kind: "service",
  name,
  props: { enabled: true, state: "running" },
});
const config = (content: string): Resource => ({
  kind: "file",
  name: "/etc/app.conf",
  props: { content },
  notify: ["service[app]"],
});

const convergedHost = async (resources: readonly Resource[]): Promise<SimHost> => {
  const host = new SimHost(freshDebianHost());
  const r = await apply(await plan(resources, host), host);
  expect(isConverged(r.hosts[0]!)).toBe(true);
  return host;
};

describe("engine scenarios", () => {
  it("runs one daemon-reload, after every changed unit file and before every service op", async () => {
    const rs = [unit("app", "/bin/app"), service("app"), unit("web", "/bin/web"), service("web")];
    const p = ready(await plan(rs, new SimHost(freshDebianHost())));
    const ids = p.actions.map((a) => `${a.action} ${a.id}`);
    expect(ids.filter((i) => i.includes(RELOAD_ID))).toHaveLength(1);
    const reload = ids.indexOf(`reload ${RELOAD_ID}`);
    expect(ids.indexOf("create unit[app.service]")).toBeLessThan(reload);
    expect(ids.indexOf("create unit[web.service]")).toBeLessThan(reload);
    expect(ids.indexOf("update service[app]")).toBeGreaterThan(reload);
    // Services started by this apply need no restart on top.
    expect(ids.filter((i) => i.startsWith("restart"))).toEqual([]);
  });

  it("restarts a running service once after all its causes changed", async () => {
    const host = await convergedHost([unit("app", "/bin/app"), service("app"), config("a=1\n")]);
    const p = ready(await plan([unit("app", "/bin/app2"), service("app"), config("a=2\n")], host));
    const lines = p.actions.map((a) => `${a.action} ${a.id}`);
    expect(lines).toEqual([
      "update file[/etc/app.conf]",
      "update unit[app.service]",
      `reload ${RELOAD_ID}`,
      "restart service[app]",
    ]);
    expect(p.actions[3]!.reasons).toEqual([
      "notified by file[/etc/app.conf]",
      "notified by unit[app.service]",
    ]);
  });

  it("records a restart due when apply fails and carries it out on the next apply", async () => {
    const rs = [unit("app", "/bin/app"), service("app"), config("a=1\n")];
    const host0 = await convergedHost(rs);
    const changed = [unit("app", "/bin/app"), service("app"), config("a=2\n")];
    const p = ready(await plan(changed, host0));
    const restartIndex = p.actions
      .flatMap((a) => a.ops)
      .findIndex((o) => o.op === "systemctl" && o.verb === "restart");
    // Same state, but the restart op (counted over this host's lifetime) fails.
    const host = new SimHost(host0.state, { failAtOp: restartIndex });
    const failed = await apply(await plan(changed, host), host);
    expect(failed.hosts[0]!.status).toBe("failed");
    expect(errorOf(failed.hosts[0]!)).toMatch(/^node1: service\[app\]: systemctl restart app\.service: /);
    expect(pendingOf(failed.hosts[0]!)).toEqual([{ id: "service[app]", action: "restart" }]);
    const next = ready(await plan(changed, host));
    expect(next.actions.map((a) => `${a.action} ${a.id}`)).toEqual(["restart service[app]"]);
    expect(next.actions[0]!.reasons).toEqual([
      expect.stringMatching(
        /^restart left over from an apply interrupted at file\[\/etc\/app\.conf\] \(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)$/,
      ),
    ]);
    const done = await apply({ format: "tend-plan/2", hosts: [next] }, host);
    expect(isConverged(done.hosts[0]!)).toBe(true);
  });

  it("fails the plan, naming the cycle, when a unit file must be written after a service op", async () => {
    const rs: Resource[] = [
      { ...unit("a", "/bin/a") },
      service("a"),
      { ...unit("b", "/bin/b"), deps: ["service[a]"] },
      service("b"),
    ];
    const h = (await plan(rs, new SimHost(freshDebianHost()))).plan.hosts[0]!;
    expect(h.status).toBe("error");
    expect(h.status === "error" && h.errors).toEqual([
      "no order runs the daemon-reload after every unit file and before every service op: unit[b.service] -> service[a] -> systemd[daemon-reload] -> unit[b.service]",
    ]);
  });

  it("keeps a restart due when the connection drops right after its unit file is written (issue 8: service[a] notified by unit[a.service])", async () => {
    const host0 = await convergedHost([unit("a", "/bin/a"), service("a")]);
    const changed = [unit("a", "/bin/a --mtu=1450"), service("a")];
    const ops = ready(await plan(changed, host0)).actions.flatMap((a) => a.ops);
    const write = ops.findIndex((o) => o.op === "writeFile");
    for (const dropAfterOp of [0, write]) {
      const host = new SimHost(host0.state, { dropAfterOp });
      const first = await apply(await plan(changed, host), host);
      expect(first.hosts[0]!.status).toBe("failed");
      host.reconnect();
      const next = ready(await plan(changed, host));
      const restart = next.actions.find((a) => a.action === "restart" && a.id === "service[a]");
      expect(restart?.reasons).toContainEqual(
        expect.stringMatching(/^restart left over from an apply interrupted at unit\[a\.service\] \(.+Z\)$/),
      );
      // Once the unit file is on disk, only the reload and the restart remain.
      if (dropAfterOp === write)
        expect(next.actions.map((a) => `${a.action} ${a.id}`)).toEqual([
          `reload ${RELOAD_ID}`,
          "restart service[a]",
        ]);
      const before = host.state.services["a.service"]!.startedAt!;
      const done = await apply({ format: "tend-plan/2", hosts: [next] }, host);
      expect(isConverged(done.hosts[0]!)).toBe(true);
      const svc = host.state.services["a.service"]!;
      expect(svc.startedAt).toBeGreaterThan(before);
      expect(svc.startedUnit).toBe(host.state.loadedUnits["a.service"]);
      expect(host.state.files["/var/lib/tend/pending-restarts"]).toBeUndefined();
    }
  });

  it("keeps the daemon-reload due when it fails after the unit file was written, and plans it next", async () => {
    const host0 = await convergedHost([unit("a", "/bin/a"), service("a")]);
    const changed = [unit("a", "/bin/a2"), service("a")];
    const ops = ready(await plan(changed, host0)).actions.flatMap((a) => a.ops);
    const failAtOp = ops.findIndex((o) => o.op === "systemctl" && o.verb === "daemon-reload");
    const host = new SimHost(host0.state, { failAtOp });
    const first = await apply(await plan(changed, host), host);
    expect(first.hosts[0]).toMatchObject({ status: "failed", failedAction: RELOAD_ID });
    expect(isConverged(first.hosts[0]!)).toBe(false);
    const next = ready(await plan(changed, host));
    expect(next.actions.map((a) => `${a.action} ${a.id}`)).toEqual([
      `reload ${RELOAD_ID}`,
      "restart service[a]",
    ]);
    expect(next.actions[0]!.reasons).toEqual([
      expect.stringMatching(
        /^daemon-reload left over from an apply interrupted at unit\[a\.service\] \(.+Z\)$/,
      ),
    ]);
    const done = await apply({ format: "tend-plan/2", hosts: [next] }, host);
    expect(isConverged(done.hosts[0]!)).toBe(true);
    expect(host.state.loadedUnits["a.service"]).toBe(host.state.services["a.service"]!.startedUnit);
  });

  it("runs the reload before a left-over restart whose unit file also changed", async () => {
    const host0 = await convergedHost([unit("a", "/bin/a"), service("a")]);
    const host = new SimHost(host0.state);
    host.mutate((d) => {
      d.files["/var/lib/tend/pending-restarts"] = {
        type: "file",
        content: Buffer.from("restart a.service 2026-01-01T00:00:00Z file[/etc/a.conf]\n").toString("base64"),
        mode: 0o644,
        owner: "root",
        group: "root",
      };
    });
    const rs = [unit("a", "/bin/a --new"), service("a")];
    const next = ready(await plan(rs, host));
    expect(next.actions.map((a) => `${a.action} ${a.id}`)).toEqual([
      "update unit[a.service]",
      `reload ${RELOAD_ID}`,
      "restart service[a]",
    ]);
    expect(next.actions[2]!.reasons).toEqual([
      "notified by unit[a.service]",
      "restart left over from an apply interrupted at file[/etc/a.conf] (2026-01-01T00:00:00Z)",
    ]);
    expect(isConverged((await apply({ format: "tend-plan/2", hosts: [next] }, host)).hosts[0]!)).toBe(true);
    expect(host.state.services["a.service"]!.startedUnit).toBe(host.state.loadedUnits["a.service"]);
  });

  it("reads the record of earlier versions (one unit per line) as due restarts", async () => {
    const host0 = await convergedHost([unit("a", "/bin/a"), service("a")]);
    const host = new SimHost(host0.state);
    host.mutate((d) => {
      d.files["/var/lib/tend/pending-restarts"] = {
        type: "file",
        content: Buffer.from("a.service\n").toString("base64"),
        mode: 0o644,
        owner: "root",
        group: "root",
      };
    });
    const next = ready(await plan([unit("a", "/bin/a"), service("a")], host));
    expect(next.actions.map((a) => `${a.action} ${a.id}`)).toEqual(["restart service[a]"]);
    expect(next.actions[0]!.reasons).toEqual(["restart left pending by an earlier apply"]);
    expect(isConverged((await apply({ format: "tend-plan/2", hosts: [next] }, host)).hosts[0]!)).toBe(true);
  });

  it("disables in one apply a service whose unit file it creates over a leftover enablement, saying the state is unknown", async () => {
    const host = new SimHost(
      freshDebianHost({ services: { "a.service": { active: "inactive", enabled: "enabled" } } }),
    );
    const rs = [
      unit("a", "/bin/a"),
      { kind: "service", name: "a", props: { enabled: false, state: "stopped" } },
    ];
    const p = ready(await plan(rs, host));
    expect(p.actions.find((a) => a.id === "service[a]")?.unknown).toEqual([
      "enabled: known after the unit file is loaded",
    ]);
    const r = await apply({ format: "tend-plan/2", hosts: [p] }, host);
    expect(isConverged(r.hosts[0]!), JSON.stringify(pendingOf(r.hosts[0]!))).toBe(true);
    expect(host.state.services["a.service"]!.enabled).toBe("disabled");
  });

  it("converges a user whose current primary group is listed in its groups", async () => {
    // useradd without -g made the group "app" its primary group.
    const host = await convergedHost([{ kind: "user", name: "app", props: {} }]);
    const rs: Resource[] = [{ kind: "user", name: "app", props: { groups: ["app", "adm"] } }];
    const r = await apply(await plan(rs, host), host);
    expect(isConverged(r.hosts[0]!), JSON.stringify(pendingOf(r.hosts[0]!))).toBe(true);
    expect(ready(await plan(rs, host)).actions).toEqual([]);
  });

  it("refuses a saved plan whose host facts changed since planning", async () => {
    const host = new SimHost(freshDebianHost());
    const p = await plan([{ kind: "file", name: "/etc/app.conf", props: { content: "a=1\n" } }], host);
    await apply(
      await plan([{ kind: "file", name: "/etc/app.conf", props: { content: "other\n" } }], host),
      host,
    );
    const r = await apply(p, host);
    expect(r.hosts[0]!.status).toBe("stale");
    expect(errorOf(r.hosts[0]!)).toContain("changed since this plan was made");
  });

  it("applies a plan that went through its JSON form", async () => {
    const host = new SimHost(freshDebianHost());
    const rs = [{ kind: "file", name: "/etc/a.json", props: { content: '{"a":1}\n' } }];
    const decoded = decodePlan(encodePlan((await plan(rs, host)).plan));
    if (E.isLeft(decoded)) throw new Error(decoded.left._tag);
    const r = await apply(decoded.right, host);
    expect(r.hosts[0]!.status).toBe("applied");
    expect(isConverged(r.hosts[0]!)).toBe(true);
  });

  it("never stores inline secrets in plan files, and says so when such a plan is applied", async () => {
    const host = new SimHost(freshDebianHost());
    const rs = [
      { kind: "file", name: "/etc/key.pem", props: { content: "TOPSECRET\n", sensitive: true, mode: 0o600 } },
    ];
    const { plan: p } = await plan(rs, host);
    const json = encodePlan(p);
    expect(json).not.toContain("TOPSECRET");
    expect(json).not.toContain(Buffer.from("TOPSECRET\n").toString("base64"));
    expect(renderPlan(p, { color: false })).toContain("(sensitive value changed)");
    const decoded = decodePlan(json);
    if (E.isLeft(decoded)) throw new Error(decoded.left._tag);
    const r = await apply(decoded.right, host);
    expect(r.hosts[0]!.status).toBe("blocked");
    expect(errorOf(r.hosts[0]!)).toContain("file[/etc/key.pem]: its content is sensitive");
    expect(host.state.files["/etc/key.pem"]).toBeUndefined();
  });

  it("shows JSON contents as a structural diff and text as a unified diff", async () => {
    const host = await convergedHost([
      { kind: "file", name: "/etc/a.json", props: { content: '{"mtu":1472,"debug":false}' } },
      { kind: "file", name: "/etc/b.txt", props: { content: "one\ntwo\n" } },
    ]);
    const { plan: p } = await plan(
      [
        { kind: "file", name: "/etc/a.json", props: { content: '{"mtu":1450,"debug":false}' } },
        { kind: "file", name: "/etc/b.txt", props: { content: "one\nthree\n" } },
      ],
      host,
    );
    const text = renderPlan(p, { color: false });
    expect(text).toContain("- mtu: 1472");
    expect(text).toContain("+ mtu: 1450");
    expect(text).toContain("-two");
    expect(text).toContain("+three");
    expect(text).toContain("Plan: 0 to create, 2 to update, 0 to delete, 0 to restart, 0 daemon-reloads.");
  });
});

describe("apply cost", () => {
  it("installs consecutive packages in one op", async () => {
    const host = new SimHost(freshDebianHost());
    const rs = ["socat", "ebtables", "ethtool"].map((n) => ({ kind: "package", name: n, props: {} }));
    const r = await apply(await plan(rs, host), host);
    expect(isConverged(r.hosts[0]!)).toBe(true);
    const installs = host.opLog.filter((o) => o.op === "packages");
    expect(installs).toEqual([{ op: "packages", manager: "apt", install: ["ebtables", "ethtool", "socat"] }]);
  });

  it("applies a fresh in-process plan in two round trips when told not to recheck facts", async () => {
    const host = new SimHost(freshDebianHost());
    const p = await plan([{ kind: "file", name: "/etc/x", props: { content: "x\n" } }], host);
    const before = host.roundTrips;
    const r = await apply(p, host, { recheckFacts: false });
    expect(isConverged(r.hosts[0]!)).toBe(true);
    expect(host.roundTrips - before).toBe(2); // run + convergence probes
  });
});

describe("archives without a checksum", () => {
  it("converge in one apply: the extract records the archive's own digest", async () => {
    const url = "http://artifacts.example/tools.tgz";
    const tgz = tarArchive([{ path: "tools/bin/tool", content: "#!/bin/sh\necho tool\n" }], { gzip: true });
    const host = new SimHost(
      freshDebianHost({ available: { urls: { [url]: Buffer.from(tgz).toString("base64") } } }),
    );
    const rs: Resource[] = [
      { kind: "directory", name: "/opt/dl", props: { mode: 0o755 } },
      { kind: "download", name: "/opt/dl/tools.tgz", props: { url, checksum: null } },
      {
        kind: "archive",
        name: "/usr/local",
        props: { dest: "/usr/local", archive: "/opt/dl/tools.tgz", checksum: null, strip: 1 },
      },
    ];
    const p = ready(await plan(rs, host));
    expect(p.actions.find((a) => a.id === "archive[/usr/local]")?.unknown).toContain(
      "source: known after /opt/dl/tools.tgz exists",
    );
    const r = await apply({ format: "tend-plan/2", hosts: [p] }, host);
    expect(isConverged(r.hosts[0]!), JSON.stringify(pendingOf(r.hosts[0]!))).toBe(true);
    expect(host.state.files["/usr/local/bin/tool"]?.type).toBe("file");
  });
});
