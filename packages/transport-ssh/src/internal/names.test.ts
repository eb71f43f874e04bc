import { describe, expect, it } from "vitest";
import { bareAddress, hostAddressProblem, userNameProblem } from "./names.js";

describe("host addresses: RFC 1123 host names or IP literals", () => {
  it.each([
    "worker1",
    "worker1.example.net",
    "worker1.example.net.",
    "a-b.c_d",
    "10.0.0.1",
    "::1",
    "[fd00::1]",
    "fe80::1%eth0",
    `${"a".repeat(63)}.example`,
  ])("accepts %s", (s) => {
    expect(hostAddressProblem(s)).toBeUndefined();
  });

  it.each([
    "",
    "-oProxyCommand=x",
    "w1 w2",
    "10.0.0.1$(touch x)",
    "a..b",
    ".a",
    "a-.b",
    `${"a".repeat(64)}.example`,
    `${"a.".repeat(127)}ab`,
    "h\n",
    "[10.0.0.1]",
    "h;id",
    "h`id`",
    "é.example",
  ])("refuses %j, showing it escaped", (s) => {
    const p = hostAddressProblem(s);
    expect(p).toMatch(/expected a host name/);
    expect(p).not.toContain("\n");
  });

  it("drops the brackets of an IPv6 literal only", () => {
    expect(bareAddress("[fd00::1]")).toBe("fd00::1");
    expect(bareAddress("[x]")).toBe("[x]");
    expect(bareAddress("h.example")).toBe("h.example");
  });
});

describe("user names", () => {
  it.each(["root", "deploy", "_svc", "jane.doe", "ci-bot", "jane@corp.example", "1password"])(
    "accepts %s",
    (s) => {
      expect(userNameProblem(s)).toBeUndefined();
    },
  );

  it.each([
    "",
    "-oProxyCommand=x",
    ".hidden",
    "@x",
    "root;id",
    "root$(id)",
    "a b",
    "DOMAIN\\user",
    "x".repeat(257),
    "ü",
  ])("refuses %j", (s) => {
    expect(userNameProblem(s)).toMatch(/expected a user name/);
  });
});
