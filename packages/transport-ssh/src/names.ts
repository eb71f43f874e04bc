/**
 * @tend/transport-ssh/names: the host-name, IP-literal and user-name grammars
 * a ProxyCommand's `%h` and `%r` must match, without loading ssh2 (the CLI
 * checks inventories with them before anything connects).
 */
export {
  bareAddress,
  hostAddressProblem,
  isHostName,
  isIpLiteral,
  userNameProblem,
} from "./internal/names.js";
