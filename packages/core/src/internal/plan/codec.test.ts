/**
 * Reading a plan file: a good one decodes to the plan; a bad one gets one
 * line per problem naming the file and, for a bad value, its JSON path.
 */
import { isLeft, isRight } from "fp-ts/lib/Either.js";
import { beforeAll, describe, expect, it } from "vitest";
import { plan } from "../engine/plan.js";
import { freshDebianHost } from "../sim/debian.js";
import { SimHost } from "../sim/simhost.js";
import { decodePlan, describePlanDecodeError, encodePlan } from "./codec.js";
import { PLAN_FORMAT } from "./format.js";

type Json = Record<string, unknown> & { hosts: { actions: { ops: Record<string, unknown>[] }[] }[] };
let saved = "";
const edited = (edit: (p: Json) => void): string => {
  const p = JSON.parse(saved) as Json;
  edit(p);
  return JSON.stringify(p);
};
const message = (input: string | Uint8Array): string => {
  const r = decodePlan(input);
  if (!isLeft(r)) throw new Error("decoded, expected a refusal");
  return describePlanDecodeError(r.left, "saved.json");
};

beforeAll(async () => {
  const host = new SimHost(freshDebianHost());
  saved = encodePlan(
    (
      await plan(
        [
          { kind: "directory", name: "/etc/app", props: {} },
          { kind: "file", name: "/etc/app/a.json", props: { content: '{"b":1,"a":2}\n' } },
        ],
        host,
      )
    ).plan,
  );
});

describe("a saved plan reads back", () => {
  it("from its bytes and from its text", () => {
    expect(isRight(decodePlan(saved))).toBe(true);
    expect(isRight(decodePlan(Buffer.from(saved)))).toBe(true);
  });
});

describe("refusals name the file and what was expected, in one line", () => {
  it.each<[string, string | Uint8Array, string]>([
    ["an empty file", "", "saved.json: the file is empty; expected a tend plan"],
    ["only white space", " \n\t\n", "saved.json: the file is empty"],
    ["a BOM in the text", `\uFEFF${"{}"}`, "saved.json: starts with a byte order mark (BOM)"],
    ["a BOM in the bytes", Uint8Array.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), "byte order mark (BOM)"],
    [
      "a lone continuation byte",
      Uint8Array.from([0x7b, 0x20, 0x80, 0x7d]),
      "not UTF-8 (bad byte at offset 2)",
    ],
    ["an overlong encoding", Uint8Array.from([0x22, 0xc0, 0xaf, 0x22]), "not UTF-8 (bad byte at offset 1)"],
    ["a UTF-16 surrogate", Uint8Array.from([0x22, 0xed, 0xa0, 0x80, 0x22]), "bad byte at offset 1"],
    ["a sequence cut at the end", Uint8Array.from([0x22, 0x41, 0xe2, 0x82]), "bad byte at offset 2"],
    ["not JSON", "hello", "saved.json: not JSON: Unexpected token 'h'; expected a tend plan"],
    [
      "truncated JSON",
      '{"format": "tend-plan/2", "hosts": [',
      "not JSON: the text ends in the middle of a value",
    ],
    [
      "a JSON syntax error",
      '{\n  "format": "x",\n}',
      "not JSON: Expected double-quoted property name at line 3 column 1",
    ],
    [
      "nesting deep enough to exhaust the stack",
      `{"format": "tend-plan/2", "hosts": [\n${"[".repeat(200000)}${"]".repeat(200000)}]}`,
      "saved.json: nested deeper than 512 levels (at line 2); expected a tend plan",
    ],
    [
      "brackets inside strings do not count as nesting",
      `{"format": ${JSON.stringify("[".repeat(600))}}`,
      'not a tend plan ("format" is "[[[',
    ],
    ["an array", "[1, 2]", "saved.json: the document is an array; expected a tend plan"],
    ["a number", "42", "saved.json: the document is a number"],
    ["null", "null", "saved.json: the document is null"],
    [
      "no format",
      '{"hosts": []}',
      'saved.json: no "format" field; expected a tend plan (JSON with "format": "tend-plan/2"',
    ],
    ["a format that is an object", '{"format": {}}', 'saved.json: not a tend plan ("format" is {})'],
    ["another format", '{"format": "other"}', 'saved.json: not a tend plan ("format" is "other")'],
    [
      "a tend-plan/1 file",
      '{"format": "tend-plan/1", "hosts": []}',
      "saved.json: a tend-plan/1 plan, saved by an older tend; this tend reads tend-plan/2: run `tend plan --out` again",
    ],
    [
      "a newer tend's plan",
      '{"format": "tend-plan/3", "hosts": []}',
      "a tend-plan/3 plan, saved by a newer tend",
    ],
    [
      "a Terraform plan",
      '{"format_version": "1.2", "terraform_version": "1.9.0", "planned_values": {}}',
      "saved.json: this is a Terraform plan, not a tend plan",
    ],
  ])("%s", (_name, input, expected) => {
    const m = message(input);
    expect(m).toContain(expected);
    expect(m.split("\n")).toHaveLength(1);
    expect(m).not.toMatch(/undefined|\[object Object\]/);
  });

  it("V8's message never brings the file's text along (it may be long, and span lines)", () => {
    const m = message(`{\n"a": x${"y".repeat(500)}\n}`);
    expect(m).not.toContain("yyyy");
    expect(m.split("\n")).toHaveLength(1);
  });
});

describe("a bad value is named by its JSON path", () => {
  it("an op's mode of the wrong type", () => {
    const m = message(
      edited((p) => {
        p.hosts[0]!.actions[0]!.ops[0]!.mode = "0755";
      }),
    );
    expect(m).toBe('saved.json: hosts[0].actions[0].ops[0].mode: expected a file mode 0..0o7777, got "0755"');
  });

  it("an unknown op names the op field and the ops there are", () => {
    const m = message(
      edited((p) => {
        p.hosts[0]!.actions[1]!.ops[0]!.op = "frobnicate";
      }),
    );
    expect(m).toMatch(
      /^saved\.json: hosts\[0\]\.actions\[1\]\.ops\[0\]\.op: expected one of "mkdir", "writeFile", .*, got "frobnicate"$/,
    );
  });

  it("a missing field, a bad member of a closed set, and an element of an array, each on its own line", () => {
    const m = message(
      edited((p) => {
        const h = p.hosts[0] as unknown as Record<string, unknown> & Json["hosts"][0];
        delete h.factsDigest;
        (h.actions[0] as unknown as Record<string, unknown>).action = "explode";
        (h.actions[1] as unknown as Record<string, unknown>).reasons = ["fine", 7];
      }),
    );
    expect(m.split("\n")).toEqual([
      "saved.json: hosts[0].factsDigest: missing: expected a string",
      'saved.json: hosts[0].actions[0].action: expected "create" or "update" or "delete" or "restart" or "reload", got "explode"',
      "saved.json: hosts[0].actions[1].reasons[1]: expected a string, got 7",
    ]);
  });

  it("a key that is not a name is quoted in the path", () => {
    const m = message(
      edited((p) => {
        (p.hosts[0] as unknown as { blobs: Record<string, unknown> }).blobs["a b"] = { base64: 5 };
      }),
    );
    expect(m).toContain('saved.json: hosts[0].blobs["a b"]');
  });

  it("a host plan whose status is neither ready nor error", () => {
    const m = message(
      edited((p) => {
        (p.hosts[0] as unknown as Record<string, unknown>).status = "maybe";
      }),
    );
    expect(m).toBe('saved.json: hosts[0].status: expected one of "ready", "error", got "maybe"');
  });

  it("a field diff with an unknown content format", () => {
    const m = message(
      edited((p) => {
        const f = (p.hosts[0]!.actions[1] as unknown as { fields: Record<string, unknown>[] }).fields[0]!;
        f.format = "html";
      }),
    );
    expect(m).toBe(
      'saved.json: hosts[0].actions[1].fields[0].format: expected "text" or "json" or "yaml" or "binary", got "html"',
    );
  });

  it("more than ten problems: ten lines and a count of the rest", () => {
    const m = message(
      edited((p) => {
        (p.hosts[0]!.actions[0] as unknown as Record<string, unknown>).reasons = Array.from(
          { length: 14 },
          (_, i) => i,
        );
      }),
    );
    expect(m.split("\n")).toHaveLength(11);
    expect(m).toContain("saved.json: … and 4 more");
  });
});

describe("the format is versioned on purpose", () => {
  it(`this tend writes ${PLAN_FORMAT}, and a plan's field diffs keep values, not precomputed diffs`, () => {
    const p = JSON.parse(saved) as { format: string; hosts: { actions: { fields: object[] }[] }[] };
    expect(p.format).toBe("tend-plan/2");
    const content = p.hosts[0]!.actions[1]!.fields[0]!;
    expect(content).toEqual({ field: "content", before: null, after: '{"b":1,"a":2}\n', format: "json" });
    expect(saved).not.toMatch(/__old|__new|"delta"|"diff"/);
  });
});
