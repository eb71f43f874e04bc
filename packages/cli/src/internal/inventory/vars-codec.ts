/**
 * The codec of a variables mapping: names must be valid Ansible variable
 * names (a letter or underscore, then letters, digits, underscores), and
 * `__proto__` is refused: as a key it would replace an object's prototype
 * when the layers are merged.
 */
import * as t from "io-ts";

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why `name` cannot be a variable name, or undefined when it can. */
export const varNameProblem = (name: string): string | undefined => {
  if (name === "__proto__") return 'invalid variable name "__proto__" (reserved)';
  if (!VAR_NAME.test(name)) {
    return `invalid variable name ${JSON.stringify(name)} (expected a letter or "_", then letters, digits or "_")`;
  }
  return undefined;
};

/** A mapping of variable name → any value, with every name checked. */
export const VarsCodec = new t.Type<Record<string, unknown>, Record<string, unknown>, unknown>(
  "variables mapping",
  (u): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u),
  (u, c) => {
    if (typeof u !== "object" || u === null || Array.isArray(u)) return t.failure(u, c);
    for (const key of Object.keys(u)) {
      const problem = varNameProblem(key);
      if (problem !== undefined) return t.failure(u, [...c, { key, type: t.unknown, actual: key }], problem);
    }
    return t.success(u as Record<string, unknown>);
  },
  t.identity,
);
