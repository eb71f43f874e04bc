/** Decode problems name the path of the bad value, whatever codecs wrap it. */
import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import { problemsOf } from "./decode.js";

const problems = (codec: t.Decoder<unknown, unknown>, value: unknown) => {
  const r = codec.decode(value);
  return r._tag === "Left" ? problemsOf("f.yml", "vars", r.left).map((p) => `${p.path}: ${p.message}`) : [];
};

describe("problemsOf", () => {
  it("keeps the keys under a refined or exact object (they are real keys)", () => {
    const inner = t.type({ port: t.number });
    expect(problems(t.type({ a: t.refinement(inner, () => true, "Conf") }), { a: { port: "x" } })).toEqual([
      'vars.a.port: expected number, got "x"',
    ]);
    expect(problems(t.type({ a: t.exact(inner) }), { a: { port: "x" } })).toEqual([
      'vars.a.port: expected number, got "x"',
    ]);
  });

  it("drops the member index of a union, also under a refinement or a recursion", () => {
    const u = t.union([t.string, t.type({ n: t.number })]);
    const refined = t.refinement(u, () => true, "R");
    const rec = t.recursion<string | { n: number }>("Rec", () => u);
    for (const codec of [u, refined, rec])
      expect(problems(t.type({ a: codec }), { a: { n: "x" } })).toEqual([
        'vars.a: expected string, got {"n":"x"}',
        'vars.a.n: expected number, got "x"',
      ]);
  });
});
