/**
 * `tend apply PLANFILE` with a bad plan file: a real `tend plan --out` file,
 * hand-edited. Each is refused before any connection (the transport factory
 * is never called), naming the file and, for a bad value, its JSON path;
 * exit code 1, no stack trace, nothing changed on the host.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { isLeft } from "fp-ts/lib/Either.js";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../index.js";
import { inventoryFile, recordingIo, simDeps, simHost } from "../test-support.js";
import type { Deps } from "./facade.js";
import { readPlanFile } from "./plan-file.js";

const INVENTORY = "all:\n  children:\n    k8s_worker:\n      hosts:\n        w1:\n";

interface SavedPlan {
  format: unknown;
  hosts: { actions: { ops: Record<string, unknown>[] }[] }[];
}

let inv = "";
let saved = "";

beforeAll(async () => {
  inv = inventoryFile("hosts.yml", INVENTORY);
  const out = join(dirname(inv), "plan.json");
  expect(await main(["plan", "-i", inv, "--out", out], recordingIo(), simDeps({ w1: simHost("w1") }))).toBe(
    0,
  );
  saved = readFileSync(out, "utf8");
});

const edit = (change: (p: SavedPlan) => void): string => {
  const p = JSON.parse(saved) as SavedPlan;
  change(p);
  return JSON.stringify(p, null, 2);
};
const firstOp = (p: SavedPlan): Record<string, unknown> => p.hosts[0]!.actions[0]!.ops[0]!;

/** Runs `tend apply FILE -i INV` on the given bytes; counts calls of the transport factory. */
const applyFile = async (name: string, content: string | Uint8Array) => {
  const file = join(dirname(inv), name);
  writeFileSync(file, content);
  const w1 = simHost("w1");
  const base = simDeps({ w1 });
  let connections = 0;
  const deps: Deps = {
    ...base,
    openTarget: (c) => {
      connections++;
      return base.openTarget(c);
    },
  };
  const io = recordingIo();
  const code = await main(["apply", file, "-i", inv, "--yes"], io, deps);
  return { file, code, err: io.err(), connections, opLog: w1.opLog };
};

const CASES: [string, () => string | Uint8Array, string][] = [
  [
    "an op's mode of the wrong type",
    () =>
      edit((p) => {
        firstOp(p).mode = "0644";
      }),
    'hosts[0].actions[0].ops[0].mode: expected a file mode 0..0o7777, got "0644"',
  ],
  [
    "an unknown op",
    () =>
      edit((p) => {
        firstOp(p).op = "runShell";
      }),
    'hosts[0].actions[0].ops[0].op: expected one of "mkdir", "writeFile",',
  ],
  [
    "an op without its path",
    () =>
      edit((p) => {
        delete firstOp(p).path;
      }),
    "hosts[0].actions[0].ops[0].path: missing",
  ],
  [
    "another format",
    () =>
      edit((p) => {
        p.format = "ansible";
      }),
    'not a tend plan ("format" is "ansible")',
  ],
  [
    "no format",
    () =>
      edit((p) => {
        delete (p as { format?: unknown }).format;
      }),
    'no "format" field',
  ],
  [
    "a tend-plan/1 file",
    () =>
      edit((p) => {
        p.format = "tend-plan/1";
      }),
    "a tend-plan/1 plan, saved by an older tend; this tend reads tend-plan/2: run `tend plan --out` again",
  ],
  [
    "truncated JSON",
    () => saved.slice(0, Math.floor(saved.length / 2)),
    "not JSON: the text ends in the middle",
  ],
  [
    "a Terraform plan",
    () => JSON.stringify({ format_version: "1.2", terraform_version: "1.9.8", resource_changes: [] }),
    "this is a Terraform plan, not a tend plan",
  ],
  ["an empty file", () => "", "the file is empty; expected a tend plan"],
  ["a BOM before the plan", () => `\uFEFF${saved}`, "starts with a byte order mark (BOM)"],
  [
    "Latin-1 bytes in the plan",
    () => Buffer.concat([Buffer.from(saved.slice(0, 40)), Buffer.from([0xe9]), Buffer.from(saved.slice(40))]),
    "not UTF-8 (bad byte at offset 40)",
  ],
  ["an array", () => `[${saved}]`, "the document is an array; expected a tend plan"],
];

describe("a bad plan file is refused before any connection, naming the file and the bad value", () => {
  it.each(CASES)("%s", async (_name, content, expected) => {
    const r = await applyFile("edited.json", content());
    expect(r.code).toBe(1);
    expect(r.err).toContain(`error: ${r.file}: ${expected}`);
    expect(r.err).not.toMatch(/\n\s+at |undefined|\[object Object\]/);
    expect(r.connections).toBe(0);
    expect(r.opLog).toEqual([]);
  });

  // Refined op codecs (modes 0..0o7777, absolute paths without NUL) come from op.ts, shared with both targets.
  it.each<[string, () => string, string]>([
    [
      "a mode out of range",
      () =>
        edit((p) => {
          firstOp(p).mode = 99999;
        }),
      "ops[0].mode",
    ],
    [
      "a path with a NUL byte",
      () =>
        edit((p) => {
          firstOp(p).path = "/etc/motd\u0000.d";
        }),
      "ops[0].path",
    ],
  ])("%s", async (_name, content, expected) => {
    const r = await applyFile("edited.json", content());
    expect(r.connections).toBe(0);
    expect(r.err).toContain(`error: ${r.file}: hosts[0].actions[0].${expected}`);
  });

  it("the unedited plan file applies (the cases above differ from it only by their edit)", async () => {
    const r = await applyFile("good.json", saved);
    expect(r.code).toBe(0);
    expect(r.connections).toBe(1);
  });
});

describe("reading a plan file", () => {
  it("a file over the size limit is refused without being read whole", async () => {
    const file = join(dirname(inv), "big.json");
    writeFileSync(file, saved);
    const r = await readPlanFile(file, 100);
    expect(isLeft(r) && r.left).toEqual([
      `${file}: larger than 100 bytes; a tend plan is smaller: was another file given?`,
    ]);
  });

  it("a directory is named as one", async () => {
    const r = await readPlanFile(dirname(inv));
    expect(isLeft(r) && r.left).toEqual([`${dirname(inv)}: cannot read plan: it is a directory`]);
  });
});
