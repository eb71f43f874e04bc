/**
 * io-ts decoding with messages that name the path of the bad value.
 */
import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";

const COMBINATORS = new Set(["UnionType", "IntersectionType"]);
const tagOf = (type: unknown): string => String((type as { _tag?: unknown } | undefined)?._tag);

/** The longest string a message quotes from an answer. */
const SHOWN_MAX = 60;

/**
 * A value from a host's answer in words: a short string or number as it is,
 * a list or an object by its shape. Never the whole JSON: a fact can hold a
 * file's content, which may be secret, and nobody reads a JSON dump.
 */
export const valueInWords = (v: unknown): string => {
  if (v === undefined) return "nothing";
  if (v === null || typeof v === "boolean" || typeof v === "number") return String(v);
  if (typeof v === "string") return JSON.stringify(v.length > SHOWN_MAX ? `${v.slice(0, SHOWN_MAX)}…` : v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === "object") {
    const keys = Object.keys(v);
    return keys.length === 0
      ? "an empty object"
      : `an object with ${keys.slice(0, 6).join(", ")}${keys.length > 6 ? ", …" : ""}`;
  }
  return `a ${typeof v}`;
};

/** `path.to.value: got <value in words>` for each error (at most three). */
export const describeErrors = (errors: t.Errors): string =>
  errors
    .slice(0, 3)
    .map((e) => {
      const path = e.context
        // A union or intersection adds an entry per member, keyed by member index: not part of the value's path.
        .filter((c, i) => c.key !== "" && !COMBINATORS.has(tagOf(e.context[i - 1]?.type)))
        .map((c) => c.key)
        .join(".");
      return `${path || "(value)"}: got ${valueInWords(e.value)}`;
    })
    .join("; ");

/** Decodes `raw` with `codec`; Left is a message naming the bad path. */
export const decodeWith = <A>(codec: t.Type<A, unknown, unknown>, raw: unknown): E.Either<string, A> =>
  E.mapLeft(describeErrors)(codec.decode(raw));
