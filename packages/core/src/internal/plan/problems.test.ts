/**
 * Decode problems are general over codecs: refined codecs name themselves,
 * tagged unions report the member the tag chose, or the tag itself.
 */
import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import { problemsOf } from "./problems.js";

const Mode = t.refinement(
  t.number,
  (n) => Number.isInteger(n) && n >= 0 && n <= 0o7777,
  "a file mode 0..0o7777",
);
const Path = new t.Type<string, string, unknown>(
  "an absolute path",
  (u): u is string => typeof u === "string",
  (u, c) =>
    typeof u === "string" && u.startsWith("/") && !u.includes("\u0000")
      ? t.success(u)
      : t.failure(u, c, typeof u === "string" && u.includes("\u0000") ? "a path with a NUL byte" : undefined),
  String,
);
const Op = t.union([
  t.type({ op: t.literal("mkdir"), path: Path, mode: Mode }),
  t.intersection([t.type({ op: t.literal("setAttrs"), path: Path }), t.partial({ mode: Mode })]),
  t.type({ op: t.literal("swapoff") }),
]);
const Doc = t.type({ hosts: t.array(t.type({ actions: t.array(t.type({ ops: t.array(Op) })) })) });

const at = (op: unknown): string[] => {
  const r = Doc.decode({ hosts: [{ actions: [{ ops: [] }, { ops: [{ op: "swapoff" }, op] }] }] });
  return r._tag === "Left" ? problemsOf(r.left).map((p) => `${p.path}: ${p.message}`) : [];
};

describe("problemsOf", () => {
  it("a refined value out of range is named by the refinement, at its JSON path", () => {
    expect(at({ op: "mkdir", path: "/a", mode: 99999 })).toEqual([
      "hosts[0].actions[1].ops[1].mode: expected a file mode 0..0o7777, got 99999",
    ]);
  });

  it("a refined value of the wrong type is named by the refinement too", () => {
    expect(at({ op: "setAttrs", path: "/a", mode: "0644" })).toEqual([
      'hosts[0].actions[1].ops[1].mode: expected a file mode 0..0o7777, got "0644"',
    ]);
  });

  it("a codec's own message is used as it is", () => {
    expect(at({ op: "mkdir", path: "/a\u0000b", mode: 1 })).toEqual([
      "hosts[0].actions[1].ops[1].path: a path with a NUL byte",
    ]);
  });

  it("an unknown tag names the tag and the values it may take", () => {
    expect(at({ op: "chmod", path: "/a" })).toEqual([
      'hosts[0].actions[1].ops[1].op: expected one of "mkdir", "setAttrs", "swapoff", got "chmod"',
    ]);
  });

  it("a missing tag is missing", () => {
    expect(at({ path: "/a" })).toEqual([
      'hosts[0].actions[1].ops[1].op: missing: expected one of "mkdir", "setAttrs", "swapoff"',
    ]);
  });

  it("something that is not an object where an op goes", () => {
    expect(at(["mkdir"])).toEqual(['hosts[0].actions[1].ops[1]: expected an object, got ["mkdir"]']);
  });
});
