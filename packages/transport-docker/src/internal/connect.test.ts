/**
 * connectDocker fails as a value naming the container when it cannot be
 * reached: no such container, or no engine at the socket.
 */
import { randomBytes } from "node:crypto";
import { describeError } from "@tend/core";
import { describe, expect, it } from "vitest";
import { connectDocker } from "./docker-transport.js";

describe("connectDocker", () => {
  it("returns ConnectFailed naming a container that does not exist", async () => {
    const container = `tend-no-such-${randomBytes(6).toString("hex")}`;
    const r = await connectDocker({ container, host: "c1" });
    expect(r._tag === "Left" && r.left._tag).toBe("ConnectFailed");
    if (r._tag === "Left")
      expect(describeError(r.left)).toMatch(new RegExp(`^c1: cannot connect: container ${container}: `));
  });

  it("returns ConnectFailed naming the container when no engine answers at the socket", async () => {
    const r = await connectDocker({ container: "web", socketPath: "/nonexistent/docker.sock" });
    expect(r._tag === "Left" && describeError(r.left)).toMatch(
      /^web: cannot connect: container web: docker engine unreachable: /,
    );
  });
});
