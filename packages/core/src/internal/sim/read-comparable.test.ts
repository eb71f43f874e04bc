import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { blobStore, sha256 } from "./blobs.js";
import { comparableState } from "./comparable.js";
import { readComparableState } from "./read-comparable.js";
import { SimHost } from "./simhost.js";

describe("readComparableState", () => {
  it("reads through probes what comparableState reads from the state, in one round trip", async () => {
    const host = new SimHost();
    await host.run(
      [
        { op: "useradd", name: "ada", groups: ["adm", "sudo"] },
        {
          op: "writeFile",
          path: "/etc/app.conf",
          blob: sha256("x"),
          mode: 0o600,
          owner: "ada",
          group: "adm",
        },
        { op: "packages", manager: "apt", install: ["jq"] },
      ],
      blobStore("x"),
    );
    const scope = {
      users: ["ada", "ghost"],
      groups: ["adm", "ada"],
      units: ["ssh.service", "kubelet.service"],
      packages: ["jq", "socat"],
    };
    const before = host.roundTrips;
    const read = await readComparableState(host, {
      ...scope,
      files: ["/etc/app.conf", "/etc", "/bin", "/nope"],
    });
    expect(host.roundTrips).toBe(before + 1);
    const fromState = comparableState(host.state, [], {
      ...scope,
      users: ["ada"],
      packages: ["jq", "socat"],
    });
    const files = comparableState(host.state, ["/etc/app.conf", "/bin"]).files;
    expect(read).toEqual(
      E.right({
        ...fromState,
        files: { ...files, "/etc": comparableState(host.state).files["/etc"] },
      }),
    );
    expect(E.isRight(read) && read.right.files["/etc/app.conf"]).toEqual({
      type: "file",
      sha256: sha256("x"),
      mode: 0o600,
      owner: "ada",
      group: "adm",
    });
  });

  it("passes a target error on", async () => {
    const host = new SimHost(undefined, { dropAfterOp: 0 });
    await host.run([{ op: "swapoff" }], blobStore());
    const r = await readComparableState(host, { files: ["/etc"] });
    expect(E.isLeft(r) && r.left._tag).toBe("Transport");
  });
});
