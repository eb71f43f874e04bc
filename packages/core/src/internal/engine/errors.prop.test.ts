/**
 * describeError: every tagged error of the transport, target and planning
 * layers becomes one line that carries its reason, whatever text the reason
 * holds (a stderr of several lines keeps every line), and never a bare tag.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TargetError } from "../target.js";
import type { TransportError } from "../transport.js";
import { numRuns } from "./engine.fixture.js";
import { describeError, type TendError } from "./errors.js";

/** One-line reasons (stderr of several lines is quoted as it came). */
const text = fc.string({ minLength: 1 }).filter((s) => !/[\r\n]/.test(s) && s.trim() === s && s !== "");

const transportErrors = (host: string, reason: string): TransportError[] => [
  { _tag: "ConnectFailed", host, reason },
  { _tag: "AuthFailed", host, reason },
  { _tag: "HostKeyRejected", host, reason },
  { _tag: "ConnectionLost", host, command: "probe", reason },
  { _tag: "NonZeroExit", host, command: "probe", exitCode: 3, stderr: reason },
  { _tag: "BecomeFailed", host, method: "sudo", user: "root", problem: "refused", detail: reason },
];

const targetErrors = (host: string, reason: string): TargetError[] => [
  ...transportErrors(host, reason).map((error) => ({ _tag: "Transport" as const, host, error })),
  { _tag: "ProbeDecode", host, probe: { type: "check", argv: ["x"] }, message: reason },
  {
    _tag: "OpFailed",
    host,
    index: 0,
    op: { op: "sysctl", key: "net.ipv4.ip_forward", value: "1" },
    exitCode: 1,
    stderr: reason,
  },
  { _tag: "Interrupted", host, completed: 2, reason },
  { _tag: "LockUnavailable", host, reason },
];

const planErrors = (host: string, reason: string): TendError[] => [
  ...targetErrors(host, reason).map((error) => ({ _tag: "Target" as const, error })),
  { _tag: "InvalidProps", id: "file[/x]", path: "mode", message: reason },
  { _tag: "InvalidResource", id: "file[/x]", message: reason },
  { _tag: "InvalidName", id: "file[/x]", message: reason },
  { _tag: "Refused", id: "file[/x]", reason },
  { _tag: "SourceUnreadable", id: "file[/x]", path: "/src", reason },
  { _tag: "BlobMissing", id: "file[/x]", blob: "ab".repeat(32), reason },
];

describe("describeError", () => {
  it("gives one line with the reason for every error of every layer", () => {
    fc.assert(
      fc.property(text, text, (host, reason) => {
        for (const e of [
          ...transportErrors(host, reason),
          ...targetErrors(host, reason),
          ...planErrors(host, reason),
        ]) {
          const line = describeError(e);
          expect(line).toContain(reason);
          expect(line).not.toMatch(/[\r\n]|undefined|\[object Object\]/);
          expect(line).not.toBe(e._tag);
        }
      }),
      { numRuns },
    );
  });

  it("keeps every line of a reason of several lines, on one line", () => {
    const lines = fc.array(text, { minLength: 2, maxLength: 4 });
    fc.assert(
      fc.property(text, lines, (host, ls) => {
        for (const e of [...transportErrors(host, ls.join("\n")), ...targetErrors(host, ls.join("\r\n"))]) {
          const line = describeError(e);
          expect(line).not.toMatch(/[\r\n]/);
          for (const l of ls) expect(line).toContain(l.trim());
        }
      }),
      { numRuns },
    );
  });

  it("names a missing key file, not only AuthFailed", () => {
    const e: TransportError = {
      _tag: "AuthFailed",
      host: "worker1",
      reason: "cannot read private key /root/.ssh/id_ed25519: ENOENT: no such file or directory",
    };
    expect(describeError(e)).toBe(
      "worker1: authentication failed: cannot read private key /root/.ssh/id_ed25519: ENOENT: no such file or directory",
    );
  });
});
