/**
 * What a failed become says to the person at the terminal: what happened
 * and what to set, in the inventory's own variable names. The password is
 * never part of any message (BecomeFailed carries none, and the connection's
 * password is a Secret).
 */
import {
  describeTargetError,
  describeTransportError,
  type TargetError,
  type TransportError,
} from "@tend/core";
import type { Connection } from "./connect.js";

type BecomeFailed = Extract<TransportError, { _tag: "BecomeFailed" }>;

/** Where a connection's become password came from, for the advice after a wrong one. */
export const ASKED = "--ask-become-pass";

/**
 * The variable a wrong password came from. A connection as the inventory
 * gave it (the one hosts.ts holds) without a password of its own got the
 * one --ask-become-pass asked for: a password was given, or sudo could not
 * have found it wrong.
 */
const whereFrom = (c: Connection | undefined): string | undefined =>
  c === undefined || c.type === "docker" ? undefined : (c.becomePasswordFrom ?? ASKED);

/**
 * One line for a refused become: "sudo on worker1 needs a password: set
 * ansible_become_password or use --ask-become-pass"; "sudo on worker1:
 * incorrect password (ansible_become_password)"; "su to postgres on worker1
 * refused: <su's words>: check …".
 */
export const describeBecomeFailed = (e: BecomeFailed, c?: Connection): string => {
  const who = `${e.method}${e.user === "root" ? "" : ` to ${e.user}`} on ${e.host}`;
  const login = c?.type === "ssh" ? c.username : "this user";
  switch (e.problem) {
    case "password-required":
      return `${who} needs a password: set ansible_become_password or use ${ASKED}`;
    case "wrong-password": {
      const from = whereFrom(c);
      return `${who}: incorrect password (${from ?? "ansible_become_password"})`;
    }
    case "refused": {
      const detail = e.detail
        .trim()
        .split(/\r?\n/)
        .filter((l) => l.trim() !== "")
        .join("; ");
      return `${who} refused${detail ? `: ${detail}` : ""}: check that ${login} may ${e.method} to ${e.user} there (ansible_become_user, ansible_become_method)`;
    }
  }
};

/** A transport error for people: a refused become with its advice, anything else as core says it. */
export const describeTransportFailure = (e: TransportError, c?: Connection): string =>
  e._tag === "BecomeFailed" ? describeBecomeFailed(e, c) : describeTransportError(e);

/** A target error for people: a refused become with its advice, anything else as core says it. */
export const describeHostFailure = (e: TargetError, c?: Connection): string =>
  e._tag === "Transport" && e.error._tag === "BecomeFailed"
    ? describeBecomeFailed(e.error, c)
    : describeTargetError(e);
