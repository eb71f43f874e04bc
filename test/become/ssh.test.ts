/**
 * Privilege escalation over SSH on a real host, as Ansible users have it:
 * passwordless sudo, sudo with `becomePassword` (on stdin only), su with the
 * target's password, a non-root become user, and the failures: no password,
 * a wrong one. Every failure is BecomeFailed at the first command, and the
 * password shows nowhere: not in errors, output, argv or environments.
 */
import type { ExecResult, TransportError } from "@tend/core";
import { describeError } from "@tend/core";
import { commandSocket, type SshTransport } from "@tend/transport-ssh";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execOnHost, sshdCommand } from "../hosts/hosts.js";
import {
  type BecomeHost,
  fileOnHost,
  hostileBlob,
  PASSWORD,
  sha256,
  startBecomeHost,
  untilNoProcess,
} from "./become-host.js";

let h: BecomeHost;
beforeAll(async () => {
  h = await startBecomeHost("become-ssh");
});
afterAll(() => h?.dispose());

const right = (r: E.Either<TransportError, ExecResult>): ExecResult => {
  if (E.isLeft(r)) throw new Error(`expected a result, got ${describeError(r.left)}`);
  return r.right;
};
const text = (r: E.Either<TransportError, ExecResult>): string => Buffer.from(right(r).stdout).toString();
const left = (r: E.Either<TransportError, unknown>): TransportError => {
  if (E.isRight(r)) throw new Error("expected an error, got a result");
  return r.left;
};

/** Runs the blob through `cat` and uploads it; both must come back byte-exact. */
const roundTripBlob = async (t: SshTransport, path: string) => {
  const blob = hostileBlob();
  const cat = right(await t.exec({ script: "cat", stdin: [blob.subarray(0, 7), blob.subarray(7)] }));
  expect(sha256(cat.stdout)).toBe(sha256(blob));
  expect(await t.upload(path, blob, 0o600)).toEqual(E.right(undefined));
  return { blob, cat };
};

/** Every password of the host, for "appears nowhere" checks. */
const allPasswords = Object.values(PASSWORD);
const expectNoPassword = (s: string, extra: readonly string[] = []) => {
  for (const pw of [...allPasswords, ...extra]) expect(s).not.toContain(pw);
};

describe("become over SSH", () => {
  it("passwordless sudo runs commands as root with env and stdin intact", async () => {
    const t = await h.connect({ username: "deploy", become: true });
    const r = await t.exec({
      script: 'echo "$(id -un) $X $(cat)"',
      env: { X: "it's x" },
      stdin: Buffer.from("in"),
    });
    expect(text(r)).toBe("root it's x in\n");
    await roundTripBlob(t, "/root/deploy.bin");
  });

  it("sudo with becomePassword runs as root, and a binary upload through stdin lands byte-exact and root-owned", async () => {
    const t = await h.connect({ username: "ops", become: true, becomePassword: PASSWORD.ops });
    expect(text(await t.exec({ script: "id -un" }))).toBe("root\n");
    const { blob, cat } = await roundTripBlob(t, "/root/ops.bin");
    expect(await fileOnHost(h.host, "/root/ops.bin")).toBe(`${sha256(blob)} root 600`);
    expectNoPassword(Buffer.from(cat.stderr).toString());
    // Several at once: each command gets its own prompt and handshake.
    const many = await Promise.all(
      Array.from({ length: 5 }, (_, i) => t.exec({ script: `echo ${i}; id -un` })),
    );
    expect(many.map(text)).toEqual(Array.from({ length: 5 }, (_, i) => `${i}\nroot\n`));
  });

  it("the sudo password never appears in any process's argv or environment on the host", async () => {
    const t = await h.connect({ username: "ops", become: true, becomePassword: PASSWORD.ops });
    // Read while sudo, the wrapper and this script are running, as root.
    const r = await t.exec({
      script:
        "for f in /proc/[0-9]*/cmdline /proc/[0-9]*/environ; do tr '\\0' '\\n' < \"$f\"; done 2>/dev/null",
    });
    const seen = text(r);
    expect(seen).toContain("tend-become-ok-");
    expectNoPassword(seen);
  });

  it("sudo that needs a password, given none, fails the first command with BecomeFailed password-required, and every later one alike", async () => {
    const t = await h.connect({ username: "ops", become: true });
    const e = left(await t.exec({ script: "id -un" }));
    expect(e).toMatchObject({
      _tag: "BecomeFailed",
      host: h.host.name,
      method: "sudo",
      user: "root",
      problem: "password-required",
    });
    expect(describeError(e)).toBe(`${h.host.name}: sudo to root needs a password`);
    expect(left(await t.upload("/root/x", Buffer.from("x"), 0o600))).toEqual(e);
  });

  it("a wrong sudo password fails with BecomeFailed wrong-password after one attempt, no sudo left waiting, the password nowhere", async () => {
    const wrong = `wrong 'pw' ${Date.now()}`;
    const t = await h.connect({ username: "ops", become: true, becomePassword: wrong });
    const e = left(await t.exec({ script: "id -un", stdin: Buffer.from("data") }));
    expect(e).toMatchObject({
      _tag: "BecomeFailed",
      method: "sudo",
      user: "root",
      problem: "wrong-password",
    });
    expect(describeError(e)).toBe(`${h.host.name}: sudo to root: incorrect password`);
    expectNoPassword(JSON.stringify(e), [wrong]);
    await untilNoProcess(h.host, "sudo");
    // Kept: a later command does not try the password again.
    expect(left(await t.exec({ script: "true" }))).toEqual(e);
    // sudo logs how many wrong passwords it was given before it stopped: one, not its three tries.
    const log = await execOnHost(h.host, ["journalctl", "-q", "--no-pager", "-t", "sudo"]);
    const attempts = [...log.stdout.toString().matchAll(/(\d+) incorrect password attempts?/g)].map(
      (m) => m[1],
    );
    expect(attempts).toEqual(["1"]);
  });

  it("su with the target's password runs as root and uploads byte-exact", async () => {
    const t = await h.connect({
      username: "plain",
      become: true,
      becomeMethod: "su",
      becomePassword: PASSWORD.root,
    });
    expect(text(await t.exec({ script: 'echo "$(id -un) $X"', env: { X: "a'b" } }))).toBe("root a'b\n");
    const { blob } = await roundTripBlob(t, "/root/plain.bin");
    expect(await fileOnHost(h.host, "/root/plain.bin")).toBe(`${sha256(blob)} root 600`);
  });

  it("su with a wrong password fails with BecomeFailed wrong-password, the password nowhere", async () => {
    const wrong = `nope "${Date.now()}"`;
    const t = await h.connect({ username: "plain", become: true, becomeMethod: "su", becomePassword: wrong });
    const e = left(await t.exec({ script: "id -un" }));
    expect(e).toMatchObject({ _tag: "BecomeFailed", method: "su", user: "root", problem: "wrong-password" });
    expectNoPassword(JSON.stringify(e), [wrong]);
    await untilNoProcess(h.host, "su");
  });

  it("su without a password from a non-root login is BecomeFailed password-required, without running anything", async () => {
    const t = await h.connect({ username: "plain", become: true, becomeMethod: "su" });
    expect(left(await t.exec({ script: "touch /tmp/ran" }))).toMatchObject({
      _tag: "BecomeFailed",
      method: "su",
      problem: "password-required",
    });
    expect((await execOnHost(h.host, ["test", "-e", "/tmp/ran"])).code).not.toBe(0);
  });

  it("becomeUser other than root runs commands as that user, through sudo -n and through su", async () => {
    const viaSudo = await h.connect({ username: "deploy", become: true, becomeUser: "app" });
    expect(text(await viaSudo.exec({ script: "id -un; cat", stdin: Buffer.from("x") }))).toBe("app\nx");
    const viaSu = await h.connect({
      username: "plain",
      become: true,
      becomeUser: "app",
      becomeMethod: "su",
      becomePassword: PASSWORD.app,
    });
    expect(text(await viaSu.exec({ script: "id -un" }))).toBe("app\n");
    expect(await viaSu.upload("/home/app/app.bin", Buffer.from([0, 1, 2]), 0o640)).toEqual(
      E.right(undefined),
    );
    expect((await fileOnHost(h.host, "/home/app/app.bin")).endsWith(" app 640")).toBe(true);
  });

  it("a link that drops during the become handshake (sudo still judging a password, before the marker) ends the command as ConnectionLost at once, the password nowhere, no sudo left on the host", async () => {
    const wrong = `wrong 'pw' cut ${Date.now()}`;
    const [file, ...args] = sshdCommand(h.host);
    const sock = commandSocket([file!, ...args]);
    const t = await h.connect({ username: "ops", become: true, becomePassword: wrong, sock });
    const pending = t.exec({ script: "id -un", stdin: Buffer.from("data") });
    // sudo got the wrong password and sits in PAM's failure delay (~2 s): the marker has not come.
    await new Promise((r) => setTimeout(r, 700));
    sock.destroy();
    const e = left(await pending);
    expect(e._tag).toBe("ConnectionLost");
    expectNoPassword(JSON.stringify(e), [wrong]);
    expectNoPassword(describeError(e), [wrong]);
    // The transport knows the link is gone: the next command fails at once, the same way.
    expect(left(await t.exec({ script: "true" }))._tag).toBe("ConnectionLost");
    await untilNoProcess(h.host, "sudo");
  });
});
