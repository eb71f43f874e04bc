/**
 * A tiny interpreter for the argv of `check` probes and `exec` ops. SimHost
 * cannot run programs, so it knows a handful of commands the engine's sim
 * tests use; any other argv behaves like a missing program (exit 127, no
 * output), which a test sees at once instead of getting a made-up answer.
 *
 * Read-only (check and exec): `test -e|-f|-d PATH`, `true`, `false`,
 * `cat PATH`, `grep -qx LINE PATH` / `grep -qxF LINE PATH` (LINE is taken
 * literally, not as a regex). Exec only: `touch PATH`, `rm -f PATH`.
 */

import { posix } from "node:path";
import type { Draft } from "immer";
import type { SimState } from "./state.js";
import { fileBytes, lookup, resolvePath, SimError } from "./vfs.js";

/** What a command did: like a process's exit status and output. */
export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

const ok = (stdout = ""): CommandResult => ({ exitCode: 0, stdout, stderr: "" });
const fail = (exitCode: number, stderr: string): CommandResult => ({ exitCode, stdout: "", stderr });

/** argv[0] as a bare program name: "/usr/bin/test" and "/bin/test" mean "test". */
const program = (argv0: string): string => argv0.replace(/^\/(usr\/)?(s?bin)\//, "");

/** Lookup that treats a link loop or a relative path as "not there", as test(1) does. */
const safeLookup = (state: SimState, path: string, follow: boolean) => {
  try {
    return lookup(state.files, path, follow);
  } catch {
    return undefined;
  }
};

const notFound = (argv: readonly string[]): CommandResult =>
  fail(127, `sh: 1: ${argv[0] ?? ""}: not found (SimHost runs only its built-in commands)`);

/** Evaluates a read-only command against `state`. */
export const evalReadOnly = (state: SimState, argv: readonly string[]): CommandResult => {
  const [cmd = "", ...args] = argv;
  switch (program(cmd)) {
    case "true":
      return args.length === 0 ? ok() : notFound(argv);
    case "false":
      return args.length === 0 ? fail(1, "") : notFound(argv);
    case "test": {
      const [flag, path] = args;
      if (args.length !== 2 || path === undefined || !["-e", "-f", "-d"].includes(flag ?? ""))
        return notFound(argv);
      const e = safeLookup(state, path, true);
      const yes = flag === "-e" ? e !== undefined : flag === "-f" ? e?.type === "file" : e?.type === "dir";
      return yes ? ok() : fail(1, "");
    }
    case "cat": {
      const [path] = args;
      if (args.length !== 1 || path === undefined) return notFound(argv);
      const e = safeLookup(state, path, true);
      if (e === undefined) return fail(1, `cat: ${path}: No such file or directory`);
      if (e.type !== "file") return fail(1, `cat: ${path}: Is a directory`);
      return ok(fileBytes(e).toString("utf8"));
    }
    case "grep": {
      const [flags, line, path] = args;
      if (
        args.length !== 3 ||
        line === undefined ||
        path === undefined ||
        !["-qx", "-qxF"].includes(flags ?? "")
      ) {
        return notFound(argv);
      }
      const e = safeLookup(state, path, true);
      if (e === undefined) return fail(2, `grep: ${path}: No such file or directory`);
      if (e.type !== "file") return fail(2, `grep: ${path}: Is a directory`);
      const text = fileBytes(e).toString("utf8");
      const lines = text.split("\n");
      // A final newline ends the last line; it does not start an empty one.
      if (text.endsWith("\n")) lines.pop();
      return lines.includes(line) ? ok() : fail(1, "");
    }
    default:
      return notFound(argv);
  }
};

/** Evaluates an `exec` op's argv: the read-only commands plus `touch` and `rm -f`, which change `draft`. */
export const evalMutating = (draft: Draft<SimState>, argv: readonly string[]): CommandResult => {
  const [cmd = "", ...args] = argv;
  const files = draft.files;
  switch (program(cmd)) {
    case "touch": {
      const [path] = args;
      if (args.length !== 1 || path === undefined) return notFound(argv);
      try {
        const canonical = resolvePath(files, path, true);
        if (files[canonical] !== undefined) return ok(); // only mtime would change, which the sim does not model
        if (files[posix.dirname(canonical)]?.type !== "dir") {
          return fail(1, `touch: cannot touch '${path}': No such file or directory`);
        }
        files[canonical] = { type: "file", content: "", mode: 0o644, owner: "root", group: "root" };
        return ok();
      } catch (e) {
        if (e instanceof SimError) return fail(1, `touch: cannot touch '${path}': ${e.message}`);
        throw e;
      }
    }
    case "rm": {
      const [flag, path] = args;
      if (args.length !== 2 || flag !== "-f" || path === undefined) return notFound(argv);
      try {
        const canonical = resolvePath(files, path, false);
        const e = files[canonical];
        if (e === undefined) return ok();
        if (e.type === "dir") return fail(1, `rm: cannot remove '${path}': Is a directory`);
        delete files[canonical];
        return ok();
      } catch (e) {
        if (e instanceof SimError) return fail(1, `rm: cannot remove '${path}': ${e.message}`);
        throw e;
      }
    }
    default:
      return evalReadOnly(draft as SimState, argv);
  }
};
