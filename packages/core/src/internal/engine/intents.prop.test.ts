/**
 * The intent record is read from the host, so it is input too: whatever its
 * lines hold (a hostile or corrupt `rollback <dir>`, `restart <name>`, a
 * rollback's units file), the next plan's ops are all valid (a restore or
 * remove only ever of a rollback dir, restarts only of unit names), and its
 * apply is never refused for an op it made.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Op } from "../op.js";
import { PENDING_RESTARTS_PATH } from "../probe.js";
import type { Resource } from "../resource.js";
import { SimHost } from "../sim/simhost.js";
import { apply } from "./apply.js";
import { ready } from "./crash.fixture.js";
import { numRuns } from "./engine.fixture.js";
import { plan } from "./plan.js";

const file = (text: string) => ({
  type: "file" as const,
  content: Buffer.from(text).toString("base64"),
  mode: 0o644,
  owner: "root",
  group: "root",
});

const word = fc.oneof(
  fc.string({ maxLength: 20 }).filter((s) => !/[\s]/.test(s) && s !== ""),
  fc.constantFrom(
    "/etc",
    "/",
    "/var/lib/tend/rollback/../../../etc",
    "/var/lib/tend/rollback/ok-1",
    "/var/lib/tend/rollback/-x",
    "../../passwd",
    "a.service",
    "ssh.service",
    "-x.service",
    "x.service/../y",
  ),
);
const line = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc
    .tuple(
      fc.constantFrom("restart", "rollback", "daemon-reload", ""),
      word,
      fc.constantFrom("", " 2026-01-01T00:00:00Z a[b]"),
    )
    .map(([a, b, c]) => `${a} ${b}${c}`),
  fc.constantFrom(
    "restart a.service 2026-01-01T00:00:00Z \u001b[2Jcleared",
    "daemon-reload \u001b]0;x\u0007 at",
  ),
);
const unitsLine = fc
  .tuple(fc.constantFrom("stop", "disable", "enable", "restart", "rm"), word)
  .map(([a, b]) => `${a} ${b}`);

const declared: Resource[] = [
  { kind: "file", name: "/etc/x.conf", props: { content: "x\n" }, notify: ["service[a]"] },
  {
    kind: "unit",
    name: "a.service",
    props: { content: "[Service]\nExecStart=/bin/a\n\n[Install]\nWantedBy=multi-user.target\n" },
  },
  { kind: "service", name: "a", props: {} },
];

describe("a hostile intent record", () => {
  it("never yields an invalid op, and the apply of the plan is never refused for one", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 5 }),
        fc.array(unitsLine, { maxLength: 4 }),
        async (lines, units) => {
          const host = new SimHost();
          host.mutate((d) => {
            d.files["/var/lib/tend"] = { type: "dir", mode: 0o755, owner: "root", group: "root" };
            d.files[PENDING_RESTARTS_PATH] = file(`${lines.join("\n")}\n`);
            for (const dir of ["/var/lib/tend/rollback", "/var/lib/tend/rollback/ok-1"])
              d.files[dir] = { type: "dir", mode: 0o700, owner: "root", group: "root" };
            d.files["/var/lib/tend/rollback/ok-1/units"] = file(`${units.join("\n")}\n`);
          });
          const run = await plan(declared, host);
          const p = ready(run);
          const why = JSON.stringify({ lines, units });
          // Reasons quote host text without its control characters (no terminal escapes reach a reader).
          for (const a of p.actions)
            for (const r of a.reasons)
              expect(
                [...r].some((ch) => ch.charCodeAt(0) < 0x20 || ch === "\x7f"),
                why,
              ).toBe(false);
          for (const op of p.actions.flatMap((a) => a.ops))
            expect(Op.is(op), `${why}: ${JSON.stringify(op)}`).toBe(true);
          const report = await apply(run, host, { recheckFacts: false });
          const r = report.hosts[0]!;
          if (r.status === "failed") expect(r.error, why).not.toMatch(/refused: op \d+ is invalid/);
        },
      ),
      { numRuns },
    );
  });
});
