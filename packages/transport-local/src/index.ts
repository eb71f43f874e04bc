/**
 * @tend/transport-local: the Transport for the machine tend runs on
 * (`tend --local`, `ansible_connection: local`).
 */
export { connectLocal, type LocalTransportOptions, localTransport } from "./internal/local-transport.js";
