/** A ProbeDecode message says which probe in words (kind and path or name), never as the probe's JSON. */
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { FileFact, type Probe } from "../probe.js";
import { decodeWith, valueInWords } from "../shell/decode.js";
import { HOST_FACTS_PROBE } from "../shell/target.js";
import { describeError, describeTargetError } from "./errors.js";

const probes: readonly [Probe, string][] = [
  [
    { type: "file", path: "/usr/local/sbin/flanneld", hash: "sha256" },
    'the file probe of "/usr/local/sbin/flanneld"',
  ],
  [{ type: "manifest", path: "/var/lib/tend/m" }, 'the archive manifest probe of "/var/lib/tend/m"'],
  [{ type: "unit", name: "kubelet.service" }, 'the systemd unit probe of "kubelet.service"'],
  [{ type: "sysctl", key: "net.ipv4.ip_forward" }, 'the sysctl probe of "net.ipv4.ip_forward"'],
  [{ type: "kmod", name: "br_netfilter" }, 'the kernel module probe of "br_netfilter"'],
  [{ type: "user", name: "etcd" }, 'the user probe of "etcd"'],
  [{ type: "group", name: "docker" }, 'the group probe of "docker"'],
  [{ type: "package", name: "socat", manager: "apt" }, 'the apt package probe of "socat"'],
  [{ type: "swap" }, "the swap probe"],
  [{ type: "check", argv: ["ip", "-j", "addr"] }, 'the check "ip -j addr"'],
  [HOST_FACTS_PROBE, "the host facts"],
];

describe("probes in messages", () => {
  it.each(probes)("%j is described in words", (probe, words) => {
    const text = describeTargetError({
      _tag: "ProbeDecode",
      host: "worker1",
      probe,
      message: 'answer has no "x" line',
    });
    expect(text).toBe(`worker1: unexpected answer to ${words}: answer has no "x" line`);
    expect(describeError({ _tag: "ProbeDecode", host: "worker1", probe, message: "m" })).not.toMatch(
      /[{}]|"type"/,
    );
  });

  it("a long path or command is cut, so one message stays one readable line", () => {
    const text = describeTargetError({
      _tag: "ProbeDecode",
      host: "h",
      probe: { type: "file", path: `/${"a".repeat(5000)}` },
      message: "m",
    });
    expect(text.length).toBeLessThan(300);
  });
});

describe("answers in messages", () => {
  it("a fact that does not decode is described by its shape, never dumped as JSON with its content", () => {
    const secret = Buffer.from("private key bytes").toString("base64");
    const r = decodeWith(FileFact, { type: "file", mode: "0600", owner: "root", contentBase64: secret });
    const text = E.isLeft(r) ? r.left : "";
    expect(text).not.toContain(secret);
    expect(text).not.toMatch(/[{}]/);
    expect(text).toMatch(/got (an object with type, mode|"0600")/);
  });

  it("a long string is cut", () => {
    expect(valueInWords("x".repeat(500)).length).toBeLessThan(70);
  });
});
