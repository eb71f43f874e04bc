/**
 * Helpers shared by exec and upload: the short command description errors
 * carry (never the whole script, which may hold secrets and be long) and the
 * argv that runs a script, through sudo or su when escalation is needed.
 */
import { type BecomeSpec, type BecomeTokens, becomeArgv } from "@tend/core/become";

/** First line of the script, cut to 60 characters: what a TransportError names as `command`. */
export const describeScript = (script: string): string => {
  const first = script.trim().split("\n", 1)[0] ?? "";
  const cut = first.length > 60 ? `${first.slice(0, 57)}...` : first;
  return script.trim().includes("\n") ? `${cut} ...` : cut;
};

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * argv for `sh -c script`. Escalated (`become` given) the script runs through
 * core's become argv (sudo or su, then its handshake wrapper), then
 * `env NAME=VALUE ... sh -c SUDO_WRAPPER tend SCRIPT`: sudo's env_reset and
 * su would drop the environment, so the variables travel as `env` arguments
 * (no shell quoting involved). Unescalated they are passed to spawn directly.
 */
export const scriptArgv = (
  script: string,
  env: Readonly<Record<string, string>>,
  become?: { readonly spec: BecomeSpec; readonly tokens: BecomeTokens },
): readonly string[] => {
  for (const name of Object.keys(env)) {
    // A bad name is a caller bug, and `env` would take "A B=c" as a command.
    if (!ENV_NAME.test(name))
      throw new TypeError(`invalid environment variable name: ${JSON.stringify(name)}`);
  }
  if (become === undefined) return ["sh", "-c", script];
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const inner = ["env", ...assignments, "sh", "-c", SUDO_WRAPPER, "tend", script];
  return becomeArgv(become.spec, become.tokens, inner);
};

/**
 * Runs the script ($1) as a child and, on SIGTERM, kills its whole process
 * group. Needed under sudo or su: we may not signal the become user's
 * processes, and sudo relays our SIGTERM only to its command, so without this a timed-out
 * script's children would live on. fd 3 carries stdin past the rule that
 * gives background jobs /dev/null.
 */
export const SUDO_WRAPPER = `exec 3<&0
trap 'kill -KILL 0' TERM
sh -c "$1" <&3 3<&- &
wait $!`;
