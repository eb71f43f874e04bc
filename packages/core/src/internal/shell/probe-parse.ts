/**
 * Probe answers: from the `key value` lines of one frame to the raw fact.
 * The result is still unknown data; the caller decodes it with
 * `factCodecs[probe.type]`, so a parser bug surfaces as a ProbeDecode error
 * rather than as a wrong fact.
 */
import { CONTENT_LIMIT, type Probe } from "../probe.js";
import { base64Text, type FrameBody, field, fields, fromBase64, utf8 } from "./frame.js";

/** Thrown for an answer this parser cannot read; becomes ProbeDecode. */
export class AnswerError extends Error {
  override readonly name = "AnswerError";
}

/**
 * Thrown for an answer that says the host refused the probe's user a path
 * (a `denied <user> <base64 path>` line); becomes PermissionDenied.
 */
export class DeniedAnswer extends Error {
  override readonly name = "DeniedAnswer";
  constructor(
    readonly user: string,
    readonly path: string,
  ) {
    super(`permission denied to ${user} on ${path}`);
  }
}

/** The `denied <user> <base64 path>` line of a body or of a script's output, if any. */
export const deniedIn = (line: string | undefined): DeniedAnswer | undefined => {
  const [user, path, ...rest] = (line ?? "").split(" ");
  // Anything else (no user: `id` missing) is no refusal, and reads as the answer it is.
  if (!user || path === undefined || rest.length > 0) return undefined;
  return new DeniedAnswer(user, base64Text(path));
};

const refuseDenied = (body: FrameBody): void => {
  const denied = deniedIn(field(body, "denied"));
  if (denied) throw denied;
};

const need = (body: FrameBody, key: string): string => {
  const v = field(body, key);
  if (v === undefined) throw new AnswerError(`answer has no "${key}" line`);
  return v;
};

/** An unsigned decimal, or an error naming what it was meant to be. */
const int = (s: string | undefined, what: string): number => {
  if (s === undefined || !/^\d+$/.test(s))
    throw new AnswerError(`${what} is not a number: ${JSON.stringify(s)}`);
  return Number(s);
};

const parseFile = (p: Extract<Probe, { type: "file" }>, body: FrameBody): unknown => {
  refuseDenied(body);
  const type = need(body, "type");
  if (type === "absent" || type === "other") return { type };
  if (type === "link") return { type, target: base64Text(need(body, "target")) };
  // `stat -c '%a %s %U %G'`: mode is octal without a leading zero.
  const [modeOct, size, owner, group] = need(body, "stat").split(" ");
  if (modeOct === undefined || !/^[0-7]+$/.test(modeOct))
    throw new AnswerError(`mode is not octal: ${JSON.stringify(modeOct)}`);
  const common = { mode: Number.parseInt(modeOct, 8), owner, group };
  if (type === "dir") return { type, ...common };
  if (type !== "file") throw new AnswerError(`unknown file type ${JSON.stringify(type)}`);
  const bytesOnDisk = int(size, "size");
  const fact: Record<string, unknown> = { type, ...common, size: bytesOnDisk };
  if (p.hash) fact.hash = need(body, "hash");
  // Bulk answers (tend_files) leave out the content of a file over the limit.
  if (p.content && !(field(body, "content") === undefined && bytesOnDisk > CONTENT_LIMIT)) {
    const bytes = fromBase64(need(body, "content"));
    // The script reads CONTENT_LIMIT + 1 bytes so "too large" is visible here.
    if (bytes.length <= CONTENT_LIMIT) fact.contentBase64 = Buffer.from(bytes).toString("base64");
  }
  return fact;
};

const parseUnit = (body: FrameBody): unknown => {
  const enabled = field(body, "enabled") ?? "";
  return {
    // Without a running systemd (or for an unknown name) `show` says nothing.
    load: field(body, "load") || "not-found",
    active: field(body, "active") || "inactive",
    // Newer systemd prints "not-found" where older ones print nothing; both mean unknown.
    enabled: enabled === "not-found" ? "" : enabled,
  };
};

/** Runs of whitespace collapse to one space, as `sysctl -n` shows multi-value keys. */
const parseSysctl = (body: FrameBody): unknown => {
  const v = field(body, "value");
  return { value: v === undefined ? null : base64Text(v).replace(/\s+/g, " ").trim() };
};

const flag = (body: FrameBody, key: string): boolean => need(body, key) === "1";

const parseUser = (p: Extract<Probe, { type: "user" }>, body: FrameBody): unknown => {
  if (field(body, "absent") !== undefined) return { exists: false };
  const [name, , uid, gid, , home, shell] = base64Text(need(body, "passwd")).split(":");
  // getent looks a numeric name up as a uid; that is a different account.
  if (name !== p.name) return { exists: false };
  const primary = field(body, "primary") ?? "";
  const groups = (field(body, "groups") ?? "").split(" ").filter((g) => g !== "" && g !== primary);
  return {
    exists: true,
    uid: int(uid, "uid"),
    gid: int(gid, "gid"),
    home,
    shell,
    groups: [...new Set(groups)],
  };
};

const parseGroup = (p: Extract<Probe, { type: "group" }>, body: FrameBody): unknown => {
  if (field(body, "absent") !== undefined) return { exists: false };
  const [name, , gid, members] = base64Text(need(body, "entry")).split(":");
  if (name !== p.name) return { exists: false };
  return { exists: true, gid: int(gid, "gid"), members: (members ?? "").split(",").filter((m) => m !== "") };
};

/** First column of /proc/swaps after its header line. */
export const swapDevices = (procSwaps: string): string[] =>
  procSwaps
    .split("\n")
    .slice(1)
    .map((l) => l.split(/\s+/)[0] ?? "")
    .filter((d) => d !== "")
    // /proc/swaps escapes blanks in paths as octal (\040), like /proc/mounts.
    .map((d) => d.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8))));

/**
 * The line format the extract op writes: `<sha256>  <absolute path>`. The
 * path is everything up to the newline: `.` would stop at a CR, U+2028 or
 * U+2029, which sh and tar take as plain characters of a member name.
 */
export const MANIFEST_LINE = /^([0-9a-f]{64}) {2}(\/[^\n]*)$/;

const parseManifest = (body: FrameBody): unknown => {
  refuseDenied(body);
  if (field(body, "absent") !== undefined) return { exists: false };
  const lines = base64Text(need(body, "text")).split("\n");
  const source = lines[0]?.startsWith("# source ") ? lines[0].slice("# source ".length) : "";
  const have = fields(body, "have");
  const entries = lines.flatMap((l) => {
    const m = MANIFEST_LINE.exec(l);
    return m?.[1] !== undefined && m[2] !== undefined ? [{ sha256: m[1], path: m[2] }] : [];
  });
  if (have.length !== entries.length) {
    throw new AnswerError(`manifest lists ${entries.length} members but ${have.length} were hashed`);
  }
  return {
    exists: true,
    source,
    members: entries.map((e, i) => ({ path: e.path, sha256: e.sha256, ok: have[i] === e.sha256 })),
  };
};

const parseCheck = (body: FrameBody): unknown => ({
  exitCode: int(need(body, "rc"), "exit code"),
  stdout: utf8(fromBase64(need(body, "out"))),
});

/** The raw (not yet decoded) fact for probe `p` from its frame body. Throws AnswerError or DeniedAnswer. */
export const parseAnswer = (p: Probe, body: FrameBody): unknown => {
  switch (p.type) {
    case "file":
      return parseFile(p, body);
    case "unit":
      return parseUnit(body);
    case "sysctl":
      return parseSysctl(body);
    case "kmod":
      return {
        loaded: flag(body, "loaded"),
        builtin: flag(body, "builtin"),
        persisted: flag(body, "persisted"),
        available: flag(body, "available"),
      };
    case "user":
      return parseUser(p, body);
    case "group":
      return parseGroup(p, body);
    case "package":
      return { version: field(body, "version") ?? null };
    case "swap": {
      const text = field(body, "swaps");
      return { active: text === undefined ? [] : swapDevices(base64Text(text)) };
    }
    case "manifest":
      return parseManifest(body);
    case "check":
      return parseCheck(body);
  }
};
