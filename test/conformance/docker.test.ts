/**
 * @tend/transport-docker passes the conformance suite against a real systemd
 * test host; the host disappears by `docker kill`.
 */
import { dockerTransport } from "@tend/transport-docker";
import { killHost, startHosts, stopHosts } from "../hosts/hosts.js";
import { describeConformance } from "./suite.js";

describeConformance("docker", async () => {
  const [host] = await startHosts(1, { prefix: "conf-docker" });
  if (!host) throw new Error("startHosts returned no host");
  return {
    transport: dockerTransport({ container: host.container, host: host.name }),
    host,
    kill: () => killHost(host),
    dispose: () => stopHosts([host]),
  };
});
