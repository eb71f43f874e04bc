/**
 * Privilege escalation (sudo, su) as pure data for the transports: argv,
 * wrapper and the handshake state machine. See README.md beside this file.
 */

export {
  BECOME_WRAPPER,
  type BecomeRefusal,
  type BecomeSpec,
  type BecomeTokens,
  becomeArgv,
  becomeGated,
  becomeRefusal,
  becomeTokens,
} from "./argv.js";
export { type BecomeEvent, BecomeHandshake } from "./handshake.js";

/** How long a transport waits for the marker before it fails the command with BecomeFailed refused. */
export const BECOME_ANSWER_TIMEOUT_MS = 60_000;
