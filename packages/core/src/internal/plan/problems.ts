/**
 * io-ts decode errors as problems a person can act on: the JSON path of the
 * bad value (`hosts[0].actions[3].ops[1].mode`), what was expected and what
 * was found. General over codecs: it reads only io-ts's context, so refined
 * codecs (a file mode, an absolute path) name themselves through their
 * codec's name or their own message.
 *
 * A union tries each member and reports every member's errors. A member
 * whose tag field (a literal such as `op` or `status`) does not match is not
 * what was meant, so only the members whose tags matched are reported; when
 * none matched, the tag itself is the problem ("expected one of …").
 */
import type * as t from "io-ts";

/** One bad value: where it is and what is wrong with it. */
export interface DecodeProblem {
  /** JSON path from the document root, "" for the document itself. */
  readonly path: string;
  readonly message: string;
}

interface Node {
  readonly key: string;
  readonly type: t.Decoder<unknown, unknown>;
  readonly actual: unknown;
  readonly children: Map<string, Node>;
  /** Errors whose context ends here. */
  readonly errors: t.ValidationError[];
}

interface Found {
  readonly path: string;
  readonly value: unknown;
  readonly expected?: string;
  readonly message?: string;
}

const tagOf = (type: unknown): string | undefined => (type as { _tag?: string })._tag;

/** The codec that does the work: refinements, exact, readonly and recursive codecs wrap another. */
const effective = (type: t.Decoder<unknown, unknown>): t.Decoder<unknown, unknown> => {
  let ty = type;
  for (let i = 0; i < 20; i++) {
    const tag = tagOf(ty);
    if (tag !== "RefinementType" && tag !== "ExactType" && tag !== "ReadonlyType" && tag !== "RecursiveType")
      return ty;
    ty = (ty as unknown as { type: t.Decoder<unknown, unknown> }).type;
  }
  return ty;
};

/** Union and intersection members add their index to io-ts's context; it is no part of the value's path. */
const addsMemberKeys = (type: t.Decoder<unknown, unknown>): boolean => {
  const tag = tagOf(effective(type));
  return tag === "UnionType" || tag === "IntersectionType";
};

const treeOf = (errors: t.Errors): Node | undefined => {
  let root: Node | undefined;
  for (const e of errors) {
    const [first, ...rest] = e.context;
    if (first === undefined) continue;
    root ??= { key: first.key, type: first.type, actual: first.actual, children: new Map(), errors: [] };
    let node = root;
    for (const c of rest) {
      let child = node.children.get(c.key);
      if (!child) {
        child = { key: c.key, type: c.type, actual: c.actual, children: new Map(), errors: [] };
        node.children.set(c.key, child);
      }
      node = child;
    }
    node.errors.push(e);
  }
  return root;
};

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;
const step = (path: string, key: string, inArray: boolean): string =>
  inArray && /^\d+$/.test(key)
    ? `${path}[${key}]`
    : IDENT.test(key)
      ? path === ""
        ? key
        : `${path}.${key}`
      : `${path}[${JSON.stringify(key)}]`;

/** The literal values a tag codec allows, or undefined when the codec is not a tag. */
const literalsOf = (type: t.Decoder<unknown, unknown>): unknown[] | undefined => {
  const ty = effective(type) as unknown as {
    _tag?: string;
    value?: unknown;
    types?: unknown[];
    keys?: object;
  };
  if (ty._tag === "LiteralType") return [ty.value];
  if (ty._tag === "KeyofType" && ty.keys) return Object.keys(ty.keys);
  if (ty._tag === "UnionType" && ty.types) {
    const all = ty.types.map((m) => literalsOf(m as t.Decoder<unknown, unknown>));
    return all.every((l) => l !== undefined) ? all.flat() : undefined;
  }
  return undefined;
};

/** A codec's required fields (through intersections and wrappers), or none for a non-object codec. */
const requiredProps = (type: t.Decoder<unknown, unknown>): Record<string, t.Decoder<unknown, unknown>> => {
  const ty = effective(type) as unknown as { _tag?: string; props?: object; types?: unknown[] };
  if ((ty._tag === "InterfaceType" || ty._tag === "StrictType") && ty.props)
    return ty.props as Record<string, t.Decoder<unknown, unknown>>;
  if (ty._tag === "IntersectionType" && ty.types)
    return Object.assign({}, ...ty.types.map((m) => requiredProps(m as t.Decoder<unknown, unknown>)));
  return {};
};

/** The union's tag field: a field every member requires as a literal (`op`, `status`), if there is one. */
const discriminantOf = (union: t.Decoder<unknown, unknown>): string | undefined => {
  const members = (effective(union) as unknown as { types: t.Decoder<unknown, unknown>[] }).types;
  const props = members.map(requiredProps);
  const [first, ...rest] = props;
  return Object.keys(first ?? {}).find(
    (k) => literalsOf(first![k]!) !== undefined && rest.every((p) => p[k] && literalsOf(p[k]) !== undefined),
  );
};

/** The node of a member's field, looking through intersections; undefined when the field had no error. */
const fieldNode = (member: Node, key: string): Node | undefined => {
  if (tagOf(effective(member.type)) !== "IntersectionType") return member.children.get(key);
  for (const c of member.children.values()) {
    const found = fieldNode(c, key);
    if (found) return found;
  }
  return undefined;
};

const walk = (node: Node, path: string): Found[] => {
  const here: Found[] = node.errors.map((e) =>
    e.message !== undefined
      ? { path, value: e.value, message: e.message }
      : { path, value: e.value, expected: nameOf(node.type) },
  );
  if (tagOf(effective(node.type)) === "UnionType") {
    const inside = walkUnion(node, path);
    return inside.length > 0 ? inside : here;
  }
  const members = addsMemberKeys(node.type);
  const inArray = Array.isArray(node.actual);
  return [
    ...here,
    ...[...node.children.values()].flatMap((c) => walk(c, members ? path : step(path, c.key, inArray))),
  ];
};

/**
 * Of the members of a union without a tag, the ones the value came closest
 * to: those it had the shape of (failing inside, not at their root), and of
 * those the ones with the fewest problems.
 */
const closest = (byMember: Found[][], path: string): Found[] => {
  const shaped = byMember.filter((fs) => fs.some((f) => f.path !== path));
  const pool = shaped.length > 0 ? shaped : byMember;
  const fewest = Math.min(...pool.map((fs) => fs.length));
  return pool.filter((fs) => fs.length === fewest).flat();
};

const walkUnion = (node: Node, path: string): Found[] => {
  const members = [...node.children.values()];
  const tag = discriminantOf(node.type);
  const matched = tag === undefined ? members : members.filter((m) => fieldNode(m, tag) === undefined);
  if (matched.length > 0) {
    const found = closest(
      matched.map((m) => walk(m, path)),
      path,
    );
    // Every member failed at its own root (a string where an object was wanted): name the union itself.
    const friendly = nameOf(node.type, false);
    if (friendly !== undefined && found.every((f) => f.path === path && f.message === undefined))
      return [{ path, value: node.actual, expected: friendly }];
    return found;
  }
  if (
    tag === undefined ||
    node.actual === null ||
    typeof node.actual !== "object" ||
    Array.isArray(node.actual)
  )
    return [];
  // No member's tag matched (io-ts reports a tagged union's unknown tag at the union, without members).
  const types = (effective(node.type) as unknown as { types: t.Decoder<unknown, unknown>[] }).types;
  const allowed = [...new Set(types.flatMap((m) => literalsOf(requiredProps(m)[tag]!) ?? []))];
  return [
    {
      path: step(path, tag, false),
      value: (node.actual as Record<string, unknown>)[tag],
      expected: `one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}`,
    },
  ];
};

const PRIMITIVE: Record<string, string> = {
  StringType: "a string",
  NumberType: "a number",
  BooleanType: "true or false",
  NullType: "null",
  InterfaceType: "an object",
  PartialType: "an object",
  StrictType: "an object",
  DictionaryType: "an object",
  IntersectionType: "an object",
  ArrayType: "an array",
  ReadonlyArrayType: "an array",
  TupleType: "an array",
};

/**
 * A codec's name for people. io-ts names structural codecs by their shape
 * (`{ op: "mkdir", … }`), which no reader wants; those become "an object".
 * Refined codecs keep the name their author gave them.
 */
function nameOf(type: t.Decoder<unknown, unknown>, fallback: true): string;
function nameOf(type: t.Decoder<unknown, unknown>, fallback?: false): string | undefined;
function nameOf(type: t.Decoder<unknown, unknown>, fallback = true): string | undefined {
  const tag = tagOf(type);
  if (tag === "LiteralType") return JSON.stringify((type as unknown as { value: unknown }).value);
  if (tag !== undefined && tag in PRIMITIVE) return PRIMITIVE[tag];
  const own = type.name;
  const structural = /^[({[]|Array<|\|/.test(own) || own.length > 60;
  if (!structural) return own;
  if (tag === "UnionType") {
    const names = (type as unknown as { types: t.Decoder<unknown, unknown>[] }).types.map((m) => nameOf(m));
    return [...new Set(names)].join(" or ");
  }
  if (tag === "RefinementType" || tag === "ExactType" || tag === "ReadonlyType" || tag === "RecursiveType")
    return nameOf((type as unknown as { type: t.Decoder<unknown, unknown> }).type);
  return fallback ? "a valid value" : undefined;
}

/** A value as a message quotes it: JSON, cut short; never `undefined` or `[object Object]`. */
export const showValue = (v: unknown): string => {
  if (v === undefined) return "nothing";
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    s = undefined;
  }
  if (s === undefined) return `a ${typeof v}`;
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/** A refinement's "expected …" message, with the value it got unless it names it already. */
const withGot = (message: string, value: unknown): string =>
  message.startsWith("expected ") && !message.includes(", got ")
    ? `${message}, got ${showValue(value)}`
    : message;

/**
 * The problems of a failed decode, in document order, one per path: union
 * members that report at the same path are merged ("expected a string or null").
 */
export const problemsOf = (errors: t.Errors): DecodeProblem[] => {
  const root = treeOf(errors);
  if (!root) return [];
  const byPath = new Map<string, { value: unknown; expected: string[]; messages: string[] }>();
  for (const f of walk(root, "")) {
    const entry = byPath.get(f.path) ?? { value: f.value, expected: [], messages: [] };
    if (f.message !== undefined && !entry.messages.includes(f.message)) entry.messages.push(f.message);
    if (f.expected !== undefined && !entry.expected.includes(f.expected)) entry.expected.push(f.expected);
    byPath.set(f.path, entry);
  }
  return [...byPath].map(([path, e]) => ({
    path,
    message:
      e.messages.length > 0
        ? e.value === undefined
          ? `missing: ${e.messages.join("; ")}`
          : withGot(e.messages.join("; "), e.value)
        : e.value === undefined
          ? `missing: expected ${e.expected.join(" or ")}`
          : `expected ${e.expected.join(" or ")}, got ${showValue(e.value)}`,
  }));
};
