import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { decodePlan } from "@tend/core";
import { describe, expect, it } from "vitest";
import { main } from "./index.js";
import { inventoryFile, recordingIo, simDeps, simHost, tempDir } from "./test-support.js";

const INVENTORY =
  "all:\n  children:\n    k8s_worker:\n      hosts:\n        w1:\n          motd: <b>hi</b>\n";

describe("tend plan --html FILE", () => {
  it("writes the page owner-only beside the text plan, names it, and changes nothing", async () => {
    const w1 = simHost("w1");
    const file = join(tempDir("html-"), "plan.html");
    const io = recordingIo();
    const code = await main(
      ["plan", "-i", inventoryFile("hosts.yml", INVENTORY), "--html", file],
      io,
      simDeps({ w1 }),
    );
    expect(code).toBe(0);
    expect(io.out()).toContain("file[/etc/motd]");
    expect(io.out()).toContain(`Wrote the plan page to ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const page = readFileSync(file, "utf8");
    expect(page.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(page).toContain('data-id="file[/etc/motd]"');
    expect(page).toContain("+ &lt;b&gt;hi&lt;/b&gt;");
    expect(w1.opLog).toEqual([]);
  });

  it("keeps stdout pure JSON with --json: the note goes to stderr", async () => {
    const file = join(tempDir("html-"), "plan.html");
    const io = recordingIo();
    const code = await main(
      ["plan", "-i", inventoryFile("hosts.yml", INVENTORY), "--json", "--html", file],
      io,
      simDeps({ w1: simHost("w1") }),
    );
    expect(code).toBe(0);
    expect(decodePlan(io.out())._tag).toBe("Right");
    expect(io.err()).toContain(`Wrote the plan page to ${file}`);
  });

  it("fails with exit 1 naming the file when the page cannot be written", async () => {
    const file = join(tempDir("html-"), "no-such-dir", "plan.html");
    const io = recordingIo();
    const code = await main(
      ["plan", "-i", inventoryFile("hosts.yml", INVENTORY), "--html", file],
      io,
      simDeps({ w1: simHost("w1") }),
    );
    expect(code).toBe(1);
    expect(io.err()).toContain(`cannot write the plan page to ${file}`);
  });
});
