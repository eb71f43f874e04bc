/**
 * Where argv becomes a string. ssh2's `exec` takes ONE command string, which
 * the remote sshd hands to the login user's shell (`$SHELL -c string`), so
 * every word is quoted here, by core's one quoting function.
 */
import {
  type BecomeMethod,
  type BecomeSpec,
  type BecomeTokens,
  becomeArgv,
  shellQuote as coreShellQuote,
  shellArgv,
} from "@tend/core";

/**
 * Quotes one word for a POSIX shell: core's `shellQuote` (single quotes, each
 * embedded `'` as `'\''`). Throws UnquotableError for NUL or a lone surrogate.
 */
export const shellQuote: (word: string) => string = coreShellQuote;

/** Joins argv into one command string, each word quoted (core's `shellArgv`). */
export const shellJoin: (argv: readonly string[]) => string = shellArgv;

/** How a command reaches the remote user that runs it. */
export interface CommandContext {
  /** The SSH login user. */
  readonly loginUser: string;
  /** Run as `becomeUser` (when it is not the login user) through `becomeMethod`. */
  readonly become: boolean;
  readonly becomeUser: string;
  /** "sudo" (default) or "su". */
  readonly becomeMethod?: BecomeMethod;
  /** A password will be given on stdin: `sudo -S` instead of `sudo -n`. Never the password itself. */
  readonly withPassword?: boolean;
}

/** How commands escalate under this context, or undefined when they run as the login user. */
export const becomeSpecOf = (ctx: CommandContext): BecomeSpec | undefined =>
  ctx.become && ctx.loginUser !== ctx.becomeUser
    ? { method: ctx.becomeMethod ?? "sudo", user: ctx.becomeUser, withPassword: ctx.withPassword ?? false }
    : undefined;

// A POSIX environment variable name; anything else could be read by `env` as an
// option or split at a second `=`.
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Runs "$1" under a remote deadline when coreutils/busybox `timeout` exists.
// The deadline (seconds, as $2) kills the whole process group with KILL.
const DEADLINE_WRAPPER =
  'if command -v timeout >/dev/null 2>&1; then exec timeout -s KILL "$2" sh -c "$1"; fi; exec sh -c "$1"';

/**
 * How much later than the client's own timer the remote deadline fires: the
 * remote clock starts after the client's, and the margin keeps a busy client
 * event loop from seeing the remote kill before its own Timeout.
 */
export const REMOTE_DEADLINE_MARGIN_MS = 200;

/**
 * Builds the command string for `sh -c script` with env, privilege
 * escalation and an optional remote deadline:
 * `[BECOME...] [env K=V ...] sh -c SCRIPT`, where BECOME is core's
 * `becomeArgv` (sudo or su, then the handshake wrapper) built from `tokens`.
 *
 * Env goes through `env` after sudo/su, not through SSH env requests, because
 * sshd refuses those unless AcceptEnv lists the name, and sudo's env_reset
 * would drop variables set before it.
 *
 * With `timeoutMs` the script runs under `timeout -s KILL`: closing an SSH
 * channel does not stop the remote command, and OpenSSH refuses "signal"
 * requests for root sessions ("session signalling requires privilege
 * separation"), so the deadline must be enforced on the host itself.
 *
 * Throws RangeError for a variable name that is not a POSIX name, or for a
 * context that escalates without `tokens` (programming errors, not host
 * conditions).
 */
export const buildCommand = (
  script: string,
  env: Readonly<Record<string, string>> | undefined,
  ctx: CommandContext,
  timeoutMs?: number,
  tokens?: BecomeTokens,
): string => {
  const argv: string[] = [];
  const entries = Object.entries(env ?? {});
  if (entries.length > 0) {
    argv.push("env");
    for (const [name, value] of entries) {
      if (!ENV_NAME.test(name))
        throw new RangeError(`invalid environment variable name: ${JSON.stringify(name)}`);
      argv.push(`${name}=${value}`);
    }
  }
  if (timeoutMs === undefined) {
    argv.push("sh", "-c", script);
  } else {
    const seconds = ((timeoutMs + REMOTE_DEADLINE_MARGIN_MS) / 1000).toFixed(3);
    argv.push("sh", "-c", DEADLINE_WRAPPER, "tend-deadline", script, seconds);
  }
  const become = becomeSpecOf(ctx);
  if (become === undefined) return shellJoin(argv);
  if (tokens === undefined) throw new RangeError("buildCommand: escalation needs become tokens");
  return shellJoin(becomeArgv(become, tokens, argv));
};

/**
 * The script that writes stdin to `path` atomically: a temp file in the same
 * directory (so `mv` is a rename on one filesystem), its mode set before the
 * rename, and the temp file removed on any failure. Needs only sh, mktemp,
 * cat, chmod and mv, so it works where no sftp-server is installed.
 */
export const uploadScript = (path: string, mode: number): string => {
  const slash = path.lastIndexOf("/");
  const dir = slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
  const base = slash >= 0 ? path.slice(slash + 1) : path;
  const p = shellQuote(path);
  const octal = (mode & 0o7777).toString(8).padStart(4, "0");
  return [
    // umask 077: the temp file is unreadable to others until its final mode is set.
    "umask 077",
    `if [ -d ${p} ]; then echo "upload: "${p}" is a directory" >&2; exit 1; fi`,
    `tmp=$(mktemp ${shellQuote(`${dir}/.${base}.tend-XXXXXX`)}) || exit 1`,
    `if cat > "$tmp" && chmod ${octal} "$tmp" && mv -f "$tmp" ${p}; then exit 0; fi`,
    'rm -f "$tmp"',
    "exit 1",
  ].join("\n");
};
