/**
 * @tend/transport-ssh: the Transport over SSH (ssh2). One connection per
 * host, every command a channel on it; host keys checked against
 * known_hosts; ProxyCommand, a ready socket, or a jump host as the route.
 */

export {
  becomeSpecOf,
  buildCommand,
  type CommandContext,
  shellJoin,
  shellQuote,
  uploadScript,
} from "./internal/command.js";
export {
  authFailed,
  becomeFailed,
  connectFailed,
  connectionLost,
  hostKeyRejected,
  nonZeroExit,
  timedOut,
} from "./internal/errors.js";
export {
  bareAddress,
  hostAddressProblem,
  isHostName,
  isIpLiteral,
  userNameProblem,
} from "./internal/names.js";
export type { HostKeyPolicy, SshTransport, SshTransportOptions } from "./internal/options.js";
export {
  ChildSocket,
  commandSocket,
  expandProxyCommand,
  type ProxyCommandRefused,
  type ProxyTokens,
} from "./internal/socket.js";
export { connectSsh, sshTransport } from "./internal/transport.js";
