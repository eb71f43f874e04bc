/**
 * Reading YAML (and JSON, a subset) the way Ansible does: YAML 1.1, so
 * `yes`/`no` are booleans and `<<` merge keys work, as they do in PyYAML.
 *
 * Hostile input is answered, never thrown: aliases are capped (an alias or
 * merge bomb is refused), nesting too deep for the parser is a problem, and
 * duplicate keys are found here in one linear walk (the `yaml` package's own
 * unique-key check is quadratic on big mappings). Every problem names the
 * file and, where known, the line.
 */

import type { Either } from "fp-ts/lib/Either.js";
import { left, right } from "fp-ts/lib/Either.js";
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { DecodeProblem } from "../decode.js";

/** Aliases one document may expand; PyYAML has no cap, but no real inventory comes near it. */
export const MAX_ALIAS_COUNT = 1000;

// One broken bracket can make hundreds of errors; the first few say where to look.
const MAX_SYNTAX_ERRORS = 5;
const MAX_DUPLICATES = 20;

/** A parsed document and where its keys are. */
export interface ParsedYaml {
  /** The document as plain data; null for an empty document (only comments, or nothing). */
  readonly value: unknown;
  /** Line of each mapping key, by dotted path ("all.hosts.w1", "ansible_port"). */
  readonly lines: ReadonlyMap<string, number>;
}

type Problems = DecodeProblem[];

const keyText = (key: unknown): string | undefined =>
  isScalar(key) ? String(key.value) : typeof key === "string" ? key : undefined;

/**
 * A plain key YAML 1.1 reads as no string becomes the text it was written
 * as: a host `e5` would otherwise be "NaN", `010` "8", `1.0` "1" and `yes`
 * "true" (PyYAML, and so Ansible, reads `e5` as a string; nobody names a
 * host, group or variable by the number it spells). Values keep their types,
 * and the merge key `<<` stays a merge.
 */
const keyAsWritten = (key: unknown): void => {
  if (!isScalar(key) || key.type !== "PLAIN" || typeof key.source !== "string") return;
  // Not the merge key `<<`, whose value is the parser's symbol: merges must keep working.
  const v = key.value;
  if (typeof v === "number" || typeof v === "boolean" || v === null) key.value = key.source;
};

/**
 * One walk over the document tree (aliases are not followed): the line of
 * every key by path, and every key given twice in one mapping; keys that
 * YAML reads as numbers, booleans or null are made their text (keyAsWritten).
 */
const walk = (file: string, root: Node | null, lineOf: (offset: number) => number) => {
  const lines = new Map<string, number>();
  const problems: Problems = [];
  const stack: { node: unknown; path: string }[] = [{ node: root, path: "" }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (isMap(node)) {
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        keyAsWritten(pair.key);
        const key = keyText(pair.key);
        const line = isScalar(pair.key) && pair.key.range ? lineOf(pair.key.range[0]) : undefined;
        if (key === undefined) continue;
        const first = seen.get(key);
        if (first !== undefined && key !== "<<") {
          problems.push({
            file,
            path,
            ...(line !== undefined ? { line } : {}),
            message: `duplicate key ${JSON.stringify(key)}: first at line ${first}, again at line ${line ?? "?"}; keep one`,
          });
        }
        if (line !== undefined && first === undefined) seen.set(key, line);
        const sub = path === "" ? key : `${path}.${key}`;
        if (line !== undefined && !lines.has(sub)) lines.set(sub, line);
        stack.push({ node: pair.value, path: sub });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        stack.push({ node: item, path: path === "" ? String(i) : `${path}.${i}` });
      });
    }
  }
  return { lines, problems };
};

/** The first alias in the document, for a line to point at when aliases are refused. */
const firstAliasLine = (doc: Document, lineOf: (offset: number) => number): number | undefined => {
  const stack: unknown[] = [doc.contents];
  let best: number | undefined;
  while (stack.length > 0) {
    const node = stack.pop();
    if (isAlias(node) && node.range) best = Math.min(best ?? Infinity, lineOf(node.range[0]));
    else if (isMap(node)) for (const p of node.items) stack.push(p.key, p.value);
    else if (isSeq(node)) stack.push(...node.items);
  }
  return best;
};

const toPlain = (
  file: string,
  doc: Document,
  lineOf: (offset: number) => number,
): Either<Problems, unknown> => {
  try {
    return right(doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? null);
  } catch (e) {
    const line = firstAliasLine(doc, lineOf);
    const at = line !== undefined ? { line } : {};
    const message = e instanceof Error ? e.message : "";
    if (/alias count/i.test(message)) {
      return left([
        {
          file,
          path: "",
          ...at,
          message: `YAML aliases expand to more than ${MAX_ALIAS_COUNT} copies (an alias or merge bomb?); refused`,
        },
      ]);
    }
    const unresolved = /Unresolved alias[^:]*: (.*)$/.exec(message);
    return left([
      {
        file,
        path: "",
        ...at,
        message: unresolved
          ? `alias *${unresolved[1]} has no anchor &${unresolved[1]} before it`
          : `cannot read the YAML document: ${message.split("\n")[0]}`,
      },
    ]);
  }
};

/** Parses YAML text; a syntax error, a duplicate key or an alias bomb becomes a problem naming file and line. */
export const parseYaml = (file: string, text: string): Either<Problems, ParsedYaml> => {
  const lineCounter = new LineCounter();
  const lineOf = (offset: number): number => lineCounter.linePos(offset).line;
  let doc: Document;
  try {
    doc = parseDocument(text, {
      version: "1.1",
      merge: true,
      prettyErrors: false,
      uniqueKeys: false,
      lineCounter,
    }) as Document;
  } catch (e) {
    // The parser recurses per nesting level; thousands of `[` exhaust the stack.
    const why =
      e instanceof RangeError ? "nested too deeply" : e instanceof Error ? e.message : "unknown error";
    return left([{ file, path: "", message: `invalid YAML: ${why}` }]);
  }
  if (doc.errors.length > 0) {
    const shown: Problems = doc.errors.slice(0, MAX_SYNTAX_ERRORS).map((e) => {
      const pos = lineCounter.linePos(e.pos[0]);
      const what = e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
      return { file, path: "", line: pos.line, message: `invalid YAML: column ${pos.col}: ${what}` };
    });
    const more = doc.errors.length - shown.length;
    if (more > 0)
      shown.push({ ...shown[shown.length - 1]!, message: `invalid YAML: ${more} more errors after these` });
    return left(shown);
  }
  const { lines, problems } = walk(file, doc.contents as Node | null, lineOf);
  if (problems.length > MAX_DUPLICATES) {
    const shown = problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)).slice(0, MAX_DUPLICATES);
    const more = problems.length - MAX_DUPLICATES;
    return left([
      ...shown,
      { ...shown[shown.length - 1]!, message: `${more} more duplicate keys after these` },
    ]);
  }
  if (problems.length > 0) return left(problems);
  const value = toPlain(file, doc, lineOf);
  return value._tag === "Left" ? value : right({ value: value.right, lines });
};

/** Adds the line of each problem's path, when the document knows it. */
export const withLines = (
  problems: readonly DecodeProblem[],
  lines: ReadonlyMap<string, number>,
): DecodeProblem[] =>
  problems.map((p) => {
    const line = p.line ?? lines.get(p.path);
    return line !== undefined ? { ...p, line } : p;
  });
