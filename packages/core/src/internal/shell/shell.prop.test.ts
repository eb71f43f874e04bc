/**
 * Properties of ShellTarget against the real /bin/sh: arbitrary strings
 * (any code point but NUL) as file names, contents, argv values and unit
 * names arrive byte-exact, and text that would run a command if it were
 * spliced unquoted (`; touch X`, `$(touch X)`, backticks) never runs.
 * Probes the host answers in bulk (manifest members hashed by one
 * sha256sum, apt packages by one dpkg-query) answer as one probe alone would.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UnitName } from "../names.js";
import type { Op } from "../op.js";
import { ShTransport, tempDir } from "./sh-transport.test.js";
import { ShellTarget } from "./target.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);
const SENTINEL = "PWNED";
/** Each run spawns a shell or two; on a busy machine 200 runs take well over vitest's default. */
const TIMEOUT = 600_000;

let root: string;
let cleanup: () => void;
let n = 0;
beforeAll(() => {
  ({ dir: root, cleanup } = tempDir("tend-shell-prop-"));
});
afterAll(() => cleanup());

/** A fresh dir that is also the shell's cwd, so a relative `touch PWNED` would land in it. */
const fresh = () => {
  const dir = `${root}/r${n++}`;
  mkdirSync(dir);
  return { dir, target: new ShellTarget(new ShTransport("prop", dir), { stateDir: `${dir}/state` }) };
};
const noSentinel = (dir: string) => expect(existsSync(join(dir, SENTINEL))).toBe(false);

const injections = [
  `; touch ${SENTINEL}`,
  `$(touch ${SENTINEL})`,
  `\`touch ${SENTINEL}\``,
  `'; touch ${SENTINEL}; '`,
  `"; touch ${SENTINEL}; "`,
  `\ntouch ${SENTINEL}\n`,
  `'$(touch ${SENTINEL})'`,
  `\\'; touch ${SENTINEL} #`,
  `| touch ${SENTINEL}`,
  `&& touch ${SENTINEL} &`,
];
const anyText = fc.string({ unit: "binary", maxLength: 40 }).filter((s) => !s.includes("\0"));
/** Arbitrary text, shell metacharacters, or arbitrary text around an injection. */
const hostile = fc.oneof(
  anyText,
  fc.constantFrom(...injections),
  fc.tuple(anyText, fc.constantFrom(...injections), anyText).map((p) => p.join("")),
);
/** A single path segment: no "/", not empty, ".", or "..". */
const segment = hostile
  .map((s) => s.replaceAll("/", "_"))
  .filter((s) => s !== "" && s !== "." && s !== ".." && Buffer.byteLength(s) <= 200);
const ownRoot = { mode: 0o640, owner: "root", group: "root" };
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("ShellTarget carries arbitrary values byte-exact and never runs them", () => {
  it(
    "file names and contents: writeFile lands the exact bytes at the exact name, and probe reads them back",
    async () => {
      await fc.assert(
        fc.asyncProperty(segment, segment, fc.uint8Array({ maxLength: 4096 }), async (sub, name, bytes) => {
          const { dir, target } = fresh();
          const path = `${dir}/${sub}/${name}`;
          const r = await target.run(
            [{ op: "writeFile", path, blob: sha256(bytes), ...ownRoot }],
            new Map([[sha256(bytes), bytes]]),
          );
          expect(r).toEqual(E.right({ completed: 1 }));
          expect(new Uint8Array(readFileSync(path))).toEqual(bytes);
          expect(readdirSync(join(dir, sub))).toEqual([name]);
          const p = await target.probe([{ type: "file", path, hash: "sha256", content: true }]);
          expect(p).toEqual(
            E.right([
              {
                type: "file",
                mode: 0o640,
                owner: "root",
                group: "root",
                size: bytes.length,
                hash: sha256(bytes),
                contentBase64: Buffer.from(bytes).toString("base64"),
              },
            ]),
          );
          noSentinel(dir);
        }),
        { numRuns },
      );
    },
    TIMEOUT,
  );

  it(
    "exec argv values reach the command as exactly those arguments, and check probes see the same",
    async () => {
      // The command writes argument i to file "<base>.<i>", so each one is read back with node fs.
      const writer = 'i=0; for a; do i=$((i+1)); printf "%s" "$a" > "$0.$i"; done';
      await fc.assert(
        fc.asyncProperty(fc.array(hostile, { maxLength: 6 }), async (args) => {
          const { dir, target } = fresh();
          const r = await target.run(
            [{ op: "exec", argv: ["sh", "-c", writer, `${dir}/arg`, ...args] }],
            new Map(),
          );
          expect(r).toEqual(E.right({ completed: 1 }));
          expect(args.map((_, i) => readFileSync(`${dir}/arg.${i + 1}`, "utf8"))).toEqual(args);
          expect(existsSync(`${dir}/arg.${args.length + 1}`)).toBe(false);
          const c = await target.probe([
            { type: "check", argv: ["sh", "-c", 'for a; do printf "%s\\n" "$a"; done', "sh", ...args] },
          ]);
          expect(c).toEqual(E.right([{ exitCode: 0, stdout: args.map((a) => `${a}\n`).join("") }]));
          noSentinel(dir);
        }),
        { numRuns },
      );
    },
    TIMEOUT,
  );

  it(
    "unit-like names: intents keep valid unit names and the action exactly, refuse any other before an op runs, and unit probes answer without running them",
    async () => {
      // Valid unit names with every character systemd allows, and hostile words that must be refused.
      const validUnit = fc
        .tuple(
          fc.stringMatching(/^[A-Za-z0-9:_.\\-]{1,20}$/),
          fc.constantFrom(".service", ".socket", "@x.service"),
        )
        .map(([n, suffix]) => `${n}${suffix}`)
        .filter((u) => UnitName.is(u));
      const unit = fc.oneof(
        validUnit,
        validUnit,
        hostile.filter((s) => s !== "" && !/\s/.test(s)),
      );
      const action = hostile.map((s) => s.replaceAll("\n", " ")).filter((s) => s !== "");
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(unit, { minLength: 1, maxLength: 5 }), action, async (units, at) => {
          const { dir, target } = fresh();
          const [first, ...rest] = units as [string, ...string[]];
          const ops: Op[] = [
            { op: "intent", action: "add", restart: units, reload: false, at },
            { op: "intent", action: "remove", restart: [first], reload: false },
          ];
          const ran = await target.run(ops, new Map());
          const file = `${dir}/state/pending-restarts`;
          if (!units.every((u) => UnitName.is(u))) {
            // Refused by the op codec before the batch runs: no record written, nothing executed.
            expect(E.isLeft(ran) && ran.left._tag === "OpFailed" && ran.left.exitCode).toBe(-1);
            expect(existsSync(file)).toBe(false);
          } else if (rest.length === 0) expect(existsSync(file)).toBe(false);
          else {
            expect(ran).toEqual(E.right({ completed: 2 }));
            const stamped = readFileSync(file)
              .toString("latin1")
              .replace(/ \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /g, " TIME ");
            const expected = rest.map((u) => `restart ${u} TIME ${at}\n`).join("");
            expect(stamped).toBe(Buffer.from(expected).toString("latin1"));
          }
          // One unit probe per run: systemctl is slow without a running systemd.
          const p = await target.probe([{ type: "unit", name: first }]);
          expect(E.isRight(p) && p.right.length).toBe(1);
          noSentinel(dir);
        }),
        { numRuns },
      );
    },
    TIMEOUT,
  );

  it(
    "manifests with any member names, batched: each reports every member it lists, ok exactly when that member is a regular file with the listed digest",
    async () => {
      // A manifest line holds one path: no line breaks (the parser splits on \n and its `.` stops at \r, U+2028, U+2029).
      const member = segment.filter((s) => !/[\n\r\u2028\u2029]/.test(s));
      const state = fc.constantFrom("ok", "altered", "missing", "dir");
      const listing = fc.array(fc.tuple(member, state, fc.uint8Array({ maxLength: 64 })), { maxLength: 4 });
      // undefined: no manifest file at that path.
      const manifest = fc.option(listing, { nil: undefined });
      const source = anyText.filter((s) => !/[\n\r\u2028\u2029]/.test(s));
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(manifest, segment), { minLength: 1, maxLength: 3 }),
          source,
          async (manifests, src) => {
            const { dir, target } = fresh();
            // Hostile manifest names too, each in a dir of its own.
            const at = (m: number) => `${dir}/manifests${m}/${manifests[m]?.[1]}`;
            const expected = manifests.map(([members], m) => {
              mkdirSync(`${dir}/manifests${m}`);
              if (members === undefined) return { exists: false };
              const listed = members.map(([name, st, bytes], k) => {
                mkdirSync(`${dir}/m${m}/${k}`, { recursive: true });
                // What the parser reads back: the name as it is stored (utf-8).
                const path = Buffer.from(`${dir}/m${m}/${k}/${name}`).toString();
                if (st === "ok") writeFileSync(path, bytes);
                if (st === "altered") writeFileSync(path, Buffer.concat([bytes, Buffer.from("x")]));
                if (st === "dir") mkdirSync(path);
                return { path, sha256: sha256(bytes), ok: st === "ok" };
              });
              const text = listed.map((e) => `${e.sha256}  ${e.path}\n`).join("");
              writeFileSync(at(m), `# source ${src}\n${text}`);
              return { exists: true, source: Buffer.from(src).toString(), members: listed };
            });
            const r = await target.probe(manifests.map((_, m) => ({ type: "manifest", path: at(m) })));
            expect(r).toEqual(E.right(expected));
            noSentinel(dir);
          },
        ),
        { numRuns },
      );
    },
    TIMEOUT,
  );

  it(
    "apt packages in one batch: each name's version is what dpkg-query says of that name alone (first 'install ok installed' line), or null",
    async () => {
      // dpkg-query's format fields, written with "$" apart so no one reads them as placeholders.
      const field = (f: string) => `$\{${f}}`;
      const q = (args: string[]) => spawnSync("dpkg-query", ["-W", "-f", ...args], { encoding: "utf8" });
      const installed = (q([`${field("Package")}\n`]).stdout ?? "").split("\n").filter((n) => n !== "");
      const alone = (name: string): string | null => {
        const lines = (q([`${field("Status")} ${field("Version")}\n`, "--", name]).stdout ?? "").split("\n");
        const hit = lines.find((l) => l.startsWith("install ok installed "));
        return hit === undefined ? null : hit.slice("install ok installed ".length);
      };
      const name = fc.oneof(
        ...(installed.length > 0 ? [fc.constantFrom(...installed.slice(0, 40))] : []),
        fc.stringMatching(/^[a-z0-9][a-z0-9+.-]{1,12}$/),
        hostile.filter((s) => s !== ""),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(name, { minLength: 1, maxLength: 6 }), async (names) => {
          const { dir, target } = fresh();
          const r = await target.probe(names.map((n) => ({ type: "package", name: n, manager: "apt" })));
          expect(r).toEqual(E.right(names.map((n) => ({ version: alone(n) }))));
          noSentinel(dir);
        }),
        { numRuns },
      );
    },
    TIMEOUT,
  );
});
