/**
 * `tend apply` and the host lock: --lock-timeout is validated before any
 * host is contacted, and two applies on one host never both run.
 */
import { describe, expect, it } from "vitest";
import { main } from "./index.js";
import { parseDuration } from "./internal/commands/apply.js";
import { fileOn, inventoryFile, recordingIo, simDeps, simHost } from "./test-support.js";

const ONE_HOST = "all:\n  children:\n    k8s_worker:\n      hosts:\n        w1:\n          motd: hi w1\n";

describe("tend apply --lock-timeout", () => {
  it.each(["30", "2 m", "-1s", "1d", "abc", "", "1e3s", "25h"])(
    "refuses %j as a duration before any host is contacted, naming the option",
    async (bad) => {
      const w1 = simHost("w1");
      const io = recordingIo();
      const code = await main(
        ["apply", "-i", inventoryFile("hosts.yml", ONE_HOST), "--yes", "--lock-timeout", bad],
        io,
        simDeps({ w1 }),
      );
      expect(code).toBe(1);
      expect(io.err()).toContain(`--lock-timeout: ${JSON.stringify(bad)} is not a duration`);
      expect(w1.roundTrips).toBe(0);
    },
  );

  it("reads a number and a unit as milliseconds", () => {
    expect(["500ms", "30s", "2m", "1.5h"].map((t) => parseDuration("--lock-timeout", t))).toEqual([
      { ms: 500 },
      { ms: 30_000 },
      { ms: 120_000 },
      { ms: 5_400_000 },
    ]);
  });

  it("two concurrent applies on one host: exactly one runs, the other exits 1 naming the holder (this controller and pid)", async () => {
    const w1 = simHost("w1");
    const inv = inventoryFile("hosts.yml", ONE_HOST);
    const [a, b] = [recordingIo(), recordingIo()];
    const codes = await Promise.all([
      main(["apply", "-i", inv, "--yes"], a, simDeps({ w1 })),
      main(["apply", "-i", inv, "--yes"], b, simDeps({ w1 })),
    ]);
    expect(codes.sort()).toEqual([0, 1]);
    const loser = [a, b].find((io) => io.out().includes("another apply holds the lock"));
    expect(loser).toBeDefined();
    expect(loser?.out()).toMatch(
      new RegExp(`w1: another apply holds the lock: controller \\S+ pid ${process.pid} since `),
    );
    expect(w1.opLog.filter((o) => o.op === "writeFile")).toHaveLength(1);
    expect(fileOn(w1, "/etc/motd")).toBe("hi w1\n");
  });

  it("with --lock-timeout the second apply waits for the first, then refuses its plan as stale", async () => {
    const w1 = simHost("w1");
    const inv = inventoryFile("hosts.yml", ONE_HOST);
    const [a, b] = [recordingIo(), recordingIo()];
    const codes = await Promise.all([
      main(["apply", "-i", inv, "--yes"], a, simDeps({ w1 })),
      main(["apply", "-i", inv, "--yes", "--lock-timeout", "30s"], b, simDeps({ w1 })),
    ]);
    expect(codes).toEqual([0, 1]);
    expect(b.out()).toContain("changed since this plan was made");
    expect(w1.opLog.filter((o) => o.op === "writeFile")).toHaveLength(1);
  });
});
