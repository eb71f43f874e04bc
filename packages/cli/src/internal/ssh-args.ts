/**
 * `ansible_ssh_common_args` / `ansible_ssh_extra_args` read the way a POSIX
 * shell splits words (quotes, backslashes), but never evaluated: `$(...)`,
 * backticks, `$VAR` and `~` stay literal text. Then the options tend
 * understands are picked out, and the ProxyCommand and ProxyJump they give
 * are checked before anything could run them.
 */
import { hostAddressProblem, userNameProblem } from "@tend/transport-ssh/names";

/** Splits text into words like `sh` does, without any expansion; a string says why it cannot. */
export const shellWords = (text: string): string[] | string => {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  let i = 0;
  const at = (): string => text[i]!;
  while (i < text.length) {
    const ch = at();
    if (ch === "\\") {
      // Backslash-newline joins lines; otherwise the next character is literal.
      if (i + 1 >= text.length) return "a backslash at the end with nothing to escape";
      if (text[i + 1] !== "\n") cur += text[i + 1];
      inWord = true;
      i += 2;
    } else if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return "unterminated single quote";
      cur += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (ch === '"') {
      i++;
      for (;;) {
        if (i >= text.length) return "unterminated double quote";
        const c = at();
        if (c === '"') break;
        // Inside double quotes a backslash escapes only $ ` " \ and newline, as in sh.
        if (c === "\\" && i + 1 < text.length && '$`"\\\n'.includes(text[i + 1]!)) {
          if (text[i + 1] !== "\n") cur += text[i + 1];
          i += 2;
        } else {
          cur += c;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
      i++;
    } else if (ch === "#" && !inWord) {
      break;
    } else {
      cur += ch;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
};

/** SSH options read from `-o Key=Value` words (and `-J host`) of ssh command-line arguments. */
export interface SshArgs {
  readonly proxyCommand?: string;
  readonly proxyJump?: string;
  readonly strictHostKeyChecking?: string;
  readonly userKnownHostsFile?: string;
}

/**
 * Reads the options tend understands from `ansible_ssh_common_args`: `-o
 * ProxyCommand=...` quoted or not, `-oKey=value`, `-o Key value`, `-J`.
 * Unknown options are ignored, as they tune OpenSSH rather than the route.
 */
export const parseSshArgs = (args: string): SshArgs | string => {
  const words = shellWords(args);
  if (typeof words === "string") return words;
  const out: Record<string, string> = {};
  // OpenSSH reads `Key=Value` and `Key Value` alike; keys are case-insensitive.
  const takeOption = (text: string): string | undefined => {
    const m = /^\s*([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/s.exec(text);
    if (!m) return `cannot read the option ${JSON.stringify(text)}; expected -o Key=Value`;
    out[m[1]!.toLowerCase()] = m[2]!.trim();
    return undefined;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    let problem: string | undefined;
    if (w === "-o") {
      const next = words[++i];
      if (next === undefined) return "-o without an option";
      problem = takeOption(next);
    } else if (w.startsWith("-o")) {
      problem = takeOption(w.slice(2));
    } else if (w === "-J") {
      const next = words[++i];
      if (next === undefined) return "-J without a host";
      out.proxyjump = next;
    }
    if (problem !== undefined) return problem;
  }
  return {
    ...(out.proxycommand !== undefined ? { proxyCommand: out.proxycommand } : {}),
    ...(out.proxyjump !== undefined ? { proxyJump: out.proxyjump } : {}),
    ...(out.stricthostkeychecking !== undefined ? { strictHostKeyChecking: out.stricthostkeychecking } : {}),
    ...(out.userknownhostsfile !== undefined ? { userKnownHostsFile: out.userknownhostsfile } : {}),
  };
};

/**
 * Why a ProxyCommand cannot be run, or undefined: it must hold a command,
 * its quotes must close, and its only %-tokens are %h, %p, %r and %%.
 */
export const proxyCommandProblem = (command: string): string | undefined => {
  const words = shellWords(command);
  if (typeof words === "string") return `ProxyCommand: ${words}`;
  if (words.length === 0) return "ProxyCommand is empty; give the command that connects to %h:%p";
  const unknown = /%([^hpr%]|$)/.exec(command.replace(/%%/g, ""));
  if (unknown) return `ProxyCommand: unknown token %${unknown[1]} (tend expands %h, %p, %r and %%)`;
  return undefined;
};

interface Hop {
  readonly user?: string;
  readonly host: string;
  readonly port?: number;
}

/** A TCP port as Ansible reads it: an integer, or a string of digits, from 1 to 65535. */
export const portOf = (v: unknown): number | { readonly problem: string } => {
  const n =
    typeof v === "number" ? v : typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN;
  if (Number.isInteger(n) && n >= 1 && n <= 65535) return n;
  const got =
    typeof v === "string" || typeof v === "number" ? JSON.stringify(v) : "a value that is not a number";
  return { problem: `expected a TCP port, an integer from 1 to 65535, got ${got}` };
};

const HOP = /^(?:ssh:\/\/)?(?:([^@]*)@)?(\[[^\]]*\]|[^:]*)(?::([^:]*))?$/;

const readHop = (text: string): Hop | string => {
  const m = HOP.exec(text);
  if (!m) return `cannot read jump host ${JSON.stringify(text)}; expected [user@]host[:port]`;
  const [, user, host, port] = m;
  const hostProblem = hostAddressProblem(host!);
  if (hostProblem !== undefined) return `jump host: ${hostProblem}`;
  if (user !== undefined && userNameProblem(user) !== undefined)
    return `jump host user: ${userNameProblem(user)}`;
  const p = port === undefined ? undefined : portOf(port);
  if (p !== undefined && typeof p !== "number") return `jump host port: ${p.problem}`;
  return {
    host: host!,
    ...(user !== undefined ? { user } : {}),
    ...(p !== undefined ? { port: p } : {}),
  };
};

/**
 * The ProxyCommand OpenSSH would use for `-J hop1,hop2,...`: `ssh` to the
 * last hop (through the earlier ones) with `-W %h:%p`. Every hop is checked
 * by the host, user and port grammars, so the text holds no shell syntax.
 */
export const proxyJumpCommand = (
  jump: string,
): { readonly command: string } | { readonly problem: string } => {
  const hops = jump.split(",").map(readHop);
  const bad = hops.find((h): h is string => typeof h === "string");
  if (bad !== undefined) return { problem: bad };
  const parsed = hops as Hop[];
  const last = parsed[parsed.length - 1]!;
  const earlier = parsed
    .slice(0, -1)
    .map((h) => `${h.user ? `${h.user}@` : ""}${h.host}${h.port ? `:${h.port}` : ""}`);
  const command = [
    "ssh",
    ...(last.user ? ["-l", last.user] : []),
    ...(last.port ? ["-p", String(last.port)] : []),
    ...(earlier.length > 0 ? ["-J", earlier.join(",")] : []),
    "-W",
    "%h:%p",
    last.host,
  ].join(" ");
  return { command };
};
