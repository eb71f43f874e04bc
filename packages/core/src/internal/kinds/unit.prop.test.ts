/**
 * A unit file stays in its place (issue 7: no input steers a write): whatever
 * `path` a unit resource gives, its plan either fails naming the resource, or
 * writes only `<a systemd unit dir>/<its own name>`, never another unit's
 * file and never a file systemd does not read as a unit (/etc/cron.d/x,
 * /etc/passwd).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { plan } from "../engine/plan.js";
import type { Resource } from "../resource.js";
import { SimHost } from "../sim/simhost.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);

const UNIT_DIRS = [
  "/etc/systemd/system",
  "/run/systemd/system",
  "/lib/systemd/system",
  "/usr/lib/systemd/system",
  "/usr/local/lib/systemd/system",
];

const segment = fc.oneof(
  fc.constantFrom(
    "etc",
    "systemd",
    "system",
    "cron.d",
    "passwd",
    "a.service",
    "b.service",
    "..",
    "lib",
    "usr",
  ),
  fc.string({ minLength: 1, maxLength: 8 }),
);
const path = fc.oneof(
  fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => `/${s.join("/")}`),
  fc
    .tuple(
      fc.constantFrom(...UNIT_DIRS),
      fc.constantFrom("a.service", "b.service", "a.service.d/x.conf", "x"),
    )
    .map(([d, n]) => `${d}/${n}`),
  fc.constantFrom("/etc/cron.d/evil", "/etc/passwd", "/etc/systemd/system/b.service"),
);

describe("unit path", () => {
  it("a unit plans a write only to a systemd unit dir under its own name, or fails naming the resource", async () => {
    await fc.assert(
      fc.asyncProperty(path, async (p) => {
        const r: Resource = { kind: "unit", name: "a.service", props: { content: "[Service]\n", path: p } };
        const h = (await plan([r], new SimHost())).plan.hosts[0]!;
        if (h.status === "error") {
          expect(h.errors.join("\n")).toContain("unit[a.service]");
          return;
        }
        const written = h.actions.flatMap((a) => a.ops.flatMap((o) => ("path" in o ? [o.path] : [])));
        for (const w of written)
          expect(
            UNIT_DIRS.map((d) => `${d}/a.service`),
            p,
          ).toContain(w);
      }),
      { numRuns },
    );
  });
});
