/**
 * A saved plan holds its hosts' health gates, and `tend apply PLAN --batch`
 * reads them back through HealthGateCodec: every gate a valid
 * `tend_health_checks` entry makes (hostile strings included) decodes to
 * itself, so tend never writes a plan it refuses to roll out; and what the
 * codec accepts never puts a value where a tool reads an option.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UserHealthCheck, userCheckProblem, userGate } from "./gate.js";
import { HealthGateCodec } from "./gate-codec.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);

const text = fc.oneof(
  fc.string(),
  fc.constantFrom("-e/bin/sh", "a b", "x\ny", "\u2028", "::1", "[::1]", "0.0.0.0", "http://[::1]:8/x", "\0"),
);
const policy = fc.record(
  {
    timeout: fc.integer({ min: -1, max: 400 }),
    retries: fc.integer({ min: -1, max: 120 }),
    backoff_ms: fc.integer({ min: -1, max: 700_000 }),
  },
  { requiredKeys: [] },
);
const userCheck = fc.oneof(
  fc
    .tuple(
      text,
      fc.oneof(text, fc.webUrl()),
      fc.option(fc.integer({ min: 0, max: 700 }), { nil: undefined }),
      policy,
    )
    .map(([name, http, status, p]) => ({ name, http, ...(status === undefined ? {} : { status }), ...p })),
  fc
    .tuple(text, fc.integer({ min: 0, max: 70000 }), fc.option(text, { nil: undefined }), policy)
    .map(([name, tcp, host, p]) => ({ name, tcp, ...(host === undefined ? {} : { host }), ...p })),
  fc
    .tuple(text, fc.array(text, { maxLength: 4 }), policy)
    .map(([name, command, p]) => ({ name, command, ...p })),
);

describe("health gates in a plan file", () => {
  it("every gate of a tend_health_checks entry that validation accepts reads back from a plan file as itself", () => {
    fc.assert(
      fc.property(userCheck, (raw) => {
        const d = UserHealthCheck.decode(raw);
        fc.pre(d._tag === "Right" && userCheckProblem(d.right) === undefined);
        if (d._tag !== "Right") return;
        const gate = userGate(d.right);
        const back = HealthGateCodec.decode(JSON.parse(JSON.stringify(gate)));
        expect(back._tag, JSON.stringify(gate)).toBe("Right");
        if (back._tag === "Right") expect(back.right).toEqual(gate);
      }),
      { numRuns },
    );
  });

  it("what the codec accepts puts no value where a tool reads an option", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ kind: fc.constant("tcp"), host: text, port: fc.integer({ min: -1, max: 70000 }) }),
          fc.record({ kind: fc.constant("file"), path: text }),
          fc.record({ kind: fc.constant("unix-http"), socket: text, path: text, status: fc.constant(200) }),
          fc.record({ kind: fc.constant("command"), argv: fc.array(text, { maxLength: 3 }) }),
        ),
        (check) => {
          const gate = { name: "g", origin: "test", timeoutSeconds: 5, retries: 1, backoffMs: 10, check };
          const d = HealthGateCodec.decode(gate);
          if (d._tag !== "Right") return;
          const c = d.right.check;
          if (c.kind === "tcp") expect(c.host.startsWith("-")).toBe(false);
          if (c.kind === "file") expect(c.path.startsWith("/")).toBe(true);
          if (c.kind === "unix-http") {
            expect(c.socket.startsWith("/")).toBe(true);
            expect(c.path).toMatch(/^\/\S*$/);
          }
          if (c.kind === "command") expect(c.argv.every((a) => !a.includes("\0"))).toBe(true);
        },
      ),
      { numRuns },
    );
  });
});
