/**
 * Ansible's YAML inventory: a mapping of groups (`all` or others), each with
 * optional `hosts` (name → vars or null), `vars` and `children` (name →
 * group). Decoded level by level so an error names the exact path.
 */
import { isLeft } from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import type { DecodeProblem } from "../decode.js";
import { problemsOf } from "../decode.js";
import { InventoryBuilder } from "./model.js";
import { VarsCodec } from "./vars-codec.js";
import { kindOfValue } from "./vars-dirs.js";

const GroupBody = t.partial({
  hosts: t.union([t.null, t.record(t.string, t.union([t.null, VarsCodec]))]),
  vars: t.union([t.null, VarsCodec]),
  children: t.union([t.null, t.record(t.string, t.unknown)]),
});

/** The lines of the keys of `vars`, found at `prefix.<key>` in the document's line map. */
const linesUnder = (
  lines: ReadonlyMap<string, number>,
  prefix: string,
  vars: object,
): Map<string, number> => {
  const out = new Map<string, number>();
  for (const key of Object.keys(vars)) {
    const line = lines.get(`${prefix}.${key}`);
    if (line !== undefined) out.set(key, line);
  }
  return out;
};

const GROUP_KEYS = new Set(["hosts", "vars", "children"]);
const TopLevel = t.record(t.string, t.unknown);

/** Builds the inventory from an already parsed YAML document. */
export const yamlInventory = (
  file: string,
  doc: unknown,
  lines: ReadonlyMap<string, number> = new Map(),
): { builder: InventoryBuilder } | { problems: DecodeProblem[] } => {
  const problems: DecodeProblem[] = [];
  const builder = new InventoryBuilder(file);
  const top = TopLevel.decode(doc);
  if (isLeft(top) || doc === null || Array.isArray(doc)) {
    return {
      problems: [{ file, path: "", message: "an inventory must be a mapping of groups (e.g. `all:`)" }],
    };
  }
  const visit = (name: string, body: unknown, path: string, parent: string | undefined): void => {
    builder.group(name);
    if (parent !== undefined) builder.child(parent, name);
    if (body === null || body === undefined) return;
    if (typeof body !== "object" || Array.isArray(body)) {
      problems.push({
        file,
        path,
        message: `a group must be a mapping with hosts, vars or children, got ${kindOfValue(body)}`,
      });
      return;
    }
    for (const key of Object.keys(body)) {
      if (!GROUP_KEYS.has(key)) {
        problems.push({
          file,
          path: `${path}.${key}`,
          message: "unexpected key; a group has only hosts, vars and children",
        });
      }
    }
    const decoded = GroupBody.decode(body);
    if (isLeft(decoded)) {
      problems.push(...problemsOf(file, path, decoded.left));
      return;
    }
    const g = decoded.right;
    if (g.vars) builder.groupVars(name, g.vars, linesUnder(lines, `${path}.vars`, g.vars));
    for (const [host, vars] of Object.entries(g.hosts ?? {})) {
      builder.host(name, host, vars ?? {}, linesUnder(lines, `${path}.hosts.${host}`, vars ?? {}));
    }
    for (const [child, childBody] of Object.entries(g.children ?? {})) {
      visit(child, childBody, `${path}.children.${child}`, name);
    }
  };
  for (const [name, body] of Object.entries(top.right)) visit(name, body, name, undefined);
  return problems.length > 0 ? { problems } : { builder };
};
