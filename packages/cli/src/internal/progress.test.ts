import { describe, expect, it } from "vitest";
import { recordingIo } from "../test-support.js";
import { Progress } from "./progress.js";

describe("progress on stderr: one line per host state change", () => {
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
    p.state("w1", "planning");
    expect(tty.err()).toContain("[############------------] 50.0 MiB/100.0 MiB kubelet");
    expect(tty.err().endsWith("\r\u001b[Kw1: planning…\n")).toBe(true);
  });
});
