/**
 * How a script becomes argv: plain `sh -c` as root, `sudo -n -- env ... sh -c`
 * otherwise, with variables as separate arguments (sudo resets the
 * environment, and arguments need no quoting).
 */
import { describe, expect, it } from "vitest";
import { describeScript, SUDO_WRAPPER, scriptArgv } from "./command.js";

describe("scriptArgv", () => {
  it("runs sh -c with the script as one argument when no sudo is needed", () => {
    expect(scriptArgv("echo 'a b'", { X: "1" }, false)).toEqual(["sh", "-c", "echo 'a b'"]);
  });

  it("runs through sudo -n with each variable as one env argument, values untouched", () => {
    expect(scriptArgv("true", { A: "x y", B: "$(z)\n'q'" }, true)).toEqual([
      "sudo",
      "-n",
      "--",
      "env",
      "A=x y",
      "B=$(z)\n'q'",
      "sh",
      "-c",
      SUDO_WRAPPER,
      "tend",
      "true",
    ]);
  });

  it("rejects variable names that env would read as a command or an option", () => {
    expect(() => scriptArgv("true", { "A B": "1" }, true)).toThrow(TypeError);
    expect(() => scriptArgv("true", { "-i": "1" }, false)).toThrow(TypeError);
  });
});

describe("describeScript", () => {
  it("names a command by its first line, cut to 60 characters, never the whole script", () => {
    expect(describeScript("systemctl restart kubelet")).toBe("systemctl restart kubelet");
    expect(describeScript("set -e\nsecret=hunter2")).toBe("set -e ...");
    expect(describeScript("x".repeat(100))).toHaveLength(60);
  });
});
