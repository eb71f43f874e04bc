/**
 * The codec of a variables mapping: names must be valid Ansible variable
 * names (a letter or underscore, then letters, digits, underscores).
 */
import * as t from "io-ts";

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A mapping of variable name → any value, with every name checked. */
export const VarsCodec = new t.Type<Record<string, unknown>, Record<string, unknown>, unknown>(
  "variables mapping",
  (u): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u),
  (u, c) => {
    if (typeof u !== "object" || u === null || Array.isArray(u)) return t.failure(u, c);
    for (const key of Object.keys(u)) {
      if (!VAR_NAME.test(key)) {
        return t.failure(u, [...c, { key, type: t.unknown, actual: key }], `invalid variable name "${key}"`);
      }
    }
    return t.success(u as Record<string, unknown>);
  },
  t.identity,
);
