/**
 * io-ts decoding with messages that name the path of the bad value.
 */
import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";

const COMBINATORS = new Set(["UnionType", "IntersectionType"]);
const tagOf = (type: unknown): string => String((type as { _tag?: unknown } | undefined)?._tag);

/** `path.to.value: got <json>` for each error (at most three). */
export const describeErrors = (errors: t.Errors): string =>
  errors
    .slice(0, 3)
    .map((e) => {
      const path = e.context
        // A union or intersection adds an entry per member, keyed by member index: not part of the value's path.
        .filter((c, i) => c.key !== "" && !COMBINATORS.has(tagOf(e.context[i - 1]?.type)))
        .map((c) => c.key)
        .join(".");
      return `${path || "(value)"}: got ${JSON.stringify(e.value)}`;
    })
    .join("; ");

/** Decodes `raw` with `codec`; Left is a message naming the bad path. */
export const decodeWith = <A>(codec: t.Type<A, unknown, unknown>, raw: unknown): E.Either<string, A> =>
  E.mapLeft(describeErrors)(codec.decode(raw));
