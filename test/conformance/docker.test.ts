/**
 * @tend/transport-docker passes the conformance suite against a real systemd
 * test host (the host disappears by `docker kill`), and tells a missing
 * engine, a missing container and a stopped one apart from a script's exit.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Transport } from "@tend/core";
import { dockerTransport } from "@tend/transport-docker";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker } from "../hosts/docker-cli.js";
import { IMAGE, killHost, startHosts, stopHosts, type TestHost } from "../hosts/hosts.js";
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

describe("docker transport failures", () => {
  let host: TestHost;
  beforeAll(async () => {
    const [h] = await startHosts(1, { prefix: "docker-fail" });
    if (!h) throw new Error("startHosts returned no host");
    host = h;
  });
  afterAll(() => stopHosts(host ? [host] : []));
  const tag = async (t: Transport) => {
    const r = await t.exec({ script: "true" });
    return E.isLeft(r) ? { tag: r.left._tag, host: r.left.host } : { tag: "Right", host: t.host };
  };

  it("reports ConnectFailed naming the host when the engine socket does not exist", async () => {
    const t = dockerTransport({
      container: host.container,
      host: "w1",
      socketPath: "/nonexistent/docker.sock",
    });
    expect(await tag(t)).toEqual({ tag: "ConnectFailed", host: "w1" });
    const up = await t.upload("/tmp/x", new Uint8Array([1]), 0o644);
    expect(E.isLeft(up) && up.left).toMatchObject({ _tag: "ConnectFailed", host: "w1" });
  });

  it("keeps timeoutMs when the engine accepts the connection and never answers", async () => {
    // A socket that is listened on but never replies is what a stalled engine looks like.
    const dir = await mkdtemp(join(tmpdir(), "tend-stalled-"));
    const held: Socket[] = [];
    const server = createServer((c) => held.push(c));
    await new Promise<void>((r) => server.listen(join(dir, "docker.sock"), r));
    try {
      const t = dockerTransport({
        container: host.container,
        host: "w6",
        socketPath: join(dir, "docker.sock"),
      });
      const started = Date.now();
      const r = await t.exec({ script: "true", timeoutMs: 1000 });
      expect(E.isLeft(r) && r.left).toMatchObject({ _tag: "Timeout", host: "w6", afterMs: 1000 });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      for (const c of held) c.destroy();
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reports ConnectFailed naming the host for a container that does not exist", async () => {
    const t = dockerTransport({ container: `${host.container}-absent`, host: "w2" });
    expect(await tag(t)).toEqual({ tag: "ConnectFailed", host: "w2" });
  });

  it("gives a script killed by a signal in a healthy container its exit code 128+n, not ConnectionLost", async () => {
    const t = dockerTransport({ container: host.container, host: "w3" });
    const r = await t.exec({ script: "kill -KILL $$" });
    expect(E.isRight(r) && r.right.exitCode).toBe(137);
  });

  it("runs scripts as root even in a container whose default user is not root", async () => {
    const name = `${host.container}-nobody`;
    await docker([
      "run",
      "-d",
      "--name",
      name,
      "--network",
      "none",
      "-u",
      "65534:65534",
      IMAGE,
      "sleep",
      "300",
    ]);
    try {
      const t = dockerTransport({ container: name, host: "w5" });
      const r = await t.exec({ script: "id -u" });
      expect(E.isRight(r) && Buffer.from(r.right.stdout).toString()).toBe("0\n");
      expect(await t.upload("/root/x", new Uint8Array([7]), 0o600)).toEqual(E.right(undefined));
    } finally {
      await docker(["rm", "-f", name]);
    }
  });

  it("reports ConnectFailed for exec and upload once the container has stopped", async () => {
    const t = dockerTransport({ container: host.container, host: "w4" });
    expect(await tag(t)).toEqual({ tag: "Right", host: "w4" });
    await killHost(host);
    expect(await tag(t)).toEqual({ tag: "ConnectFailed", host: "w4" });
    const up = await t.upload("/tmp/x", new Uint8Array([1]), 0o644);
    expect(E.isLeft(up) && up.left).toMatchObject({ _tag: "ConnectFailed", host: "w4" });
  });
});
