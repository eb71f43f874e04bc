/**
 * @tend/core/become: privilege escalation (sudo, su) as pure data for the
 * transports: argv, the handshake wrapper and its state machine. A subpath of
 * its own so a transport can run it without the engine's dependencies.
 */
export * from "./internal/become/index.js";
