/**
 * Op scripts: each op becomes one call of a prelude function, wrapped as
 * `tend_op <index> …`. Ops are valid by the time they get here: ShellTarget
 * refuses a batch holding an op that does not decode through `Op` (op.ts)
 * before anything runs, exactly as SimHost does, so no check lives here.
 */

import { intentEntries, type Op } from "../op.js";
import { PENDING_RESTARTS_PATH, STATE_DIR } from "../probe.js";
import { splitPath, tempBeside } from "./frame.js";
import { tempPrefix } from "./lock.js";
import { kmodName, sysctlPath } from "./probe-script.js";
import { shellArgv, shellQuote, UnquotableError } from "./quote.js";

/** Where per-run state lives; tests point it at a temp dir. */
export interface OpPaths {
  /** Temp dirs of `extract` are made under `<stateDir>/tmp`. */
  readonly stateDir: string;
  /** The write-ahead intent record (restarts and daemon-reloads due). */
  readonly pendingPath: string;
}

/** The paths a real host uses. */
export const HOST_PATHS: OpPaths = { stateDir: STATE_DIR, pendingPath: PENDING_RESTARTS_PATH };

// Five digits: GNU chmod keeps a directory's setuid/setgid bits for a shorter numeric
// mode (a directory made in a setgid one inherits g+s), and "00750" clears them.
const octal = (mode: number): string => mode.toString(8).padStart(5, "0");

const userFlags = (op: Extract<Op, { op: "useradd" | "usermod" }>): string[] => {
  const a: string[] = [];
  if (op.uid !== undefined) a.push("-u", String(op.uid));
  if (op.group !== undefined) a.push("-g", op.group);
  // usermod -G '' clears supplementary groups; useradd has none to clear.
  if (op.groups !== undefined && (op.groups.length > 0 || op.op === "usermod"))
    a.push("-G", op.groups.join(","));
  if (op.shell !== undefined) a.push("-s", op.shell);
  if (op.home !== undefined) a.push("-d", op.home);
  if (op.op === "useradd") {
    if (op.system) a.push("-r");
    // A given home is created (from /etc/skel); without one the account gets the default path but no directory.
    // SimHost does the same.
    a.push(op.home !== undefined ? "-m" : "-M");
  }
  return [...a, "--", op.name];
};

/** The argv (function + arguments) of one op; `rand` makes its temp names unique. */
const opArgv = (op: Op, rand: string, paths: OpPaths): string[] => {
  switch (op.op) {
    case "mkdir":
      return [
        "tend_mkdir",
        op.path,
        octal(op.mode),
        op.owner,
        op.group,
        // The temp home's record under the state dir: the next exec sweeps it even when no op makes this home again.
        ...(op.skel !== undefined
          ? [op.skel, tempBeside(op.path, rand), tempPrefix(op.path), `${paths.stateDir}/tmp/home-${rand}`]
          : []),
      ];
    case "writeFile":
      throw new Error("writeFile is compiled with its blob size");
    case "setAttrs":
      return [
        "tend_attrs",
        op.path,
        op.mode === undefined ? "" : octal(op.mode),
        op.owner ?? "",
        op.group ?? "",
      ];
    case "remove":
      return ["rm", "-rf", "--", op.path];
    case "download": {
      const rec = splitPath(op.record);
      return [
        "tend_download",
        op.url,
        op.path,
        splitPath(op.path).dir,
        tempBeside(op.path, rand),
        op.checksum?.algo ?? "",
        op.checksum?.hex.toLowerCase() ?? "",
        octal(op.mode),
        op.owner,
        op.group,
        op.record,
        rec.dir,
        tempBeside(op.record, rand),
      ];
    }
    case "extract": {
      const man = splitPath(op.manifest);
      // `$dest/$member` must not double the slash; the root becomes "".
      const dest = op.dest.replace(/\/+$/, "");
      return [
        "tend_extract",
        op.archive,
        dest,
        String(op.strip),
        op.manifest,
        man.dir,
        tempBeside(op.manifest, rand),
        // Empty is allowed: the op then records the archive's own digest.
        op.source,
        octal(op.mode),
        op.owner,
        op.group,
        `${paths.stateDir}/tmp/extract-${rand}`,
        rand,
        op.members === null ? "1" : "0",
        ...(op.members ?? []),
      ];
    }
    case "systemctl":
      return ["tend_systemctl", op.verb, ...(op.unit === undefined ? [] : [op.unit])];
    case "sysctl":
      // A valid key always names a file under /proc/sys.
      return ["tend_sysctl_set", op.key, sysctlPath(op.key) as string, op.value];
    case "modprobe":
      return ["tend_modprobe", op.name, kmodName(op.name)];
    case "groupadd":
      return [
        "groupadd",
        ...(op.gid === undefined ? [] : ["-g", String(op.gid)]),
        ...(op.system ? ["-r"] : []),
        "--",
        op.name,
      ];
    case "groupmod":
      return ["groupmod", "-g", String(op.gid), "--", op.name];
    case "useradd":
    case "usermod":
      return [op.op, ...userFlags(op)];
    case "packages":
      return op.manager === "apt"
        ? ["tend_apt", ...op.install]
        : ["dnf", "install", "-y", "--", ...op.install];
    case "swapoff":
      return ["swapoff", "-a"];
    case "exec":
      return ["tend_exec", ...op.argv];
    case "keep":
      return ["tend_keep", op.dir, ...op.paths];
    case "restore":
      return ["tend_restore", op.dir];
    case "intent":
      return [
        "tend_intent",
        op.action,
        paths.pendingPath,
        tempBeside(paths.pendingPath, rand),
        op.at ?? "-",
        ...intentEntries(op),
      ];
  }
};

/**
 * The script line for op `index`. `blobSize` is the byte length of a
 * writeFile's blob, which the op reads from stdin; every other op gets
 * /dev/null as stdin so it cannot swallow the blobs of later ops.
 */
export const opLine = (op: Op, index: number, rand: string, paths: OpPaths, blobSize?: number): string => {
  const head = `tend_op ${index}`;
  try {
    if (op.op === "writeFile") {
      const { dir } = splitPath(op.path);
      const args = [
        op.path,
        dir,
        tempBeside(op.path, rand),
        String(blobSize ?? 0),
        octal(op.mode),
        op.owner,
        op.group,
      ];
      return `${head} tend_write ${shellArgv(args)}`;
    }
    return `${head} ${shellArgv(opArgv(op, rand, paths))} < /dev/null`;
  } catch (e) {
    if (!(e instanceof UnquotableError)) throw e;
    return `${head} tend_fail ${shellQuote(`refused: ${e.message}`)} < /dev/null`;
  }
};
