import { describe, expect, it } from "vitest";
import { CONTENT_LIMIT } from "../probe.js";
import { answer, file, type ProbeRow, runProbeRow } from "./table.fixture.js";

const big = "x".repeat(CONTENT_LIMIT + 1);

const rows: ProbeRow[] = [
  // check
  {
    promise: "check true exits 0",
    overrides: {},
    probe: { type: "check", argv: ["true"] },
    expected: { exitCode: 0, stdout: "" },
  },
  {
    promise: "check false exits 1",
    overrides: {},
    probe: { type: "check", argv: ["false"] },
    expected: { exitCode: 1, stdout: "" },
  },
  {
    promise: "test -e follows links and finds a directory",
    overrides: {},
    probe: { type: "check", argv: ["test", "-e", "/bin"] },
    expected: { exitCode: 0, stdout: "" },
  },
  {
    promise: "test -f is false for a directory",
    overrides: {},
    probe: { type: "check", argv: ["/usr/bin/test", "-f", "/etc"] },
    expected: { exitCode: 1, stdout: "" },
  },
  {
    promise: "test -d is true for a directory",
    overrides: {},
    probe: { type: "check", argv: ["test", "-d", "/etc"] },
    expected: { exitCode: 0, stdout: "" },
  },
  {
    promise: "cat prints a file",
    overrides: { files: { "/etc/v": file("value\n") } },
    probe: { type: "check", argv: ["cat", "/etc/v"] },
    expected: { exitCode: 0, stdout: "value\n" },
  },
  {
    promise: "cat of a missing file exits 1 with no stdout",
    overrides: {},
    probe: { type: "check", argv: ["cat", "/etc/v"] },
    expected: { exitCode: 1, stdout: "" },
  },
  {
    promise: "grep -qx matches a whole line literally",
    overrides: { files: { "/etc/f": file("a.b\nc\n") } },
    probe: { type: "check", argv: ["grep", "-qx", "a.b", "/etc/f"] },
    expected: { exitCode: 0, stdout: "" },
  },
  {
    promise: "grep -qx does not match a part of a line",
    overrides: { files: { "/etc/f": file("abc\n") } },
    probe: { type: "check", argv: ["grep", "-qx", "ab", "/etc/f"] },
    expected: { exitCode: 1, stdout: "" },
  },
  {
    promise: "grep -qx on a missing file exits 2",
    overrides: {},
    probe: { type: "check", argv: ["grep", "-qx", "a", "/etc/f"] },
    expected: { exitCode: 2, stdout: "" },
  },
  {
    promise: "any other command exits 127 with empty stdout",
    overrides: {},
    probe: { type: "check", argv: ["etcdctl", "get", "/k"] },
    expected: { exitCode: 127, stdout: "" },
  },
  {
    promise: "touch is not available to a check (a probe never changes the host)",
    overrides: {},
    probe: { type: "check", argv: ["touch", "/etc/x"] },
    expected: { exitCode: 127, stdout: "" },
  },
];

describe("SimHost check probes", () => {
  it.each(rows)("$promise", runProbeRow);

  it("a check's stdout is capped at CONTENT_LIMIT bytes", async () => {
    const r = await answer(
      { files: { "/etc/big": file(big) } },
      { type: "check", argv: ["cat", "/etc/big"] },
    );
    expect(r).toEqual({ exitCode: 0, stdout: big.slice(0, CONTENT_LIMIT) });
  });
});
