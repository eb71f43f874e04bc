/**
 * Quoting: the one place where a value becomes shell text. Every script tend
 * sends is fixed template text plus values passed through `shellQuote`.
 */

/** Thrown for a value no shell word can carry exactly. */
export class UnquotableError extends Error {
  override readonly name = "UnquotableError";
  constructor(
    readonly value: string,
    readonly reason: string,
  ) {
    super(
      `cannot pass ${JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value)} to the shell: ${reason}`,
    );
  }
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Quotes `s` as one POSIX sh word: `'…'`, with each `'` written as `'\''`.
 * Inside single quotes sh interprets nothing, so the word is `s` byte for
 * byte (as UTF-8). Throws UnquotableError for NUL, which no argv can carry,
 * and for lone surrogates, which UTF-8 cannot encode (they would arrive as
 * U+FFFD, i.e. as a different value).
 */
export const shellQuote = (s: string): string => {
  if (s.includes("\0")) throw new UnquotableError(s, "it contains NUL, which no shell argument can carry");
  if (LONE_SURROGATE.test(s))
    throw new UnquotableError(s, "it contains a lone UTF-16 surrogate, which UTF-8 cannot encode");
  return `'${s.replaceAll("'", `'\\''`)}'`;
};

/** Quotes each element and joins them with spaces: the shell text of one command line. */
export const shellArgv = (argv: readonly string[]): string => argv.map(shellQuote).join(" ");
