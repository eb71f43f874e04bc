import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readArchive, tarArchive } from "./tar.js";
import { SimError } from "./vfs.js";

const NUM_RUNS = Number(process.env.TEND_PROP_RUNS ?? 200);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A GNU long-name member ("././@LongLink", typeflag L) as GNU tar writes it for names over 100 bytes. */
const gnuLongName = (name: string, content: string): Uint8Array => {
  const plain = tarArchive([
    { path: "././@LongLink", content: `${name}\0` },
    { path: "short", content },
  ]);
  // Turn the first member's typeflag into "L" and fix its checksum.
  const h = plain.subarray(0, 512);
  h[156] = "L".charCodeAt(0);
  h.fill(0x20, 148, 156);
  const sum = h.reduce((a, b) => a + b, 0);
  h.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
  return plain;
};

describe("tar", () => {
  it("reads back what tarArchive wrote, plain and gzipped, keeping a leading ./", () => {
    for (const gzip of [false, true]) {
      const entries = readArchive(
        tarArchive(
          [
            { path: "./d", type: "dir" },
            { path: "./d/f", content: "hello", mode: 0o755 },
            { path: "d/l", type: "link", target: "f" },
          ],
          { gzip },
        ),
      );
      expect(entries.map((e) => [e.path, e.type, e.mode, text(e.content), e.linkTarget])).toEqual([
        ["./d/", "dir", 0o755, "", undefined],
        ["./d/f", "file", 0o755, "hello", undefined],
        ["d/l", "link", 0o644, "", "f"],
      ]);
    }
  });

  it("joins the ustar prefix and name of a long path", () => {
    const long = `${"a".repeat(80)}/${"b".repeat(80)}/file`;
    expect(readArchive(tarArchive([{ path: long, content: "x" }]))[0]?.path).toBe(long);
  });

  it("applies a GNU long name to the member that follows it", () => {
    const name = `${"n".repeat(120)}/bin`;
    const [e] = readArchive(gnuLongName(name, "z"));
    expect([e?.path, text(e?.content ?? new Uint8Array())]).toEqual([name, "z"]);
  });

  it("rejects bytes that are not a tar archive", () => {
    expect(() => readArchive(new Uint8Array(1024).fill(65))).toThrow(SimError);
    expect(() => readArchive(gzipSync(Buffer.from("x".repeat(2000))))).toThrow(
      /does not look like a tar archive/,
    );
  });

  it("rejects an archive cut short inside a member", () => {
    const whole = tarArchive([{ path: "f", content: "y".repeat(2000) }]);
    expect(() => readArchive(whole.subarray(0, 1024))).toThrow(/Unexpected EOF/);
  });

  it("round-trips any set of regular files byte for byte", () => {
    const member = fc.record({
      path: fc
        .stringMatching(/^[a-z0-9_.-]{1,20}(\/[a-z0-9_.-]{1,20}){0,3}$/)
        .filter((p) => !p.split("/").some((s) => s === "." || s === "..")),
      content: fc.uint8Array({ maxLength: 1500 }),
      mode: fc.integer({ min: 0, max: 0o7777 }),
    });
    fc.assert(
      fc.property(fc.array(member, { maxLength: 5 }), fc.boolean(), (members, gzip) => {
        const back = readArchive(tarArchive(members, { gzip }));
        expect(back.map((e) => ({ path: e.path, content: e.content, mode: e.mode }))).toEqual(
          members.map((m) => ({ path: m.path, content: new Uint8Array(m.content), mode: m.mode })),
        );
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
