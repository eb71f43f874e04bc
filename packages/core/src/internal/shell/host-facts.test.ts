/**
 * Host facts: the parser against captured output (fixture table), and the
 * real script against this machine in one round trip.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { osFamily, parseInterfaces, parseOsRelease } from "./host-facts.js";
import { swapDevices } from "./probe-parse.js";
import { ShTransport } from "./sh-transport.test.js";
import { HOST_FACTS_PROBE, ShellTarget } from "./target.js";

describe("host facts parsers", () => {
  it.each([
    ["debian by ID", "debian", "", "debian"],
    ["ubuntu is debian by ID_LIKE", "ubuntu", "debian", "debian"],
    ["rocky is redhat by ID_LIKE", "rocky", "rhel centos fedora", "redhat"],
    ["fedora is redhat", "fedora", "", "redhat"],
    ["alpine is other", "alpine", "", "other"],
  ])("%s", (_, id, like, family) => {
    expect(osFamily(id, like)).toBe(family);
  });

  it("os-release values may be double-quoted with escapes, single-quoted or bare", () => {
    const m = parseOsRelease('ID=debian\nPRETTY_NAME="Debian \\"12\\""\nVERSION_ID=\'12\'\n# comment\n');
    expect(Object.fromEntries(m)).toEqual({ ID: "debian", PRETTY_NAME: 'Debian "12"', VERSION_ID: "12" });
  });

  it("interfaces come in `ip -o link` order, with the IPv4 of `ip -o -4 addr`, including ones without an address", () => {
    const link = [
      "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
      "2: wg0@if12: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff link-netnsid 0",
      "3: eth1: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 32\\    link/ether 82:52:9f:b9:bb:26 brd ff:ff:ff:ff:ff:ff",
    ].join("\n");
    const addr = [
      "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever",
      "2: wg0    inet 10.0.0.5/24 brd 10.0.0.255 scope global wg0\\       valid_lft forever preferred_lft forever",
      "2: wg0    inet 10.0.0.6/24 scope global secondary wg0\\       valid_lft forever preferred_lft forever",
    ].join("\n");
    expect(parseInterfaces(link, addr)).toEqual([
      { name: "lo", ipv4: ["127.0.0.1"] },
      { name: "wg0", ipv4: ["10.0.0.5", "10.0.0.6"] },
      { name: "eth1", ipv4: [] },
    ]);
  });

  it("swap devices are the first column after the header, with \\040 unescaped", () => {
    const text =
      "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/swap\\040file                               file\t\t1048572\t\t0\t\t-2\n/dev/sda2 partition 1 0 -3\n";
    expect(swapDevices(text)).toEqual(["/swap file", "/dev/sda2"]);
  });
});

describe("ShellTarget.hostFacts on this machine", () => {
  it("gathers every field in one round trip, matching what the tools say", async () => {
    const transport = new ShTransport();
    const r = await new ShellTarget(transport).hostFacts();
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    const sh = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: "utf8" }).trim();
    const os = parseOsRelease(readFileSync("/etc/os-release", "utf8"));
    expect(r.right).toMatchObject({
      hostname: sh("uname", "-n"),
      os: {
        family: "debian",
        id: os.get("ID"),
        versionId: os.get("VERSION_ID"),
        prettyName: os.get("PRETTY_NAME"),
      },
      kernel: sh("uname", "-r"),
      arch: sh("uname", "-m"),
      swap: swapDevices(readFileSync("/proc/swaps", "utf8")),
      downloaders: ["curl", "wget"],
      packageManager: "apt",
      user: "root",
    });
    expect(r.right.interfaces.map((i) => i.name)).toContain("lo");
    expect(r.right.interfaces.find((i) => i.name === "lo")?.ipv4).toEqual(["127.0.0.1"]);
    expect(transport.roundTrips).toBe(1);
  });

  it("a host whose tools are missing is a ProbeDecode naming the host and the missing fields", async () => {
    class BareTransport extends ShTransport {
      override exec(req: Parameters<ShTransport["exec"]>[0]) {
        return super.exec({ ...req, env: { PATH: "/nonexistent" } });
      }
    }
    const r = await new ShellTarget(new BareTransport("bare-host")).hostFacts();
    expect(r).toEqual(
      E.left({
        _tag: "ProbeDecode",
        host: "bare-host",
        probe: HOST_FACTS_PROBE,
        message: "host facts: no value for hostname, kernel, arch, user",
      }),
    );
  });
});
