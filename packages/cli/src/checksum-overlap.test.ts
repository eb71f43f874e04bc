/**
 * The checksum files a plan needs depend on variables only, so they are
 * fetched while the hosts connect, not after: a slow SSH handshake and a
 * slow mirror cost the longer of the two, not their sum.
 */
import { describe, expect, it } from "vitest";
import { main } from "./index.js";
import type { Connection } from "./internal/connect.js";
import { inventoryFile, motdModules, recordingIo, simDeps, simHost } from "./test-support.js";

const URL_ = "http://mirror.test/kubelet.sha256";

describe("checksum files and connections", () => {
  it("the checksum fetch starts before any host has connected", async () => {
    let fetchStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      fetchStarted = resolve;
    });
    const base = simDeps({ w1: simHost("w1") }, motdModules({ checksumUrls: () => [URL_] }));
    const deps = {
      ...base,
      // A connection that completes only once the fetch is under way: were the fetch
      // to wait for the connections, the plan would never finish.
      openTarget: async (c: Connection) => {
        await started;
        return base.openTarget(c);
      },
      fetch: async () => {
        fetchStarted();
        return new Response(`${"ab".repeat(32)}  kubelet\n`);
      },
    };
    const io = recordingIo();
    const code = await main(["plan", "-i", inventoryFile("hosts.ini", "[k8s_worker]\nw1\n")], io, deps);
    expect(io.err()).not.toContain("cannot use");
    expect(code).toBe(0);
  });

  it("a checksum url that only an unreachable host needs is not reported", async () => {
    const base = simDeps(
      { w1: simHost("w1") },
      motdModules({ checksumUrls: (_vars, groups) => (groups.includes("b") ? [URL_] : []) }),
    );
    const deps = { ...base, fetch: async () => new Response("not found", { status: 404 }) };
    const io = recordingIo();
    await main(["plan", "-i", inventoryFile("hosts.ini", "[a]\nw1\n[b]\nw2\n")], io, deps);
    expect(io.err()).toContain("connection refused");
    expect(io.err()).not.toContain(URL_);
  });
});
