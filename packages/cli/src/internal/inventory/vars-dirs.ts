/**
 * group_vars/ and host_vars/ beside the inventory, as Ansible's
 * host_group_vars plugin reads them: `<name>`, `<name>.yml`, `<name>.yaml`,
 * `<name>.json`, or a directory `<name>/` whose files load in name order.
 */
import type { Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { isLeft } from "fp-ts/lib/Either.js";
import type { DecodeProblem } from "../decode.js";
import { problemsOf } from "../decode.js";
import { looksSecret } from "../secret.js";
import { readInputFile } from "./input-file.js";
import type { Vars } from "./model.js";
import { VarsCodec } from "./vars-codec.js";
import { parseYaml, withLines } from "./yaml-file.js";

/** Variables from one file, lowest precedence first when in a list. */
export interface VarLayer {
  /** Where the variables come from: a file path, or `file (group g)` for inventory variables. */
  readonly origin: string;
  readonly vars: Vars;
  /** Line of each variable in `origin`, when known. */
  readonly lines?: ReadonlyMap<string, number>;
}

/** What a YAML value is, in words (for "expected a mapping, got …"). */
export const kindOfValue = (v: unknown): string => {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "string")
    return looksSecret(v)
      ? "a string (not shown: it may hold a password)"
      : `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)}`;
  if (typeof v === "number" || typeof v === "boolean") return `the ${typeof v} ${String(v)}`;
  return "a value of another kind";
};

const EXTENSIONS = ["", ".yml", ".yaml", ".json"];

const isVarsFileName = (name: string): boolean =>
  !name.startsWith(".") && !name.endsWith("~") && EXTENSIONS.some((e) => e !== "" && name.endsWith(e));

const kindOf = async (path: string): Promise<"file" | "dir" | undefined> => {
  try {
    const s = await stat(path);
    return s.isDirectory() ? "dir" : s.isFile() ? "file" : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Reads one vars file. Empty files (nothing, or only comments) are empty
 * mappings, as in Ansible; every problem names the file and, where known,
 * the line.
 */
export const readVarsFile = async (
  path: string,
): Promise<{ layer: VarLayer } | { problems: DecodeProblem[] }> => {
  const text = await readInputFile(path, "vars file");
  if (isLeft(text)) return { problems: text.left };
  const parsed = parseYaml(path, text.right);
  if (isLeft(parsed)) return { problems: parsed.left };
  const { value, lines } = parsed.right;
  if (value === null) return { layer: { origin: path, vars: {}, lines } };
  if (typeof value !== "object" || Array.isArray(value)) {
    return {
      problems: [
        {
          file: path,
          path: "",
          message: `a vars file must be a mapping of variable names, got ${kindOfValue(value)}`,
        },
      ],
    };
  }
  const decoded = VarsCodec.decode(value);
  if (isLeft(decoded)) return { problems: withLines(problemsOf(path, "", decoded.left), lines) };
  return { layer: { origin: path, vars: decoded.right, lines } };
};

/** The vars files under a directory, in name order, or the problem reading it. */
const filesUnder = async (dir: string): Promise<string[] | DecodeProblem> => {
  let entries: Dirent[];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      file: dir,
      path: "",
      message: `cannot read the directory: ${code === "EACCES" ? "permission denied" : (code ?? "unknown error")}`,
    };
  }
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      const inner = await filesUnder(path);
      if (!Array.isArray(inner)) return inner;
      out.push(...inner);
    } else if (e.isFile() && isVarsFileName(e.name)) out.push(path);
  }
  return out;
};

// A name with a path separator (or `.`/`..`) would look outside group_vars/host_vars.
const staysInDir = (name: string): boolean =>
  name !== "" && name !== "." && name !== ".." && !name.includes("/") && !name.includes("\0");

/**
 * The layers for one group or host name inside `dir` (group_vars or
 * host_vars): every matching file and every file of a matching directory.
 * A name that holds a path separator, `.` or `..` has no vars files (nothing
 * outside the directory is read).
 */
export const varsFilesFor = async (
  dir: string,
  name: string,
): Promise<{ layers: VarLayer[] } | { problems: DecodeProblem[] }> => {
  const layers: VarLayer[] = [];
  const problems: DecodeProblem[] = [];
  if (!staysInDir(name)) return { layers };
  for (const ext of EXTENSIONS) {
    const path = join(dir, `${name}${ext}`);
    const kind = await kindOf(path);
    const files = kind === "file" ? [path] : kind === "dir" && ext === "" ? await filesUnder(path) : [];
    if (!Array.isArray(files)) {
      problems.push(files);
      continue;
    }
    for (const f of files) {
      const r = await readVarsFile(f);
      if ("problems" in r) problems.push(...r.problems);
      else layers.push(r.layer);
    }
  }
  return problems.length > 0 ? { problems } : { layers };
};
