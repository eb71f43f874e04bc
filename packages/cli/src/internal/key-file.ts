/**
 * The one connection check that reads the controller's disk: the private
 * key file named by `ansible_ssh_private_key_file` exists, is a regular file
 * and is readable. Kept apart from connectionOf (pure) so validation can run
 * it alongside, before anything connects. Never reads the key's content.
 */
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Either } from "fp-ts/lib/Either.js";
import {
  type Connection,
  type ConnectionDefaults,
  type ConnectionVarError,
  compareConnectionVarErrors,
  connectionKindOf,
  connectionOf,
  lookupIn,
} from "./connect.js";
import type { VarLayer } from "./inventory/index.js";

const KEY_VARS = ["ansible_ssh_private_key_file", "ansible_private_key_file"];

/** `~` and `~/…` as the controller user's home, as ssh and Ansible read them. */
export const expandHomePath = (path: string, home: string = homedir()): string =>
  path === "~" ? home : path.startsWith("~/") ? join(home, path.slice(2)) : path;

const why = (e: unknown): string => {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "does not exist";
  if (code === "EACCES" || code === "EPERM") return "is not readable by this user (permission denied)";
  if (code === "ENOTDIR") return "does not exist (a part of its path is not a directory)";
  if (code === "ELOOP") return "is a symbolic link loop";
  return `cannot be read (${code ?? "unknown error"})`;
};

/**
 * Problems with the host's private key file, or none: it must exist, be a
 * regular file and be readable by this process. Only SSH hosts use a key;
 * pass the layers of any host, the check looks only at the key variables.
 */
export const checkKeyFile = async (
  host: string,
  layers: readonly VarLayer[],
  options: { readonly home?: string } = {},
): Promise<ConnectionVarError[]> => {
  const get = lookupIn(layers);
  const variable = KEY_VARS.find((v) => get(v) !== undefined && get(v)?.value !== null);
  if (variable === undefined) return [];
  const found = get(variable)!;
  const problem = (message: string): ConnectionVarError[] => [
    {
      host,
      variable,
      origin: found.origin,
      ...(found.line !== undefined ? { line: found.line } : {}),
      message,
    },
  ];
  if (typeof found.value !== "string" || found.value === "") {
    return problem("expected the path of a private key file");
  }
  if (found.value.includes("{{")) return []; // connectionOf reports templated connection variables.
  const path = expandHomePath(found.value, options.home);
  const shown = path === found.value ? JSON.stringify(path) : `${JSON.stringify(found.value)} (${path})`;
  try {
    const s = await stat(path);
    if (!s.isFile())
      return problem(
        `key file ${shown} is ${s.isDirectory() ? "a directory" : "not a regular file"}; expected a private key file`,
      );
    await access(path, constants.R_OK);
    return [];
  } catch (e) {
    return problem(`key file ${shown} ${why(e)}; expected a readable private key file`);
  }
};

/**
 * Every problem with one host's connection variables, without connecting:
 * connectionOf's checks, plus the key file check for SSH hosts. Sorted by
 * file, then line. The validation phase calls this for each selected host.
 */
export const connectionProblems = async (
  host: string,
  layers: readonly VarLayer[],
  defaults: ConnectionDefaults,
  options: {
    readonly home?: string;
    /** The host's connectionOf answer when the caller already has it (the selection does): not worked out again. */
    readonly connection?: Either<readonly ConnectionVarError[], Connection>;
  } = {},
): Promise<ConnectionVarError[]> => {
  const conn = options.connection ?? connectionOf(host, layers, defaults);
  const kind = lookupIn(layers)("ansible_connection")?.value ?? "ssh";
  const ssh = conn._tag === "Right" ? conn.right.type === "ssh" : connectionKindOf(String(kind)) === "ssh";
  const problems = [
    ...(conn._tag === "Left" ? conn.left : []),
    ...(ssh ? await checkKeyFile(host, layers, options) : []),
  ];
  return problems.sort(compareConnectionVarErrors);
};
