/**
 * The lines a BecomeFailed gives (the CLI adds its advice to them): host,
 * method and become user, and sudo's/su's words only for a refusal.
 */
import { describe, expect, it } from "vitest";
import { describeTransportError, type TransportError } from "../transport.js";

const failed = (problem: "password-required" | "wrong-password" | "refused"): TransportError => ({
  _tag: "BecomeFailed",
  host: "worker1",
  method: "sudo",
  user: "root",
  problem,
  detail: "deploy is not in the sudoers file.\n",
});

describe("describeTransportError for BecomeFailed", () => {
  it("says what happened, naming host, method and user", () => {
    expect(describeTransportError(failed("password-required"))).toBe(
      "worker1: sudo to root needs a password",
    );
    expect(describeTransportError(failed("wrong-password"))).toBe(
      "worker1: sudo to root: incorrect password",
    );
    expect(describeTransportError(failed("refused"))).toBe(
      "worker1: sudo to root refused: deploy is not in the sudoers file.",
    );
    expect(
      describeTransportError({ ...failed("wrong-password"), method: "su", user: "app" } as TransportError),
    ).toBe("worker1: su to app: incorrect password");
  });
});
