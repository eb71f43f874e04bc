/**
 * Reading YAML (and JSON, a subset) the way Ansible does: YAML 1.1, so
 * `yes`/`no` are booleans and `<<` merge keys work, as they do in PyYAML.
 */
import { LineCounter, parseDocument } from "yaml";
import type { DecodeProblem } from "../decode.js";

/** Parses YAML text; a syntax error becomes a problem naming file, line and column. */
export const parseYaml = (file: string, text: string): { value: unknown } | { problems: DecodeProblem[] } => {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { version: "1.1", merge: true, prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        const where = `line ${pos.line}, column ${pos.col}: `;
        return { file, path: "", message: `invalid YAML: ${where}${e.message.split("\n")[0]}` };
      }),
    };
  }
  // An empty file is an empty mapping for Ansible (group_vars files may be empty).
  return { value: doc.toJS({ maxAliasCount: 1000 }) ?? null };
};
