/**
 * Privilege escalation as Ansible spells it: `ansible_become_user`,
 * `ansible_become_method` (tend speaks sudo and su) and the become password
 * (`ansible_become_password`, or its aliases `ansible_become_pass`,
 * `ansible_sudo_pass` for sudo and `ansible_su_pass`/`ansible_su_password`
 * for su). The password may be a whole `{{ other_variable }}` (a vault
 * variable, say), followed through the host's layers. It is a Secret from the
 * moment it is read: no problem message quotes it or anything it refers to.
 */
import { userNameProblem } from "@tend/transport-ssh/names";
import type { Fail, Lookup, Str } from "./connect.js";
import { Secret } from "./secret.js";

/** How a host's commands become another user. */
export interface BecomeSettings {
  readonly user?: string;
  readonly method?: "sudo" | "su";
  readonly password?: Secret;
  /** The variable the password came from (named in the advice after a wrong one). */
  readonly passwordFrom?: string;
}

const METHODS = ["sudo", "su"] as const;

/** The password variables Ansible's become plugin of `method` reads, first wins. */
export const passwordVariables = (method: "sudo" | "su"): readonly string[] =>
  method === "su"
    ? ["ansible_become_password", "ansible_become_pass", "ansible_su_pass", "ansible_su_password"]
    : ["ansible_become_password", "ansible_become_pass", "ansible_sudo_pass"];

const WHOLE_REFERENCE = /^\s*\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\s*$/;
/** More hops than any real inventory has: a longer chain is a cycle by another name. */
const MAX_HOPS = 16;

const kindOf = (v: unknown): string =>
  Array.isArray(v) ? "a list" : v !== null && typeof v === "object" ? "a mapping" : `a ${typeof v}`;

/**
 * The password named by variable `name`, following whole `{{ variable }}`
 * references; a problem (recorded against `name`, never quoting a value) and
 * undefined otherwise.
 */
const passwordOf = (get: Lookup, fail: Fail, name: string): Secret | undefined => {
  const seen = [name];
  let value = get(name)?.value;
  for (let hop = 0; hop <= MAX_HOPS; hop++) {
    if (typeof value !== "string") {
      // A YAML number would lose its leading zeros, so only a string is taken; the value is not shown.
      fail(
        name,
        `expected a string (quote it in YAML), got ${kindOf(value)}${hop > 0 ? ` from ${seen.at(-1)}` : ""}`,
      );
      return undefined;
    }
    const ref = WHOLE_REFERENCE.exec(value)?.[1];
    if (ref === undefined) {
      // sudo and su read one line from stdin: such a password could never be given (see @tend/core/become).
      if (/[\n\r\0]/.test(value)) {
        fail(
          name,
          'holds a line break or NUL, which sudo and su cannot read as a password (a YAML "|" block ends with one; use "|-")',
        );
        return undefined;
      }
      if (!value.includes("{{")) return new Secret(value);
      fail(
        name,
        'only a whole "{{ variable }}" reference is supported in a become password, not text or filters around it',
      );
      return undefined;
    }
    if (seen.includes(ref)) {
      fail(name, `the reference ${[...seen, ref].join(" -> ")} goes round in a cycle`);
      return undefined;
    }
    const found = get(ref);
    if (found === undefined || found.value === null) {
      fail(name, `refers to ${ref}, which is not set for this host`);
      return undefined;
    }
    seen.push(ref);
    value = found.value;
  }
  fail(name, `the reference ${seen.join(" -> ")} is longer than ${MAX_HOPS} hops`);
  return undefined;
};

/** The become user, method and password of a host, recording a problem for each bad one. */
export const becomeSettingsOf = (get: Lookup, fail: Fail, str: Str): BecomeSettings => {
  const user = str("ansible_become_user");
  if (user !== undefined) {
    const problem = userNameProblem(user.value);
    if (problem !== undefined) fail(user.name, problem);
  }
  const methodVar = str("ansible_become_method");
  let method: "sudo" | "su" | undefined;
  if (methodVar !== undefined) {
    const known = METHODS.find((m) => m === methodVar.value.trim());
    if (known === undefined)
      fail(
        methodVar.name,
        `tend becomes another user through sudo or su, got ${JSON.stringify(methodVar.value)}: set sudo or su`,
      );
    method = known;
  }
  const passwordVar = passwordVariables(method ?? "sudo").find((n) => {
    const v = get(n);
    return v !== undefined && v.value !== null;
  });
  const password = passwordVar === undefined ? undefined : passwordOf(get, fail, passwordVar);
  return {
    ...(user !== undefined ? { user: user.value } : {}),
    ...(method !== undefined ? { method } : {}),
    ...(password !== undefined && passwordVar !== undefined ? { password, passwordFrom: passwordVar } : {}),
  };
};
