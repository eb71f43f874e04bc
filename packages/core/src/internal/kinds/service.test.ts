/**
 * Static units (no [Install] section) on SimHost: systemd cannot enable
 * them, so `enabled: true` is satisfied by one whose file does not change;
 * when this apply changes the file (it may gain an [Install] section, or
 * lose it), the enablement is settled after the daemon-reload, and one apply
 * ends as declared.
 */
import { describe, expect, it } from "vitest";
import { apply } from "../engine/apply.js";
import { plan } from "../engine/plan.js";
import { isConverged } from "../engine/report.fixture.js";
import type { ReadyHostPlan } from "../plan/format.js";
import type { Resource } from "../resource.js";
import { SimHost } from "../sim/simhost.js";

const STATIC = "[Service]\nExecStart=/usr/local/bin/a\n";
const INSTALL = `${STATIC}\n[Install]\nWantedBy=multi-user.target\n`;

const declared = (content: string | undefined, enabled: boolean): Resource[] => [
  ...(content === undefined
    ? []
    : [{ kind: "unit", name: "a.service", props: { content }, notify: ["service[a]"] } satisfies Resource]),
  { kind: "service", name: "a", props: { enabled, state: "running" } },
];

const actionsOf = async (rs: readonly Resource[], host: SimHost) =>
  ((await plan(rs, host)).plan.hosts[0] as ReadyHostPlan).actions;

describe("service of a static unit", () => {
  it("a packaged static unit that runs satisfies enabled: true: the plan is empty", async () => {
    const host = new SimHost();
    host.mutate((d) => {
      d.files["/usr/lib/systemd/system/a.service"] = {
        type: "file",
        content: Buffer.from(STATIC).toString("base64"),
        mode: 0o644,
        owner: "root",
        group: "root",
      };
      d.services["a.service"] = { active: "active", enabled: "disabled" };
    });
    expect(await actionsOf(declared(undefined, true), host)).toEqual([]);
  });

  for (const [from, to, enabled] of [
    [STATIC, STATIC, true],
    [STATIC, INSTALL, true],
    [INSTALL, STATIC, true],
    [STATIC, INSTALL, false],
    [undefined, STATIC, true],
  ] as const)
    it(`one apply ends as declared: unit ${from === undefined ? "absent" : from === STATIC ? "static" : "with [Install]"} -> ${to === STATIC ? "static" : "with [Install]"}, enabled: ${enabled}`, async () => {
      const host = new SimHost();
      if (from !== undefined) await apply(await plan(declared(from, true), host), host);
      const report = await apply(await plan(declared(to, enabled), host), host);
      expect(isConverged(report.hosts[0]!)).toBe(true);
      expect(await actionsOf(declared(to, enabled), host)).toEqual([]);
      if (to === INSTALL)
        expect(host.state.services["a.service"]?.enabled).toBe(enabled ? "enabled" : "disabled");
    });
});
