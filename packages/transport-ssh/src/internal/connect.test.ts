/**
 * connectSsh fails as a value with its reason: a missing private key file is
 * an AuthFailed whose description names the file and why it cannot be read.
 */
import { describeError } from "@tend/core";
import { describe, expect, it } from "vitest";
import { connectSsh, sshTransport } from "./transport.js";

describe("connectSsh", () => {
  it("returns a missing key file as AuthFailed naming the file and the reason", async () => {
    const key = "/nonexistent/tend-test/id_ed25519";
    const r = await connectSsh({
      host: "worker1",
      address: "192.0.2.1",
      username: "root",
      privateKeyPath: key,
    });
    expect(r._tag).toBe("Left");
    if (r._tag === "Right") return;
    expect(r.left._tag).toBe("AuthFailed");
    expect(describeError(r.left)).toMatch(
      new RegExp(`^worker1: authentication failed: cannot read private key ${key}: .*no such file`),
    );
  });

  it("keeps the deprecated sshTransport name working with the same result", async () => {
    const r = await sshTransport({ host: "w", username: "root", privateKeyPath: "/nonexistent/k" });
    expect(r._tag === "Left" && r.left._tag).toBe("AuthFailed");
  });
});
