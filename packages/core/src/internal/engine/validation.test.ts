/**
 * Issue 7's cases, each as `plan` on a SimHost: hostile names and junk are
 * typed errors naming the resource (never a throw, never a planned write),
 * and what the facts show impossible fails the host's plan as typed
 * refusals, before any op could run.
 */
import { describe, expect, it } from "vitest";
import type { HostPlan } from "../plan/format.js";
import type { Resource } from "../resource.js";
import type { SimStateOverrides } from "../sim/debian.js";
import { freshDebianHost } from "../sim/debian.js";
import { SimHost } from "../sim/simhost.js";
import { plan } from "./plan.js";

const planOn = async (resources: readonly unknown[], overrides: SimStateOverrides = {}): Promise<HostPlan> =>
  (await plan(resources as Resource[], new SimHost(freshDebianHost(overrides)))).plan.hosts[0]!;

const errorsOf = (h: HostPlan): string => (h.status === "error" ? h.errors.join("\n") : "(plan is ready)");

const cyclic: Record<string, unknown> = { content: "x" };
cyclic.self = cyclic;

describe("hostile names and junk fail the plan, naming the resource", () => {
  it.each([
    [
      "a unit named ../../passwd",
      { kind: "unit", name: "../../passwd", props: { content: "x" } },
      "unit[../../passwd]: invalid name: expected a systemd unit name",
    ],
    [
      "a sysctl key climbing into cron.d",
      { kind: "sysctl", name: "a/../../../../etc/cron.d/x", props: { value: "1" } },
      "expected a sysctl key",
    ],
    [
      "a kmod name climbing into cron.d",
      { kind: "kmod", name: "../../../etc/cron.d/evil", props: {} },
      "expected a kernel module name",
    ],
    [
      "a file path holding NUL",
      { kind: "file", name: "/etc/a\0b", props: { content: "x" } },
      "invalid name: expected a non-empty name without NUL",
    ],
    [
      "a user name with a slash",
      { kind: "user", name: "../root", props: {} },
      "expected a user or group name",
    ],
    [
      "a package that reads as an option",
      { kind: "package", name: "-oDpkg::Pre-Invoke=x", props: {} },
      "expected a package name",
    ],
    [
      "an archive member leaving dest",
      {
        kind: "archive",
        name: "/opt/x",
        props: { dest: "/opt/x", archive: "/a.tgz", members: ["../../etc/shadow"] },
      },
      "members[0]: expected a relative path",
    ],
    [
      "a unit path prop with ..",
      { kind: "unit", name: "x.service", props: { content: "x", path: "/etc/systemd/../passwd" } },
      "path: expected an absolute normalised path",
    ],
    [
      "an owner that is not an account name",
      { kind: "file", name: "/etc/x", props: { content: "x", owner: "root:root" } },
      "owner: expected a user or group name or a numeric id",
    ],
    [
      "a download url that is a local file",
      { kind: "download", name: "/x", props: { url: "file:///etc/shadow" } },
      "url: expected an http, https or ftp URL",
    ],
    [
      "a BigInt in props",
      { kind: "file", name: "/etc/x", props: { content: "x", mode: 10n } },
      "file[/etc/x]: props.mode is a bigint, not JSON",
    ],
    [
      "a function in props",
      { kind: "file", name: "/etc/x", props: { content: () => "x" } },
      "props.content is a function, not JSON",
    ],
    [
      "a cycle in props",
      { kind: "file", name: "/etc/x", props: cyclic },
      "props.self refers back to itself (a cycle)",
    ],
    [
      "a Date in props",
      { kind: "file", name: "/etc/x", props: { content: new Date(0) } },
      "props.content is an instance of Date, not plain JSON",
    ],
    [
      "notify: {}",
      { kind: "file", name: "/etc/x", props: { content: "x" }, notify: {} },
      "file[/etc/x]: notify must be an array of resource ids (strings), got an object",
    ],
    [
      "deps of numbers",
      { kind: "file", name: "/etc/x", props: { content: "x" }, deps: [1] },
      "deps must be an array of resource ids (strings)",
    ],
    [
      "a name that is not a string",
      { kind: "file", name: 7, props: {} },
      'resources[0]: kind and name must be strings, got kind "file" and name a number',
    ],
    [
      "a resource that is not an object",
      "file[/etc/x]",
      "resources[0]: a resource must be an object, got a string",
    ],
  ])("%s", async (_what, resource, expected) => {
    const h = await planOn([resource]);
    expect(h.status).toBe("error");
    expect(errorsOf(h)).toContain(expected);
    expect(errorsOf(h)).not.toMatch(/\[object Object\]|undefined/);
  });

  it("an invalid sensitive file names the bad field but never quotes the secret", async () => {
    const secret = "hunter2-private-key";
    const h = await planOn([
      {
        kind: "file",
        name: "/etc/k",
        props: { sensitive: true, content: secret, contentBase64: secret, mode: secret },
      },
    ]);
    expect(errorsOf(h)).toContain(
      "file[/etc/k]: invalid value at mode: expected a file mode 0..0o7777 (value not shown",
    );
    expect(errorsOf(h)).not.toContain(secret);
  });
});

describe("what the facts show impossible fails the host's plan, as typed refusals", () => {
  it("a module neither built in nor on disk names the module and tend_kernel_modules", async () => {
    const h = await planOn([{ kind: "kmod", name: "ip_vs", props: {} }], { kmods: { loadable: [] } });
    expect(h).toMatchObject({
      status: "error",
      refusals: [{ id: "kmod[ip_vs]", variable: "tend_kernel_modules" }],
    });
    expect(errorsOf(h)).toMatch(
      /kmod\[ip_vs\]: refused: kernel module ip_vs is neither built into kernel .* \(see tend_kernel_modules\)/,
    );
  });

  it("a module on disk, built in or loaded plans as before", async () => {
    const h = await planOn(
      ["ip_vs", "overlay", "nf_conntrack"].map((name) => ({ kind: "kmod", name, props: {} })),
      { kmods: { loadable: ["ip_vs"], builtin: ["overlay"], loaded: ["nf_conntrack"] } },
    );
    expect(h.status).toBe("ready");
  });

  it("a package on a host with neither apt nor dnf", async () => {
    const h = await planOn([{ kind: "package", name: "curl", props: {} }], {
      host: { packageManager: null },
    });
    expect(h).toMatchObject({ status: "error", refusals: [{ id: "package[curl]" }] });
    expect(errorsOf(h)).toContain("neither apt nor dnf");
  });

  it.each([
    ["download", { kind: "download", name: "/usr/local/bin/x", props: { url: "https://example.invalid/x" } }],
    [
      "archive from a url",
      { kind: "archive", name: "/opt/x", props: { dest: "/opt/x", url: "https://example.invalid/x.tgz" } },
    ],
  ])("a %s on a host with neither curl nor wget", async (_what, resource) => {
    const h = await planOn([resource], { host: { downloaders: [] } });
    expect(h).toMatchObject({
      status: "error",
      refusals: [{ reason: expect.stringContaining("neither curl nor wget") }],
    });
  });

  it("every refusal of a host is listed, and one refused resource fails the whole host", async () => {
    const h = await planOn(
      [
        { kind: "kmod", name: "ip_vs", props: {} },
        { kind: "package", name: "curl", props: {} },
        { kind: "file", name: "/etc/ok", props: { content: "fine" } },
      ],
      { kmods: { loadable: [] }, host: { packageManager: null } },
    );
    expect(h.status === "error" && h.refusals?.map((r) => r.id)).toEqual(["kmod[ip_vs]", "package[curl]"]);
  });
});
