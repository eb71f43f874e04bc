/**
 * Loading an inventory: the inventory file (YAML or INI), then group_vars/
 * and host_vars/ beside it, into ordered variable layers per host, lowest
 * precedence first (Ansible's order):
 *   inventory group vars (parents before children)
 *   < group_vars/all < group_vars/<group> (parents before children, by name at equal depth)
 *   < inventory host vars < host_vars/<host>
 */
import { stat } from "node:fs/promises";
import { dirname, extname, join } from "node:path";
import type { Either } from "fp-ts/lib/Either.js";
import { left, right } from "fp-ts/lib/Either.js";
import { type DecodeProblem, sortProblems } from "../decode.js";
import { iniInventory } from "./ini-inventory.js";
import { readInputFile } from "./input-file.js";
import type { Inventory } from "./model.js";
import { groupsOfHost, type InventoryBuilder } from "./model.js";
import { kindOfValue, type VarLayer, varsFilesFor } from "./vars-dirs.js";
import { parseYaml, withLines } from "./yaml-file.js";
import { yamlInventory } from "./yaml-inventory.js";

/** An inventory with every host's variable layers resolved from files. */
export interface LoadedInventory {
  readonly inventory: Inventory;
  /** Per host, lowest precedence first. */
  readonly layers: ReadonlyMap<string, readonly VarLayer[]>;
}

/** YAML when the extension says so or the first meaningful line opens a mapping; INI otherwise. */
const looksLikeYaml = (path: string, text: string): boolean => {
  const ext = extname(path).toLowerCase();
  if (ext === ".yml" || ext === ".yaml" || ext === ".json") return true;
  if (ext === ".ini" || ext === ".cfg") return false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "" || line.startsWith(";")) continue;
    return line === "---" || line.startsWith("{") || line.endsWith(":");
  }
  return false;
};

const fromYaml = (
  path: string,
  text: string,
): { builder: InventoryBuilder } | { problems: DecodeProblem[] } => {
  const parsed = parseYaml(path, text);
  if (parsed._tag === "Left") return { problems: parsed.left };
  const { value, lines } = parsed.right;
  if (value === null) return { problems: [{ file: path, path: "", message: NO_HOSTS }] };
  if (typeof value !== "object" || Array.isArray(value)) {
    return {
      problems: [
        {
          file: path,
          path: "",
          message: `an inventory must be a mapping of groups (e.g. \`all:\`), got ${kindOfValue(value)}`,
        },
      ],
    };
  }
  const built = yamlInventory(path, value, lines);
  return "problems" in built ? { problems: withLines(built.problems, lines) } : built;
};

const NO_HOSTS =
  "the inventory defines no hosts; list hosts under a group's `hosts:` (YAML) or on their own lines (INI)";

/**
 * Parses the inventory file alone (no group_vars/host_vars). An inventory
 * without hosts (an empty file included) is an error; problems are sorted by
 * line.
 */
export const parseInventory = (path: string, text: string): Either<DecodeProblem[], Inventory> => {
  const result = looksLikeYaml(path, text) ? fromYaml(path, text) : iniInventory(path, text);
  if ("problems" in result) return left(sortProblems(result.problems));
  const built = result.builder.build();
  if ("cycle" in built) {
    return left([{ file: path, path: "", message: `groups form a cycle: ${built.cycle.join(" -> ")}` }]);
  }
  if (built.hosts.length === 0) return left([{ file: path, path: "", message: NO_HOSTS }]);
  return right(built);
};

const isDir = async (path: string): Promise<boolean> => {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
};

/** Builds each host's variable layers from the inventory and the vars directories beside it. */
export const layersOf = async (
  inventory: Inventory,
): Promise<Either<DecodeProblem[], ReadonlyMap<string, readonly VarLayer[]>>> => {
  const base = dirname(inventory.path);
  const groupDir = join(base, "group_vars");
  const hostDir = join(base, "host_vars");
  const problems: DecodeProblem[] = [];
  const groupFiles = new Map<string, VarLayer[]>();
  if (await isDir(groupDir)) {
    for (const name of inventory.groups.keys()) {
      const r = await varsFilesFor(groupDir, name);
      if ("problems" in r) problems.push(...r.problems);
      else groupFiles.set(name, r.layers);
    }
  }
  const hostsDirExists = await isDir(hostDir);
  const layers = new Map<string, VarLayer[]>();
  for (const host of inventory.hosts) {
    const groups = groupsOfHost(inventory, host);
    const out: VarLayer[] = [];
    for (const g of groups) {
      if (Object.keys(g.vars).length > 0)
        out.push({ origin: `${inventory.path} (group ${g.name})`, vars: g.vars, lines: g.varLines });
    }
    for (const g of groups) out.push(...(groupFiles.get(g.name) ?? []));
    const inline = inventory.hostVars.get(host) ?? {};
    if (Object.keys(inline).length > 0)
      out.push({
        origin: `${inventory.path} (host ${host})`,
        vars: inline,
        lines: inventory.hostVarLines.get(host) ?? new Map(),
      });
    if (hostsDirExists) {
      const r = await varsFilesFor(hostDir, host);
      if ("problems" in r) problems.push(...r.problems);
      else out.push(...r.layers);
    }
    layers.set(host, out);
  }
  return problems.length > 0 ? left(problems) : right(layers);
};

/**
 * Reads and parses the inventory file, then its group_vars/ and host_vars/.
 * All problems are returned together, sorted by file and line.
 */
export const loadInventory = async (path: string): Promise<Either<DecodeProblem[], LoadedInventory>> => {
  if (await isDir(path)) {
    return left([
      { file: path, path: "", message: "is a directory; give the inventory file (hosts.yml or hosts.ini)" },
    ]);
  }
  const text = await readInputFile(path, "inventory");
  if (text._tag === "Left") return text;
  const parsed = parseInventory(path, text.right);
  if (parsed._tag === "Left") return parsed;
  const layers = await layersOf(parsed.right);
  if (layers._tag === "Left") return left(sortProblems(layers.left));
  return right({ inventory: parsed.right, layers: layers.right });
};
