/**
 * The write-ahead intent record: ShellTarget's tend_intent (POSIX sh + awk)
 * and SimHost's intent op keep the same record for any sequence of intent
 * ops over any starting record, older versions' bare unit lines included
 * (time stamps aside, which come from each host's clock).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Op } from "../op.js";
import { PENDING_RESTARTS_PATH } from "../probe.js";
import { freshDebianHost } from "../sim/debian.js";
import { SimHost } from "../sim/simhost.js";
import { ShTransport, tempDir } from "./sh-transport.test.js";
import { ShellTarget } from "./target.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);
const TIMEOUT = 600_000;

let root: string;
let cleanup: () => void;
let n = 0;
beforeAll(() => {
  ({ dir: root, cleanup } = tempDir("tend-intent-prop-"));
});
afterAll(() => cleanup());

const STAMP = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g;
const unitArb = fc.constantFrom("a.service", "b.service", "docker.service", "k-1@x.service");
const atArb = fc.constantFrom("unit[a.service]", "file[/etc/a b.conf]", "download[/opt/bin/x]", "x\\y $z");
const opArb: fc.Arbitrary<Op> = fc.record({
  op: fc.constant("intent" as const),
  action: fc.constantFrom("add" as const, "remove" as const),
  restart: fc.uniqueArray(unitArb, { maxLength: 3 }),
  reload: fc.boolean(),
  at: atArb,
});
/** A record already on the host: bare unit lines (earlier versions) and stamped entries. */
const recordArb = fc.uniqueArray(
  fc.oneof(
    unitArb,
    unitArb.map((u) => `restart ${u} 2025-05-05T05:05:05Z unit[${u}]`),
    fc.constant("daemon-reload 2025-05-05T05:05:05Z unit[old.service]"),
  ),
  // One line per entry, as the record keeps it.
  { maxLength: 3, selector: (l) => (l.includes(" ") ? l.split(" ").slice(0, 2).join(" ") : `restart ${l}`) },
);

describe("the intent record", () => {
  it(
    "is the same after the same intent ops on ShellTarget and SimHost, from any record",
    async () => {
      await fc.assert(
        fc.asyncProperty(recordArb, fc.array(opArb, { minLength: 1, maxLength: 4 }), async (lines, ops) => {
          const valid = ops.filter((o) => o.op === "intent" && (o.restart.length > 0 || o.reload));
          if (valid.length === 0) return;
          const initial = lines.map((l) => `${l}\n`).join("");
          const dir = `${root}/r${n++}`;
          mkdirSync(`${dir}/state`, { recursive: true });
          if (initial !== "") writeFileSync(`${dir}/state/pending-restarts`, initial);
          const shell = new ShellTarget(new ShTransport("intent", dir), { stateDir: `${dir}/state` });
          expect(await shell.run(valid, new Map())).toEqual(E.right({ completed: valid.length }));

          const sim = new SimHost(
            freshDebianHost(
              initial === ""
                ? {}
                : {
                    files: {
                      [PENDING_RESTARTS_PATH]: {
                        type: "file",
                        content: Buffer.from(initial).toString("base64"),
                        mode: 0o644,
                        owner: "root",
                        group: "root",
                      },
                    },
                  },
            ),
          );
          expect(await sim.run(valid, new Map())).toEqual(E.right({ completed: valid.length }));
          const simFile = sim.state.files[PENDING_RESTARTS_PATH];
          const simText = simFile?.type === "file" ? Buffer.from(simFile.content, "base64").toString() : null;
          const shellPath = `${dir}/state/pending-restarts`;
          const shellText = existsSync(shellPath) ? readFileSync(shellPath, "utf8") : null;
          expect(shellText?.replace(STAMP, "T") ?? null).toBe(simText?.replace(STAMP, "T") ?? null);
        }),
        { numRuns },
      );
    },
    TIMEOUT,
  );
});
