/**
 * group_vars/ and host_vars/ beside the inventory, as Ansible's
 * host_group_vars plugin reads them: `<name>`, `<name>.yml`, `<name>.yaml`,
 * `<name>.json`, or a directory `<name>/` whose files load in name order.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { isLeft } from "fp-ts/lib/Either.js";
import type { DecodeProblem } from "../decode.js";
import { problemsOf } from "../decode.js";
import type { Vars } from "./model.js";
import { VarsCodec } from "./vars-codec.js";
import { parseYaml } from "./yaml-file.js";

/** Variables from one file, lowest precedence first when in a list. */
export interface VarLayer {
  /** Where the variables come from: a file path, or `file (group g)` for inventory variables. */
  readonly origin: string;
  readonly vars: Vars;
}

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

/** Reads one vars file; empty files are empty mappings. */
export const readVarsFile = async (
  path: string,
): Promise<{ layer: VarLayer } | { problems: DecodeProblem[] }> => {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    return { problems: [{ file: path, path: "", message: `cannot read: ${(e as Error).message}` }] };
  }
  const parsed = parseYaml(path, text);
  if ("problems" in parsed) return parsed;
  if (parsed.value === null) return { layer: { origin: path, vars: {} } };
  const decoded = VarsCodec.decode(parsed.value);
  if (isLeft(decoded)) {
    const problems = problemsOf(path, "", decoded.left);
    // A file whose top is not a mapping gets a clearer word than the codec name.
    return {
      problems: problems.map((p) =>
        p.path === ""
          ? {
              ...p,
              message: `a vars file must be a mapping of variable names, got ${JSON.stringify(parsed.value)?.slice(0, 60)}`,
            }
          : p,
      ),
    };
  }
  return { layer: { origin: path, vars: decoded.right } };
};

const filesUnder = async (dir: string): Promise<string[]> => {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(path)));
    else if (e.isFile() && isVarsFileName(e.name)) out.push(path);
  }
  return out;
};

/**
 * The layers for one group or host name inside `dir` (group_vars or
 * host_vars): every matching file and every file of a matching directory.
 */
export const varsFilesFor = async (
  dir: string,
  name: string,
): Promise<{ layers: VarLayer[] } | { problems: DecodeProblem[] }> => {
  const layers: VarLayer[] = [];
  const problems: DecodeProblem[] = [];
  for (const ext of EXTENSIONS) {
    const path = join(dir, `${name}${ext}`);
    const kind = await kindOf(path);
    const files = kind === "file" ? [path] : kind === "dir" && ext === "" ? await filesUnder(path) : [];
    for (const f of files) {
      const r = await readVarsFile(f);
      if ("problems" in r) problems.push(...r.problems);
      else layers.push(r.layer);
    }
  }
  return problems.length > 0 ? { problems } : { layers };
};
