/**
 * @tend/transport-docker: the Transport into a running container over the
 * Docker Engine API (`ansible_connection: docker`).
 */
export { connectDocker, type DockerTransportOptions, dockerTransport } from "./internal/docker-transport.js";
