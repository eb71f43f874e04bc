/**
 * `--ask-become-pass` (`-K`, as in Ansible): the become password asked once
 * on the terminal, before any host is contacted, and used for every host
 * that becomes another user and has no password of its own.
 */
import { type Either, left, right } from "fp-ts/lib/Either.js";
import { ASKED } from "./become-messages.js";
import type { Connection } from "./connect.js";
import type { Deps } from "./facade.js";
import type { CliIo } from "./io.js";
import { Secret } from "./secret.js";

/** Ansible's prompt, so a user of both recognises it. */
export const BECOME_PROMPT = "BECOME password: ";

/**
 * The connection with the asked password when it becomes another user and
 * has none of its own: an SSH host with `ansible_become`, or this machine
 * (the local transport becomes root unless it already is).
 */
export const withAskedPassword = (c: Connection, password: Secret): Connection => {
  if (c.type === "docker" || c.becomePassword !== undefined) return c;
  if (c.type === "ssh" && !c.become) return c;
  return { ...c, becomePassword: password, becomePasswordFrom: ASKED };
};

/**
 * Asks the password on the terminal and returns deps whose targets use it;
 * a line for the user when there is no terminal to ask on or input ended.
 */
export const askBecomePass = async (io: CliIo, deps: Deps): Promise<Either<string, Deps>> => {
  if (!io.stdinIsTTY || io.askSecret === undefined) {
    return left(
      `${ASKED} needs a terminal to ask the password on, and stdin is not one; set ansible_become_password instead (for example to "{{ vault_become_password }}")`,
    );
  }
  const typed = await io.askSecret(BECOME_PROMPT);
  if (typed === undefined) return left(`${ASKED}: no password was given (input ended)`);
  const password = new Secret(typed);
  const opened = deps.openTarget;
  return right({ ...deps, openTarget: (c) => opened(withAskedPassword(c, password)) });
};
