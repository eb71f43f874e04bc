/**
 * Privilege escalation of @tend/transport-local on a real host: the built
 * package runs inside the test host as a non-root login user (see
 * test/hosts/node-in-host.ts), with passwordless sudo, sudo with a password,
 * su, and a non-root become user. The options (password included) reach the
 * runner on its stdin, so the password is in no argv there either.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execOnHost, installNodePackage } from "../hosts/hosts.js";
import {
  type BecomeHost,
  fileOnHost,
  hostileBlob,
  PASSWORD,
  sha256,
  startBecomeHost,
} from "./become-host.js";

// Reads {options, blob, path} on stdin; connects, runs id -un and cat, uploads; prints JSON.
const RUNNER = `
import { connectLocal } from "@tend/transport-local";
import { createHash } from "node:crypto";
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const cfg = JSON.parse(Buffer.concat(chunks).toString());
const blob = Buffer.from(cfg.blob, "base64");
const sha = (b) => createHash("sha256").update(b).digest("hex");
const c = await connectLocal(cfg.options);
if (c._tag === "Left") {
  console.log(JSON.stringify({ connect: c.left }));
} else {
  const t = c.right;
  const id = await t.exec({ script: "id -un" });
  const cat = await t.exec({ script: "cat", stdin: [blob.subarray(0, 5), blob.subarray(5)] });
  const up = await t.upload(cfg.path, blob, 0o600);
  console.log(JSON.stringify({
    id: id._tag === "Left" ? id.left : Buffer.from(id.right.stdout).toString(),
    cat: cat._tag === "Left" ? cat.left : { sha: sha(Buffer.from(cat.right.stdout)), stderr: Buffer.from(cat.right.stderr).toString() },
    upload: up._tag === "Left" ? up.left : "ok",
  }));
  await t.close();
}
`;

let h: BecomeHost;
let dir = "";
beforeAll(async () => {
  h = await startBecomeHost("become-local");
  dir = await installNodePackage(h.host, {
    name: "@tend/transport-local",
    dir: "packages/transport-local",
    deps: ["fp-ts", "io-ts", "@tend/core"],
  });
  await execOnHost(h.host, ["sh", "-c", `cat > ${dir}/run.mjs`], { stdin: Buffer.from(RUNNER) });
});
afterAll(() => h?.dispose());

/** Runs the runner as `user`; returns its JSON and its whole output (stdout + stderr) as text. */
const runAs = async (user: string, options: Record<string, unknown>, path: string) => {
  const blob = hostileBlob();
  const input = JSON.stringify({
    options: { host: "local-become", ...options },
    blob: blob.toString("base64"),
    path,
  });
  const r = await execOnHost(h.host, ["node", `${dir}/run.mjs`], { user, stdin: Buffer.from(input) });
  const all = `${r.stdout.toString()}\n${r.stderr.toString()}`;
  if (r.code !== 0) throw new Error(`runner failed: ${r.stderr.toString()}`);
  return { out: JSON.parse(r.stdout.toString()) as Record<string, unknown>, all, blob };
};

const expectNoPassword = (s: string, extra: readonly string[] = []) => {
  for (const pw of [...Object.values(PASSWORD), ...extra]) expect(s).not.toContain(pw);
};

describe("become with the local transport, inside a test host", () => {
  it("passwordless sudo runs as root; stdin and an upload come through byte-exact", async () => {
    const { out, blob } = await runAs("deploy", {}, "/root/local-deploy.bin");
    expect(out.id).toBe("root\n");
    expect(out.cat).toEqual({ sha: sha256(blob), stderr: "" });
    expect(out.upload).toBe("ok");
    expect(await fileOnHost(h.host, "/root/local-deploy.bin")).toBe(`${sha256(blob)} root 600`);
  });

  it("sudo with becomePassword runs as root, uploads byte-exact, and prints the password nowhere", async () => {
    const { out, all, blob } = await runAs("ops", { becomePassword: PASSWORD.ops }, "/root/local-ops.bin");
    expect(out.id).toBe("root\n");
    expect(out.cat).toEqual({ sha: sha256(blob), stderr: "" });
    expect(await fileOnHost(h.host, "/root/local-ops.bin")).toBe(`${sha256(blob)} root 600`);
    expectNoPassword(all);
  });

  it("sudo that needs a password, given none, fails connectLocal with BecomeFailed password-required", async () => {
    const { out } = await runAs("ops", {}, "/root/never");
    expect(out.connect).toMatchObject({
      _tag: "BecomeFailed",
      host: "local-become",
      method: "sudo",
      user: "root",
      problem: "password-required",
    });
  });

  it("a wrong sudo password fails connectLocal with BecomeFailed wrong-password, the password nowhere", async () => {
    const wrong = `wrong 'pw' ${Date.now()}`;
    const { out, all } = await runAs("ops", { becomePassword: wrong }, "/root/never");
    expect(out.connect).toMatchObject({ _tag: "BecomeFailed", method: "sudo", problem: "wrong-password" });
    expectNoPassword(all, [wrong]);
  });

  it("su with the target's password runs as root; a wrong one is BecomeFailed wrong-password", async () => {
    const ok = await runAs(
      "plain",
      { becomeMethod: "su", becomePassword: PASSWORD.root },
      "/root/local-su.bin",
    );
    expect(ok.out.id).toBe("root\n");
    expect(ok.out.cat).toEqual({ sha: sha256(ok.blob), stderr: "" });
    expect(await fileOnHost(h.host, "/root/local-su.bin")).toBe(`${sha256(ok.blob)} root 600`);
    expectNoPassword(ok.all);
    const wrong = `nope ${Date.now()}`;
    const bad = await runAs("plain", { becomeMethod: "su", becomePassword: wrong }, "/root/never");
    expect(bad.out.connect).toMatchObject({ _tag: "BecomeFailed", method: "su", problem: "wrong-password" });
    expectNoPassword(bad.all, [wrong]);
  });

  it("becomeUser other than root runs commands as that user, through sudo -n and through su", async () => {
    const viaSudo = await runAs("deploy", { becomeUser: "app" }, "/home/app/local-sudo.bin");
    expect(viaSudo.out.id).toBe("app\n");
    expect(await fileOnHost(h.host, "/home/app/local-sudo.bin")).toBe(`${sha256(viaSudo.blob)} app 600`);
    const viaSu = await runAs(
      "plain",
      { becomeUser: "app", becomeMethod: "su", becomePassword: PASSWORD.app },
      "/home/app/local-su.bin",
    );
    expect(viaSu.out.id).toBe("app\n");
  });
});
