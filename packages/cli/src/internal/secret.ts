/**
 * A value that must never be printed: the become password. It shows as
 * `(secret)` in every way a value gets printed by accident (String(),
 * template strings, JSON.stringify, console.log / util.inspect), and only
 * `reveal()` gives the text, at the one place that hands it to a transport.
 */
import { inspect } from "node:util";

const HIDDEN = "(secret)";

/** A secret string; compare with `equals`, pass on with `reveal`. */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The text itself: only for handing it to a transport. */
  reveal(): string {
    return this.#value;
  }

  /** Whether two secrets hold the same text (for tests and de-duplication). */
  equals(other: Secret): boolean {
    return other.#value === this.#value;
  }

  toString(): string {
    return HIDDEN;
  }

  toJSON(): string {
    return HIDDEN;
  }

  [inspect.custom](): string {
    return HIDDEN;
  }
}

/**
 * Whether text a message would quote may hold a secret: it names a password,
 * token or vault variable (a malformed line such as
 * `ansible_become_password hunter2`). Such text is described, not quoted.
 */
export const looksSecret = (text: string): boolean => /pass|secret|token|vault|credential/i.test(text);
