/**
 * A ShellTarget over the Docker transport into one real systemd test host,
 * with helpers that fail loudly: a probe or run that does not succeed throws
 * with the target's error, so a test reads as the promise it checks.
 */
import { type FactOf, type Op, type Probe, type ProbeResult, ShellTarget, type Transport } from "@tend/core";
import { blobStore } from "@tend/core/testing";
import { dockerTransport } from "@tend/transport-docker";
import * as E from "fp-ts/lib/Either.js";
import { execOnHost, startHosts, type TestHost } from "../hosts/hosts.js";

/** One started host and the target that talks to it. */
export interface RealHost {
  readonly host: TestHost;
  readonly transport: Transport;
  readonly target: ShellTarget;
}

/** Starts one systemd test host and opens a ShellTarget over `dockerTransport` into it. */
export const startRealHost = async (prefix: string): Promise<RealHost> => {
  const [host] = await startHosts(1, { prefix });
  if (!host) throw new Error("startHosts returned no host");
  const transport = dockerTransport({ container: host.container, host: host.name });
  return { host, transport, target: new ShellTarget(transport, { timeoutMs: 180_000 }) };
};

/** Answers to `probes` from the target, or throws with its error. */
export const probeAll = async (
  target: ShellTarget,
  probes: readonly Probe[],
): Promise<readonly ProbeResult[]> => {
  const r = await target.probe(probes);
  if (E.isLeft(r)) throw new Error(`probe failed: ${JSON.stringify(r.left)}`);
  return r.right;
};

/** The answer to one probe, typed by the probe's kind. */
export const probeOne = async <P extends Probe>(target: ShellTarget, probe: P): Promise<FactOf[P["type"]]> =>
  (await probeAll(target, [probe]))[0] as FactOf[P["type"]];

/** Runs ops (writeFile contents given as strings or bytes) and throws unless every op completed. */
export const runOk = async (
  target: ShellTarget,
  ops: readonly Op[],
  ...contents: (string | Uint8Array)[]
) => {
  const r = await target.run(ops, blobStore(...contents));
  if (E.isLeft(r)) throw new Error(`run failed: ${JSON.stringify(r.left)}`);
  return r.right;
};

/**
 * Runs `sh -c script` on the host with `docker exec`, beside the transport
 * under test, so a test checks what the target did with other eyes.
 */
export const onHost = async (host: TestHost, script: string, stdin?: Uint8Array): Promise<string> => {
  const r = await execOnHost(host, ["sh", "-c", script], stdin === undefined ? {} : { stdin });
  if (r.code !== 0) throw new Error(`on ${host.name}: ${script} exited ${r.code}: ${r.stderr.toString()}`);
  return r.stdout.toString();
};
