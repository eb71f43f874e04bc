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

  it("an apply while another holds the host's lock exits 1 naming the holder, and changes nothing", async () => {
    const w1 = simHost("w1");
    const release = w1.holdLock({ controller: "ci-7", pid: 4242 });
    const io = recordingIo();
    const code = await main(
      ["apply", "-i", inventoryFile("hosts.yml", ONE_HOST), "--yes"],
      io,
      simDeps({ w1 }),
    );
    release();
    expect(code).toBe(1);
    expect(io.out()).toMatch(/w1: another apply holds the lock: controller ci-7 pid 4242 since \d{4}-/);
    expect(w1.opLog).toEqual([]);
  });

  it("two concurrent applies on one host: exactly one runs", async () => {
    const w1 = simHost("w1");
    const inv = inventoryFile("hosts.yml", ONE_HOST);
    const codes = await Promise.all([
      main(["apply", "-i", inv, "--yes"], recordingIo(), simDeps({ w1 })),
      main(["apply", "-i", inv, "--yes"], recordingIo(), simDeps({ w1 })),
    ]);
    // The other was refused (lock held, or its plan stale once the first ran) or found nothing to do.
    expect(codes).toContain(0);
    expect(w1.opLog.filter((o) => o.op === "writeFile")).toHaveLength(1);
    expect(fileOn(w1, "/etc/motd")).toBe("hi w1\n");
  });

  it("with --lock-timeout an apply waits for the holder to let go, then applies", async () => {
    const w1 = simHost("w1");
    const release = w1.holdLock({ controller: "ci-7", pid: 4242 });
    const io = recordingIo();
    const applying = main(
      ["apply", "-i", inventoryFile("hosts.yml", ONE_HOST), "--yes", "--lock-timeout", "30s"],
      io,
      simDeps({ w1 }),
    );
    // Let go only once the apply is waiting for the lock.
    while (!w1.opLog.length && !io.out().includes("Plan:")) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    expect(w1.opLog).toEqual([]);
    release();
    expect(await applying).toBe(0);
    expect(fileOn(w1, "/etc/motd")).toBe("hi w1\n");
  });
});
