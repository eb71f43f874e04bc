/**
 * known_hosts as OpenSSH writes it: plain and `[host]:port` names, globs and
 * negations, hashed entries made by the real `ssh-keygen -H`, markers, and
 * OpenSSH's fingerprint form.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  fingerprint,
  hostKeyAlgorithmsFor,
  judgeHostKey,
  keysFor,
  keyTypeOf,
  knownHostsLine,
  knownHostsName,
  parseKnownHosts,
} from "./known-hosts.js";

const dir = mkdtempSync(join(tmpdir(), "tend-known-hosts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const newKey = (name: string): { line: string; blob: Buffer; path: string } => {
  const path = join(dir, name);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path]);
  const line = readFileSync(`${path}.pub`, "utf8").trim();
  return { line, blob: Buffer.from(line.split(" ")[1] ?? "", "base64"), path };
};
const a = newKey("a");
const b = newKey("b");
const keyPart = (k: { line: string }) => k.line.split(" ").slice(0, 2).join(" ");

describe("judgeHostKey", () => {
  const cases: ReadonlyArray<[string, string, Buffer, string]> = [
    ["plain name, same key", `node1 ${keyPart(a)}`, a.blob, "Known"],
    ["plain name, other key", `node1 ${keyPart(a)}`, b.blob, "Changed"],
    ["name not listed", `node2 ${keyPart(a)}`, a.blob, "Unknown"],
    ["comma list and comment", `other,node1 ${keyPart(a)} admin@x`, a.blob, "Known"],
    ["glob", `node* ${keyPart(a)}`, a.blob, "Known"],
    ["negated pattern vetoes", `node*,!node1 ${keyPart(a)}`, a.blob, "Unknown"],
    ["revoked key", `@revoked * ${keyPart(a)}\nnode1 ${keyPart(a)}`, a.blob, "Revoked"],
    ["CA lines are not host keys", `@cert-authority node1 ${keyPart(a)}`, a.blob, "Unknown"],
    [
      "garbage lines are skipped",
      `# comment\n\nnode1\nnode1 ${keyPart(b)} ###\nnode1 ${keyPart(a)}`,
      a.blob,
      "Known",
    ],
  ];
  it.each(cases)("%s", (_what, text, blob, verdict) => {
    expect(judgeHostKey(parseKnownHosts(text), "node1", blob)._tag).toBe(verdict);
  });

  it("uses [host]:port for ports other than 22", () => {
    expect(knownHostsName("node1", 22)).toBe("node1");
    expect(knownHostsName("10.0.0.1", 2222)).toBe("[10.0.0.1]:2222");
    const entries = parseKnownHosts(`[node1]:2222 ${keyPart(a)}`);
    expect(judgeHostKey(entries, knownHostsName("node1", 2222), a.blob)._tag).toBe("Known");
    expect(judgeHostKey(entries, knownHostsName("node1", 22), a.blob)._tag).toBe("Unknown");
  });

  it("matches entries hashed by ssh-keygen -H, for plain and [host]:port names", () => {
    const file = join(dir, "hashed");
    writeFileSync(file, `node1 ${keyPart(a)}\n[node2]:2200 ${keyPart(b)}\n`);
    execFileSync("ssh-keygen", ["-q", "-H", "-f", file]);
    const entries = parseKnownHosts(readFileSync(file, "utf8"));
    expect(entries.every((e) => e.hosts.startsWith("|1|"))).toBe(true);
    expect(judgeHostKey(entries, "node1", a.blob)._tag).toBe("Known");
    expect(judgeHostKey(entries, "[node2]:2200", b.blob)._tag).toBe("Known");
    expect(judgeHostKey(entries, "node1", b.blob)._tag).toBe("Changed");
    expect(judgeHostKey(entries, "node3", a.blob)._tag).toBe("Unknown");
  });
});

describe("key helpers", () => {
  it("fingerprints like ssh-keygen -l", () => {
    const expected = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", `${a.path}.pub`])
      .toString()
      .split(" ")[1];
    expect(fingerprint(a.blob)).toBe(expected);
  });

  it("writes lines it reads back, and offers only the recorded key types", () => {
    const line = knownHostsLine("[h]:2", a.blob);
    expect(keyTypeOf(a.blob)).toBe("ssh-ed25519");
    const entries = parseKnownHosts(line);
    expect(judgeHostKey(entries, "[h]:2", a.blob)._tag).toBe("Known");
    expect(hostKeyAlgorithmsFor(keysFor(entries, "[h]:2"))).toEqual(["ssh-ed25519"]);
    const rsa = parseKnownHosts("h ssh-rsa AAAAB3NzaC1yc2E=");
    expect(hostKeyAlgorithmsFor(rsa)).toEqual(["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]);
    expect(hostKeyAlgorithmsFor([])).toBeUndefined();
  });
});
