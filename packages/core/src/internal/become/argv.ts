/**
 * Privilege escalation as data: the argv that runs a command as another user
 * through sudo or su, and the wrapper script that tells the controller when
 * the escalation is done. Pure: the transports spawn, write and kill; the
 * handshake (handshake.ts) reads what comes back.
 *
 * The password is never part of any argv built here: it goes to the
 * command's stdin only, when the handshake says so.
 */
import { accountName } from "../names.js";
import { shellArgv } from "../shell/quote.js";
import type { BecomeMethod } from "../transport.js";

/** Who to become, and how. */
export interface BecomeSpec {
  readonly method: BecomeMethod;
  /** The become user, e.g. "root". */
  readonly user: string;
  /** Whether a password will be given on stdin (sudo then runs as `sudo -S`, not `sudo -n`). */
  readonly withPassword: boolean;
}

/** The per-command strings of the handshake, all derived from one random nonce. */
export interface BecomeTokens {
  /** Printed on stdout (as one line) by the wrapper once it runs as the become user. */
  readonly marker: string;
  /** Written on stdin by the controller after the marker: the wrapper discards stdin up to this line. */
  readonly sentinel: string;
  /** sudo's prompt (`sudo -S -p`): seeing it twice means the password was wrong. */
  readonly prompt: string;
}

/**
 * The tokens for one command. `nonce` must be at least 16 lowercase hex
 * digits from a cryptographic source (throws RangeError otherwise: a
 * programming error), so no earlier output can hold them by chance; it is
 * hex so sudo's `%` prompt escapes never apply.
 */
export const becomeTokens = (nonce: string): BecomeTokens => {
  if (!/^[0-9a-f]{16,}$/.test(nonce)) throw new RangeError("become nonce must be 16+ lowercase hex digits");
  return {
    marker: `tend-become-ok-${nonce}`,
    sentinel: `tend-become-go-${nonce}`,
    prompt: `tend-become-password-${nonce}:`,
  };
};

/**
 * Whether the request's stdin must wait for the marker: when sudo or su may
 * read a password from stdin, nothing else may be in the pipe before they are
 * done with it. `sudo -n` never reads stdin, so its stdin goes at once.
 */
export const becomeGated = (spec: BecomeSpec): boolean => spec.method === "su" || spec.withPassword;

/**
 * Runs as the become user: prints the marker line, then (when $2, the
 * sentinel, is set) reads stdin line by line up to the sentinel line,
 * discarding a password line sudo or su did not read (NOPASSWD, cached
 * credentials, su run by root), and execs the command ($3...). sh's `read`
 * takes one byte at a time from a pipe, so the command gets the rest of
 * stdin byte-exact. Exits 125 if stdin ends before the sentinel.
 */
export const BECOME_WRAPPER = `printf '%s\\n' "$1"
if [ -n "$2" ]; then
  while IFS= read -r tend_line; do
    if [ "$tend_line" = "$2" ]; then shift 2; exec "$@"; fi
  done
  echo 'tend: stdin ended during the become handshake' >&2
  exit 125
fi
shift 2
exec "$@"`;

/**
 * sudo and su speak the host's language (LANG from the login's PAM
 * environment, say de_DE): the handshake tells a wrong or missing password
 * from their words, so they run in the C locale, where those words are the
 * ones it knows. The command they run gets LC_ALL=C too (where sudo keeps it).
 */
const C_LOCALE = ["env", "LC_ALL=C"] as const;

/**
 * The argv that runs `inner` (an argv, e.g. `env K=V sh -c SCRIPT`) as the
 * become user, through the wrapper:
 * - sudo, no password: `env LC_ALL=C sudo -n -u USER -- sh -c WRAPPER tend-become MARKER '' inner...`
 * - sudo, password: `env LC_ALL=C sudo -S -p PROMPT -u USER -- sh -c WRAPPER tend-become MARKER SENTINEL inner...`
 * - su: `env LC_ALL=C su -s /bin/sh USER -c 'sh' '-c' WRAPPER ... inner...` (su takes one command
 *   string; it is quoted by shellArgv, the one quoting function).
 * Throws UnquotableError (su) for an inner word holding NUL.
 */
export const becomeArgv = (spec: BecomeSpec, tokens: BecomeTokens, inner: readonly string[]): string[] => {
  const sentinel = becomeGated(spec) ? tokens.sentinel : "";
  const wrapped = ["sh", "-c", BECOME_WRAPPER, "tend-become", tokens.marker, sentinel, ...inner];
  switch (spec.method) {
    case "sudo":
      return spec.withPassword
        ? [...C_LOCALE, "sudo", "-S", "-p", tokens.prompt, "-u", spec.user, "--", ...wrapped]
        : [...C_LOCALE, "sudo", "-n", "-u", spec.user, "--", ...wrapped];
    case "su":
      return [...C_LOCALE, "su", "-s", "/bin/sh", spec.user, "-c", shellArgv(wrapped)];
  }
};

/** Why a become cannot even be tried; transports turn it into BecomeFailed without running anything. */
export interface BecomeRefusal {
  readonly problem: "password-required" | "refused";
  readonly detail: string;
}

/**
 * Checks what needs no host: the become user is an account name, the
 * password fits on one line, and su from a user other than root has a
 * password (su always asks one then, and would read the request's stdin as
 * the password). Never quotes the password.
 */
export const becomeRefusal = (
  method: BecomeMethod,
  user: string,
  password: string | undefined,
  loginIsRoot: boolean,
): BecomeRefusal | undefined => {
  if (!accountName.test(user)) {
    return {
      problem: "refused",
      detail: `become user ${JSON.stringify(user)} is not ${accountName.expected}`,
    };
  }
  if (password !== undefined && /[\n\r\0]/.test(password)) {
    return {
      problem: "refused",
      detail: `the become password holds a line break or NUL, which ${method} cannot read from stdin`,
    };
  }
  if (method === "su" && password === undefined && !loginIsRoot) {
    return { problem: "password-required", detail: "su asks every user but root for a password" };
  }
  return undefined;
};
