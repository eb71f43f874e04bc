/**
 * Health gates are data, never shell (DESIGN.md: nothing from input is
 * evaluated as shell or steers a command). For any `tend_health_checks`
 * entry, hostile strings included, that validation accepts, the gate's probe
 * run by a real /bin/sh (with recording stand-ins for curl, nc, timeout and
 * bash) runs only the tool of its kind, hands it each declared value as one
 * argument, unchanged, never where the tool reads an option (no value that
 * starts with "-", no URL globbing), and for a command runs exactly the
 * declared argv.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { gateProbe, type HealthGate, UserHealthCheck, userCheckProblem, userGate } from "./gate.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);

const dir = mkdtempSync(join(tmpdir(), "tend-gate-"));
const LOG = join(dir, "calls");
/** A stand-in that records its name and argv (one file per call, NUL-terminated fields) and fails. */
const stub = (name: string) => {
  const path = join(dir, "bin", name);
  writeFileSync(
    path,
    `#!/bin/sh\nf=$(/bin/mktemp '${LOG}/call.XXXXXX')\nprintf '%s\\0' '${name}' "$@" > "$f"\nexit 1\n`,
  );
  chmodSync(path, 0o755);
};
spawnSync("/bin/mkdir", ["-p", join(dir, "bin")]);
for (const n of ["curl", "nc", "timeout", "bash"]) stub(n);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the gate's probe argv as ShellTarget would (argv, no shell of ours), with only the stand-ins on PATH. */
const runGate = (g: HealthGate, tools: readonly string[]): string[][] => {
  rmSync(LOG, { recursive: true, force: true });
  spawnSync("/bin/mkdir", ["-p", LOG]);
  const probe = gateProbe(g);
  if (probe.type !== "check") throw new Error("a gate is a check probe");
  const path = join(dir, `path-${tools.join("-")}`);
  spawnSync("/bin/mkdir", ["-p", path]);
  for (const t of tools) spawnSync("/bin/ln", ["-sf", join(dir, "bin", t), join(path, t)]);
  const [cmd, ...args] = probe.argv;
  spawnSync(cmd === "sh" ? "/bin/sh" : cmd!, args, { env: { PATH: path }, timeout: 10_000 });
  return readdirSync(LOG).map((f) => readFileSync(join(LOG, f), "utf8").split("\0").slice(0, -1));
};

/** Strings an attacker would try: option-like, shell-like, glob-like, control characters, anything. */
const hostile = fc.oneof(
  fc.string(),
  fc.constantFrom(
    "-e/bin/sh",
    "--config=/etc/shadow",
    "-o/tmp/x",
    "$(touch /tmp/pwned)",
    "`id`",
    "a;b",
    "x\ny",
    "[1-3]",
    "{a,b}",
    "127.0.0.1 -e /bin/sh",
    "*",
  ),
  fc.tuple(fc.constantFrom("-", "$(", "`", ";", "\n", "[", "{", " "), fc.string()).map(([a, b]) => a + b),
);
const url = fc.oneof(
  hostile,
  fc
    .tuple(fc.constantFrom("http://", "https://", "http://-x", "http://127.0.0.1:10248/"), hostile)
    .map(([a, b]) => a + b),
  fc.webUrl(),
);
const check = fc.oneof(
  fc.record({ name: fc.constant("c"), http: url, status: fc.constantFrom(200, 204) }),
  fc.record({ name: fc.constant("c"), tcp: fc.integer({ min: 1, max: 65535 }), host: hostile }),
  fc.record({ name: fc.constant("c"), command: fc.array(hostile, { minLength: 1, maxLength: 4 }) }),
);

/** The gate of a check that validation accepts, or undefined when it refuses it. */
const accepted = (raw: unknown): HealthGate | undefined => {
  const d = UserHealthCheck.decode(raw);
  if (E.isLeft(d) || userCheckProblem(d.right) !== undefined) return undefined;
  return userGate(d.right);
};

const noOption = (values: readonly string[]) => {
  for (const v of values) expect(v.startsWith("-"), JSON.stringify(v)).toBe(false);
};

describe("health gates from tend_health_checks", () => {
  it("whatever the strings, an accepted gate runs only its kind's tool, each value one argument, never an option", () => {
    let ran = 0;
    fc.assert(
      fc.property(check, (raw) => {
        const g = accepted(raw);
        if (g === undefined) return;
        ran++;
        const c = g.check;
        if (c.kind === "http") {
          // curl present: it alone runs; the URL is its last argument, after --globoff.
          const calls = runGate(g, ["curl"]);
          expect(calls.map((x) => x[0])).toEqual(["curl"]);
          const argv = calls[0]!.slice(1);
          expect(argv.at(-1)).toBe(c.url);
          expect(argv).toContain("--globoff");
          noOption([c.url]);
          expect(URL.canParse(c.url) && ["http:", "https:"].includes(new URL(c.url).protocol)).toBe(true);
          // No control characters or spaces travel in a URL (it is the normalised one).
          expect(/[\0-\x20\x7f]/.test(c.url)).toBe(false);
        } else if (c.kind === "tcp") {
          // No bash: nc alone runs, with host and port as its last two arguments.
          const calls = runGate(g, ["nc"]);
          expect(calls.map((x) => x[0])).toEqual(["nc"]);
          expect(calls[0]!.slice(-2)).toEqual([c.host, String(c.port)]);
          noOption([c.host]);
        } else if (c.kind === "command") {
          // timeout present: it runs the declared argv after its duration, and nothing else runs.
          const calls = runGate(g, ["timeout"]);
          expect(calls).toEqual([["timeout", String(g.timeoutSeconds), ...c.argv]]);
        }
      }),
      { numRuns },
    );
    // The runs did reach accepted gates of every kind (not only refusals).
    if (numRuns >= 100) expect(ran).toBeGreaterThan(numRuns / 10);
  });
});
