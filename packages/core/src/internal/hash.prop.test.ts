import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { numRuns } from "./engine/engine.fixture.js";
import { sha256Bytes, sha256Hex, textBlob } from "./hash.js";

/** Texts as kinds write them, and hostile ones: lone surrogates, NULs, long and near-equal strings. */
const text = fc.oneof(
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary" }),
  fc.string({ unit: fc.constantFrom("a", "\0", "\uD800", "\uDC00", "é", "\n") }),
);

describe("textBlob", () => {
  it("is always the text's own utf-8 bytes and their sha256, however many texts came before", () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 40 }), (texts) => {
        for (const s of [...texts, ...texts.reverse()]) {
          const b = textBlob(s);
          expect([...b.bytes]).toEqual([...new TextEncoder().encode(s)]);
          expect(b.sha256).toBe(sha256Hex(new TextEncoder().encode(s)));
          expect(sha256Bytes(b.bytes)).toBe(b.sha256);
        }
      }),
      { numRuns },
    );
  });

  it("stays right past its bounds (more texts than it keeps, and texts too long to keep)", () => {
    const long = "x".repeat((1 << 20) + 1);
    for (let i = 0; i < 10_000; i++) expect(textBlob(`t${i}`).sha256).toBe(sha256Hex(`t${i}`));
    expect(textBlob(long).sha256).toBe(sha256Hex(long));
    expect(textBlob(`${long}y`).sha256).toBe(sha256Hex(`${long}y`));
    expect(textBlob("t1").sha256).toBe(sha256Hex("t1"));
  });

  it("hashes other bytes afresh (sha256Bytes remembers only textBlob's own buffers)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(sha256Bytes(bytes)).toBe(sha256Hex(bytes));
        bytes.fill(7);
        expect(sha256Bytes(bytes)).toBe(sha256Hex(bytes));
      }),
      { numRuns },
    );
  });
});
