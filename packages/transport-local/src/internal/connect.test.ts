/**
 * connectLocal has the shape of every transport's connect: a Promise of an
 * Either whose Right runs scripts on this machine.
 */
import { describe, expect, it } from "vitest";
import { connectLocal } from "./local-transport.js";

describe("connectLocal", () => {
  it("returns a Transport that runs a script here", async () => {
    const r = await connectLocal({ host: "me", sudo: "never" });
    if (r._tag === "Left") throw new Error(`connectLocal failed: ${JSON.stringify(r.left)}`);
    const out = await r.right.exec({ script: "printf '%s' \"$X\"", env: { X: "a b'c" } });
    await r.right.close();
    expect(out._tag === "Right" && Buffer.from(out.right.stdout).toString()).toBe("a b'c");
    expect(r.right.host).toBe("me");
  });
});
