/**
 * io-ts decode errors turned into messages a person can act on: the file,
 * the path of the bad value inside it, what was expected and what was found.
 */
import type * as t from "io-ts";

/** A value that failed to decode, located by file and dotted path. */
export interface DecodeProblem {
  readonly file: string;
  /** Dotted path inside the file ("all.children.k8s.hosts.w1"), "" for the document itself. */
  readonly path: string;
  /** 1-based line in the file, when known. */
  readonly line?: number;
  readonly message: string;
}

/** One line per problem: `file:line: at path: message` (line and path when known). */
export const describeProblem = (p: DecodeProblem): string => {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  return p.path === "" ? `${where}: ${p.message}` : `${where}: at ${p.path}: ${p.message}`;
};

/** Problems sorted by file, then line (unknown lines first), keeping the order of equal ones. */
export const sortProblems = (problems: readonly DecodeProblem[]): DecodeProblem[] =>
  [...problems].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0)));

const show = (v: unknown): string => {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/**
 * Union and intersection members add their index to io-ts's context, so the
 * key under one is no part of the path. Refinements, exact, readonly and
 * recursive codecs add no key of their own: look through them (a key under a
 * refined object is a real key, one under a refined union is not).
 */
const isCombinator = (type: t.Decoder<unknown, unknown>): boolean => {
  let ty = type as { _tag?: string; type?: t.Decoder<unknown, unknown> };
  for (
    let i = 0;
    i < 20 &&
    ty.type &&
    ["RefinementType", "ExactType", "ReadonlyType", "RecursiveType"].includes(ty._tag ?? "");
    i++
  )
    ty = ty.type as typeof ty;
  return ty._tag === "UnionType" || ty._tag === "IntersectionType";
};

/**
 * Converts io-ts errors into problems; keys directly under a union or an
 * intersection are dropped (see isCombinator). `prefix` is the path of the
 * decoded value inside its file.
 */
export const problemsOf = (file: string, prefix: string, errors: t.Errors): DecodeProblem[] => {
  // A union reports one error per member at the same path: merge them into "expected A or B".
  const byPath = new Map<string, { expected: string[]; value: unknown; messages: string[] }>();
  for (const e of errors) {
    const keys: string[] = prefix === "" ? [] : [prefix];
    for (let i = 1; i < e.context.length; i++) {
      if (isCombinator(e.context[i - 1]!.type)) continue;
      keys.push(e.context[i]!.key);
    }
    const path = keys.join(".");
    const entry = byPath.get(path) ?? { expected: [], value: e.value, messages: [] };
    if (e.message !== undefined) {
      if (!entry.messages.includes(e.message)) entry.messages.push(e.message);
    } else {
      const name = e.context[e.context.length - 1]?.type.name ?? "a value";
      if (!entry.expected.includes(name)) entry.expected.push(name);
    }
    byPath.set(path, entry);
  }
  return [...byPath].map(([path, entry]) => ({
    file,
    path,
    message:
      entry.messages.length > 0
        ? entry.messages.join("; ")
        : `expected ${entry.expected.join(" or ")}, got ${show(entry.value)}`,
  }));
};
