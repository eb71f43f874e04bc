/**
 * shellQuote: what the one quoting function promises, by example. The
 * property tests (shell.prop.test.ts) check it against the real /bin/sh.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { shellArgv, shellQuote, UnquotableError } from "./quote.js";

const echoBack = (word: string): string =>
  execFileSync("/bin/sh", ["-c", `printf '%s' ${word}`], { encoding: "utf8" });

describe("shellQuote", () => {
  it.each([
    ["a plain word", "abc", "'abc'"],
    ["the empty string (still one argument)", "", "''"],
    ["a single quote closes, escapes and reopens", "it's", "'it'\\''s'"],
    ["dollar, backtick, backslash and newline stay literal", "$(x) `y` \\n\n", "'$(x) `y` \\n\n'"],
  ])("%s", (_, value, quoted) => {
    expect(shellQuote(value)).toBe(quoted);
    expect(echoBack(quoted)).toBe(value);
  });

  it("rejects NUL with an error naming the value", () => {
    expect(() => shellQuote("a\0b")).toThrow(UnquotableError);
    expect(() => shellQuote("a\0b")).toThrow(/"a\\u0000b".*NUL/);
  });

  it("rejects a lone surrogate, which would arrive as U+FFFD", () => {
    expect(() => shellQuote("x\uD800")).toThrow(/lone UTF-16 surrogate/);
    expect(shellQuote("\u{1F600}")).toBe("'\u{1F600}'");
  });
});

describe("shellArgv", () => {
  it("quotes each element so the shell sees exactly that argv", () => {
    const argv = ["a b", "", "'", "*", "-n"];
    const out = execFileSync("/bin/sh", ["-c", `for a in ${shellArgv(argv)}; do printf '<%s>' "$a"; done`], {
      encoding: "utf8",
    });
    expect(out).toBe("<a b><><'><*><-n>");
  });
});
