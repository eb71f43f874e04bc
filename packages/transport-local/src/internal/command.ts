/**
 * Helpers shared by exec and upload: the short command description errors
 * carry (never the whole script, which may hold secrets and be long) and the
 * argv that runs a script, with `sudo -n` when escalation is needed.
 */

/** First line of the script, cut to 60 characters: what a TransportError names as `command`. */
export const describeScript = (script: string): string => {
  const first = script.trim().split("\n", 1)[0] ?? "";
  const cut = first.length > 60 ? `${first.slice(0, 57)}...` : first;
  return script.trim().includes("\n") ? `${cut} ...` : cut;
};

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * argv for `sh -c script`. Under sudo the environment is reset by sudo's
 * env_reset, so the variables travel as `env NAME=VALUE` arguments (no shell
 * quoting involved); without sudo they are passed to spawn directly.
 */
export const scriptArgv = (
  script: string,
  env: Readonly<Record<string, string>>,
  sudo: boolean,
): readonly string[] => {
  for (const name of Object.keys(env)) {
    // A bad name is a caller bug, and `env` would take "A B=c" as a command.
    if (!ENV_NAME.test(name))
      throw new TypeError(`invalid environment variable name: ${JSON.stringify(name)}`);
  }
  if (!sudo) return ["sh", "-c", script];
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return ["sudo", "-n", "--", "env", ...assignments, "sh", "-c", SUDO_WRAPPER, "tend", script];
};

/**
 * Runs the script ($1) as a child and, on SIGTERM, kills its whole process
 * group. Needed under sudo: we may not signal root's processes, and sudo
 * relays our SIGTERM only to its command, so without this a timed-out
 * script's children would live on. fd 3 carries stdin past the rule that
 * gives background jobs /dev/null.
 */
export const SUDO_WRAPPER = `exec 3<&0
trap 'kill -KILL 0' TERM
sh -c "$1" <&3 3<&- &
wait $!`;
