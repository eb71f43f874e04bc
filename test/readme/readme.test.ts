/**
 * The README's library example runs as written and converges: `sim.ts`
 * against SimHost, `main.ts` over SSH against a real systemd test host (only
 * the connection's route and key are the test host's; the example's code is
 * the README's). A second run plans nothing.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Target } from "@tend/core";
import { SimHost } from "@tend/core/testing";
import { commandSocket, type SshTransportOptions } from "@tend/transport-ssh";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  execOnHost,
  installAuthorizedKey,
  type KeyPair,
  makeKeyPair,
  sshdCommand,
  startHosts,
  stopHosts,
  type TestHost,
} from "../hosts/hosts.js";
import { writeReadmeBlocks } from "./blocks.js";

/** What the test host needs on top of the README's options: its route, key and a fresh known_hosts. */
const ssh = vi.hoisted(() => ({ override: undefined as Partial<SshTransportOptions> | undefined }));

vi.mock("@tend/transport-ssh", async (importOriginal) => {
  const real = await importOriginal<typeof import("@tend/transport-ssh")>();
  return {
    ...real,
    connectSsh: (options: SshTransportOptions) => real.connectSsh({ ...options, ...ssh.override }),
  };
});

/** Runs `f` and returns what it printed with console.log, one string per call. */
const printed = async (f: () => Promise<unknown>): Promise<string[]> => {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  });
  try {
    await f();
  } finally {
    spy.mockRestore();
  }
  return lines;
};

/** A fresh stream to the host's sshd in inetd mode (one per connection). */
const sshdSocket = (host: TestHost) => {
  const [file, ...args] = sshdCommand(host);
  if (file === undefined) throw new Error("sshdCommand returned no argv");
  return commandSocket([file, ...args]);
};

type ConvergeModule = { converge(target: Target): Promise<boolean> };

describe("README: the library example", () => {
  let blocks: Awaited<ReturnType<typeof writeReadmeBlocks>>;
  beforeAll(async () => {
    blocks = await writeReadmeBlocks();
  });
  afterAll(async () => {
    await blocks?.dispose();
  });

  const load = (name: string): Promise<unknown> => import(pathToFileURL(join(blocks.dir, name)).href);

  it("names every ts block, and has converge.ts, main.ts and sim.ts", () => {
    expect(blocks.blocks.map((b) => b.name).sort()).toEqual(["converge.ts", "main.ts", "sim.ts"]);
  });

  it("sim.ts plans the service, applies it and prints converged", async () => {
    const out = await printed(() => load("sim.ts"));
    const text = out.join("\n");
    expect(text).toContain("service[demo]");
    expect(text).toMatch(/applied \d+ ops; converged/);
    expect(out.at(-1)).toBe("converged");
  });

  it("converges a SimHost, and a second run of the example plans nothing", async () => {
    const { converge } = (await load("converge.ts")) as ConvergeModule;
    const host = new SimHost();
    expect(await printed(() => converge(host))).toContainEqual(expect.stringMatching(/converged/));
    const again = await printed(async () => expect(await converge(host)).toBe(true));
    expect(again.join("\n")).toMatch(/no changes; converged/);
    const conf = host.state.files["/etc/demo/app.conf"];
    expect(conf?.type === "file" && Buffer.from(conf.content, "base64").toString()).toBe("port = 8080\n");
  });

  describe("main.ts on a real systemd host over SSH", () => {
    let host: TestHost;
    let key: KeyPair;
    let dir: string;
    beforeAll(async () => {
      const started = await startHosts(1, { prefix: "readme" });
      if (!started[0]) throw new Error("startHosts returned no host");
      host = started[0];
      key = await makeKeyPair();
      dir = await mkdtemp(join(tmpdir(), "tend-readme-"));
      await installAuthorizedKey(host, key.publicKey);
      ssh.override = {
        privateKeyPath: key.privateKeyPath,
        knownHostsPath: join(dir, "known_hosts"),
        hostKeyPolicy: "accept-new",
        sock: sshdSocket(host),
      };
    });
    afterAll(async () => {
      ssh.override = undefined;
      if (host) await stopHosts([host]);
      await key?.dispose();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("converges: the service runs with its config, and a second plan is empty", async () => {
      const out = await printed(() => load("main.ts"));
      expect(out.at(-1), out.join("\n")).toBe("converged");
      const active = await execOnHost(host, ["systemctl", "is-active", "demo.service"]);
      expect(active.stdout.toString().trim()).toBe("active");
      const conf = await execOnHost(host, ["cat", "/etc/demo/app.conf"]);
      expect(conf.stdout.toString()).toBe("port = 8080\n");

      ssh.override = { ...ssh.override, sock: sshdSocket(host) };
      const { converge } = (await load("converge.ts")) as ConvergeModule;
      const { connectSsh } = await import("@tend/transport-ssh");
      const { ShellTarget } = await import("@tend/core");
      const conn = await connectSsh({ host: "worker1", username: "root" });
      if (conn._tag === "Left") throw new Error(JSON.stringify(conn.left));
      const target = new ShellTarget(conn.right);
      try {
        const again = await printed(async () => expect(await converge(target)).toBe(true));
        expect(again.join("\n")).toMatch(/no changes; converged/);
      } finally {
        await target.close();
      }
    });
  });
});
