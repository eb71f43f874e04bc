/**
 * The props codecs: defaults are filled by the codec, unknown props and
 * cross-field violations are rejected with a message naming them, and the
 * registry finds every built-in kind by name.
 */
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { PathReporter } from "io-ts/lib/PathReporter.js";
import { describe, expect, it } from "vitest";
import { Mode, propsCodec, withDefaults } from "./codec.js";
import { factsMismatch } from "./define.js";
import { absentFact, evaluate } from "./evaluate.js";
import { builtinKinds, directoryKind, fileKind, kindRegistry, unitKind } from "./index.js";

const report = (r: t.Validation<unknown>): string => PathReporter.report(r).join("\n");

describe("withDefaults", () => {
  const C = withDefaults(t.type({ a: t.number, b: t.string }), { a: 1 });
  it("fills missing and undefined keys, keeps given ones", () => {
    expect(C.decode({ b: "x" })).toEqual(E.right({ a: 1, b: "x" }));
    expect(C.decode({ a: undefined, b: "x" })).toEqual(E.right({ a: 1, b: "x" }));
    expect(C.decode({ a: 2, b: "x" })).toEqual(E.right({ a: 2, b: "x" }));
  });
  it("still rejects what has no default", () => {
    expect(E.isLeft(C.decode({ a: 2 }))).toBe(true);
  });
});

describe("propsCodec", () => {
  it("applies a kind's defaults (mode 0o755, root:root for a directory)", () => {
    expect(directoryKind.props.decode({})).toEqual(E.right({ mode: 0o755, owner: "root", group: "root" }));
  });

  it("rejects unknown props by name, so a typo does not fall back to a default", () => {
    const r = directoryKind.props.decode({ mdoe: 0o700 });
    expect(E.isLeft(r)).toBe(true);
    expect(report(r)).toContain('unknown prop "mdoe"');
  });

  it("names the path of a bad value", () => {
    expect(report(directoryKind.props.decode({ mode: "0644" }))).toContain("mode");
  });

  it("checks rules across fields", () => {
    expect(report(fileKind.props.decode({ content: "a", source: "/b" }))).toContain("exactly one of content");
    expect(E.isLeft(fileKind.props.decode({}))).toBe(true);
    expect(E.isRight(fileKind.props.decode({ blob: "abc", source: "/b" }))).toBe(true);
    expect(E.isLeft(unitKind.props.decode({}))).toBe(true);
  });

  it("is() agrees with decode on the cross-field rule", () => {
    const C = propsCodec("x", { a: t.number }, { b: t.string }, { a: 1 }, (p) =>
      p.a > 0 ? undefined : "a > 0",
    );
    expect(C.is({ a: 1 })).toBe(true);
    expect(C.is({ a: 0 })).toBe(false);
    expect(E.isLeft(C.decode({ a: 0 }))).toBe(true);
  });

  it("accepts modes 0..0o7777 only", () => {
    expect(Mode.is(0o4755)).toBe(true);
    expect(Mode.is(0o10000)).toBe(false);
    expect(Mode.is(1.5)).toBe(false);
  });
});

describe("kinds and facts", () => {
  it("refuses facts that do not answer the probes instead of throwing", () => {
    const r = evaluate(directoryKind, "/x", {}, [{ version: null }]);
    expect(r.diff.refusal?.reason).toMatch(/^fact 0 does not answer the file probe/);
    expect(r.ops).toEqual([]);
    expect(factsMismatch([{ type: "file", path: "/x" }], [])).toBe("expected 1 facts, got 0");
    expect(factsMismatch([{ type: "file", path: "/x" }], [absentFact])).toBeUndefined();
  });
});

describe("kindRegistry", () => {
  it("holds the fourteen built-in kinds by name", () => {
    const reg = kindRegistry(builtinKinds);
    expect([...reg.keys()].sort()).toEqual(
      [
        "archive",
        "command",
        "directory",
        "download",
        "etcdKey",
        "file",
        "group",
        "kmod",
        "package",
        "service",
        "swap",
        "sysctl",
        "unit",
        "user",
      ].sort(),
    );
    expect(reg.get("file")).toBe(fileKind);
  });

  it("lets a later kind replace a built-in of the same name", () => {
    const mine = { ...fileKind };
    expect(kindRegistry([...builtinKinds, mine]).get("file")).toBe(mine);
  });
});
