/**
 * The grammars a host name, an IP literal and a user name must match before
 * they are put into a ProxyCommand as `%h` or `%r`. The command runs through
 * a shell, so a value with shell syntax in it would run on the controller.
 * OpenSSH refuses such values since 9.6 (CVE-2023-51385); these grammars are
 * stricter: only the characters a name can hold, none the shell reads.
 * Pure, with no Node import beyond `node:net`'s address parsers, so the CLI
 * can check an inventory without loading ssh2.
 */
import { isIPv4, isIPv6 } from "node:net";

// RFC 1123 labels (letters, digits, inner hyphens, 1–63 characters), plus
// the underscore that resolvers and /etc/hosts accept in practice.
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;
const MAX_HOST_NAME = 253;
// POSIX portable user names (letters, digits, `_`, `.`, `-`, not starting
// with `-` or `.`), plus `@` for directory users (`jane@corp.example`, as
// SSSD names them), at most 256 characters (LOGIN_NAME_MAX).
const USER = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,255}$/;

/** JSON-quoted, so control characters and quotes in a hostile value are shown escaped. */
const shown = (s: string): string => {
  const q = JSON.stringify(s);
  return q.length > 80 ? `${q.slice(0, 77)}..."` : q;
};

/** Whether `s` is an IPv4 literal or an IPv6 literal, bare or in brackets (`[::1]`). */
export const isIpLiteral = (s: string): boolean =>
  isIPv4(s) || isIPv6(s) || (s.startsWith("[") && s.endsWith("]") && isIPv6(s.slice(1, -1)));

/** Whether `s` is a host name by RFC 1123 labels (a trailing dot allowed). */
export const isHostName = (s: string): boolean => {
  const name = s.endsWith(".") ? s.slice(0, -1) : s;
  return name.length > 0 && name.length <= MAX_HOST_NAME && name.split(".").every((l) => LABEL.test(l));
};

/**
 * Why `s` cannot be a host address (`ansible_host`, `%h`), or undefined
 * when it is a host name or an IP literal.
 */
export const hostAddressProblem = (s: string): string | undefined => {
  if (isIpLiteral(s) || isHostName(s)) return undefined;
  if (s === "") return "expected a host name or an IP address, got an empty string";
  return `expected a host name (letters, digits, hyphens and dots, RFC 1123) or an IP address, got ${shown(s)}`;
};

/** Why `s` cannot be a login user name (`ansible_user`, `%r`), or undefined when it can. */
export const userNameProblem = (s: string): string | undefined => {
  if (USER.test(s)) return undefined;
  if (s === "") return "expected a user name, got an empty string";
  return `expected a user name (letters, digits, "_", ".", "-" and "@", not starting with "-", "." or "@"), got ${shown(s)}`;
};

/** An IPv6 literal without its brackets (ssh2 and `%h` want the bare address); others unchanged. */
export const bareAddress = (s: string): string =>
  s.startsWith("[") && s.endsWith("]") && isIPv6(s.slice(1, -1)) ? s.slice(1, -1) : s;
