/**
 * The typed builders: a prop typo, a wrong value type, a missing required
 * prop or a notify of a non-service is a compile error (`tsc -p
 * packages/tsconfig.tests.json` checks every `@ts-expect-error` below: an
 * error that no longer happens fails the type check), and what a builder
 * builds plans exactly like the hand-written resource.
 */
import { describe, expect, it } from "vitest";
import { apply, plan } from "../engine/index.js";
import { isConverged } from "../engine/report.fixture.js";
import { SimHost } from "../sim/simhost.js";
import { buildersFor, directory, file, idOf, pkg, service, sysctl, unit } from "./builders.js";

describe("typed builders", () => {
  it("reject a prop typo, a wrong type, a missing required prop and a non-service notify at compile time", () => {
    const typos = () => [
      // @ts-expect-error: `mdoe` is not a prop of file
      file("/etc/x", { content: "x", mdoe: 0o644 }),
      // @ts-expect-error: mode is a number
      directory("/etc/d", { mode: "0755" }),
      // @ts-expect-error: sysctl needs a value
      sysctl("net.ipv4.ip_forward", {}),
      // @ts-expect-error: state is "running" or "stopped"
      service("demo", { state: "started" }),
      // @ts-expect-error: only services are notified
      file("/etc/y", { content: "y" }, { notify: ["file[/etc/x]"] }),
      // @ts-expect-error: a dependency is a resource id, kind[name]
      pkg("curl", {}, { deps: ["/etc/x"] }),
      // @ts-expect-error: `package` is the kind, not a prop
      pkg("curl", { package: "curl" }),
    ];
    expect(typos).toBeTypeOf("function");
  });

  it("build the same resource a hand-written declaration is, empty edges left out", () => {
    expect(file("/etc/x", { content: "x\n", mode: 0o600 }, { deps: [], notify: ["service[a]"] })).toEqual({
      kind: "file",
      name: "/etc/x",
      props: { content: "x\n", mode: 0o600 },
      notify: ["service[a]"],
    });
    const { kmod } = buildersFor("@example/m");
    expect(kmod("overlay")).toEqual({ kind: "kmod", name: "overlay", props: {}, origin: "@example/m" });
    expect(idOf(unit("demo.service", { content: "[Service]\n" }))).toBe("unit[demo.service]");
  });

  it("declare resources a plan accepts and converges", async () => {
    const host = new SimHost();
    const resources = [
      directory("/etc/demo", { mode: 0o755 }),
      unit("demo.service", {
        content: "[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n",
      }),
      file("/etc/demo/app.conf", { content: "port = 8080\n" }, { notify: ["service[demo]"] }),
      service("demo", {}, { deps: ["unit[demo.service]"] }),
    ];
    const report = await apply(await plan(resources, host), host);
    expect(isConverged(report.hosts[0]!), JSON.stringify(report)).toBe(true);
  });
});
