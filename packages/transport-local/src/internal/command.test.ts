/**
 * How a script becomes argv: plain `sh -c` unescalated, core's become argv
 * (`sudo -n -u root -- …` here) then `env ... sh -c` otherwise, with variables as separate arguments (sudo resets the
 * environment, and arguments need no quoting).
 */
import { becomeArgv, becomeTokens } from "@tend/core/become";
import { describe, expect, it } from "vitest";
import { describeScript, SUDO_WRAPPER, scriptArgv } from "./command.js";

const become = {
  spec: { method: "sudo", user: "root", withPassword: false },
  tokens: becomeTokens("0123456789abcdef"),
} as const;

describe("scriptArgv", () => {
  it("runs sh -c with the script as one argument when no escalation is needed", () => {
    expect(scriptArgv("echo 'a b'", { X: "1" })).toEqual(["sh", "-c", "echo 'a b'"]);
  });

  it("escalates through core's become argv with each variable as one env argument, values untouched", () => {
    const inner = ["env", "A=x y", "B=$(z)\n'q'", "sh", "-c", SUDO_WRAPPER, "tend", "true"];
    expect(scriptArgv("true", { A: "x y", B: "$(z)\n'q'" }, become)).toEqual(
      becomeArgv(become.spec, become.tokens, inner),
    );
    expect(scriptArgv("true", {}, become).slice(0, 7)).toEqual([
      "env",
      "LC_ALL=C",
      "sudo",
      "-n",
      "-u",
      "root",
      "--",
    ]);
  });

  it("rejects variable names that env would read as a command or an option", () => {
    expect(() => scriptArgv("true", { "A B": "1" }, become)).toThrow(TypeError);
    expect(() => scriptArgv("true", { "-i": "1" })).toThrow(TypeError);
  });
});

describe("describeScript", () => {
  it("names a command by its first line, cut to 60 characters, never the whole script", () => {
    expect(describeScript("systemctl restart kubelet")).toBe("systemctl restart kubelet");
    expect(describeScript("set -e\nsecret=hunter2")).toBe("set -e ...");
    expect(describeScript("x".repeat(100))).toHaveLength(60);
  });
});
