import { describe, expect, it } from "vitest";
import { recordingIo } from "../test-support.js";
import { Progress } from "./progress.js";

describe("progress on stderr off a terminal: one line per host state change", () => {
  it("repeats of a state print nothing; each change prints one line", () => {
    const io = recordingIo();
    const p = new Progress(io, false);
    p.state("w1", "connecting");
    p.state("w1", "connecting");
    p.state("w2", "connecting");
    p.state("w1", "gathering facts");
    p.done("w1", true, "no changes");
    expect(io.err()).toBe("w1: connecting…\nw2: connecting…\nw1: gathering facts…\nw1: no changes\n");
    expect(io.out()).toBe("");
  });

  it("the download bar is drawn on a terminal only, and cleared before the next line", () => {
    const plain = recordingIo({ tty: false });
    new Progress(plain, false).bar("kubelet", 10, 100);
    expect(plain.err()).toBe("");

    const tty = recordingIo({ tty: true });
    const p = new Progress(tty, false);
    p.bar("kubelet", 50 * 1048576, 100 * 1048576);
    p.note("a note");
    expect(tty.err()).toContain("[############------------] 50.0 MiB/100.0 MiB kubelet");
    expect(tty.err().endsWith("\r\u001b[Ka note\n")).toBe(true);
  });
});

describe("progress on a terminal: one redrawn status line, a line of its own only for a failure", () => {
  const run = (hosts: number, failing: ReadonlySet<number>) => {
    const io = recordingIo({ tty: true });
    const p = new Progress(io, false);
    for (let i = 0; i < hosts; i++) p.state(`h${i}`, "connecting");
    for (let i = 0; i < hosts; i++) p.state(`h${i}`, "planning");
    for (let i = 0; i < hosts; i++)
      p.done(`h${i}`, !failing.has(i), failing.has(i) ? `failed: disk full on h${i}` : "no changes");
    p.clear();
    return io.err();
  };

  it("a thousand hosts print no line but the failures, each with its reason", () => {
    const err = run(1000, new Set([7, 500]));
    const lines = err.split("\n").filter((l) => l !== "");
    expect(err.split("\n")).toHaveLength(3);
    expect(lines[0]).toContain("h7: failed: disk full on h7");
    expect(lines[1]).toContain("h500: failed: disk full on h500");
  });

  it("the status line counts every host, and is gone once cleared", () => {
    const err = run(3, new Set([1]));
    // The first status line is drawn at once; the failure redraws it with the counts.
    expect(err).toContain("3 hosts: 1 done, 1 failed");
    expect(err.endsWith("\r\u001b[K")).toBe(true);
  });

  it("an error printed by a command starts on a line of its own, not after the status line", async () => {
    const { main } = await import("../index.js");
    const { inventoryFile, simDeps, simHost, tempDir } = await import("../test-support.js");
    const inv = inventoryFile("hosts.ini", "[a]\nw1\nw2\n");
    const planFile = `${tempDir("plan-")}/plan.json`;
    const both = { w1: simHost("w1"), w2: simHost("w2") };
    expect(await main(["plan", "-i", inv, "--out", planFile], recordingIo(), simDeps(both))).toBe(0);
    // Applying the saved plan, w2 cannot be reached: its error is printed right after connecting,
    // while a terminal shows the status line.
    const io = recordingIo({ tty: true });
    await main(["apply", planFile, "-i", inv, "--yes"], io, simDeps({ w1: both.w1 }));
    const err = io.err();
    const at = err.indexOf("error: w2: cannot connect");
    expect(at).toBeGreaterThan(0);
    const before = err.slice(0, at);
    expect(before.endsWith("\r\u001b[K") || before.endsWith("\n")).toBe(true);
  });
});

describe("each host is timed from its first state of a phase to its outcome (a stepped clock, not real time)", () => {
  it("lap() gives the finished hosts' times and starts the next phase afresh", () => {
    let t = 0;
    const p = new Progress(recordingIo(), false, () => t);
    p.state("w1", "connecting");
    t = 10;
    p.state("w2", "connecting");
    p.state("w1", "planning");
    t = 30;
    p.done("w1", true, "1 to do");
    p.done("w2", false, "failed");
    // w3 never showed a state (its connection variables were bad): timed from the phase's start.
    p.done("w3", false, "failed");
    expect(p.lap()).toEqual(
      new Map([
        ["w1", 30],
        ["w2", 20],
        ["w3", 30],
      ]),
    );
    t = 100;
    p.state("w1", "applying");
    t = 105;
    p.done("w1", true, "applied");
    expect(p.lap()).toEqual(new Map([["w1", 5]]));
    expect(p.lap()).toEqual(new Map());
  });
});
