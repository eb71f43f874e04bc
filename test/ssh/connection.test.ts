/**
 * @tend/transport-ssh against a real OpenSSH sshd on 127.0.0.1: one
 * connection per transport, authentication and host key failures as typed
 * errors, and every route (TCP, ProxyCommand, jump host).
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Transport, TransportError } from "@tend/core";
import { type SshTransport, type SshTransportOptions, sshTransport } from "@tend/transport-ssh";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freePort, type Sshd, startSshd } from "./sshd.js";

let sshd: Sshd;
let scratch: string;
let knownHosts: string;
const open: Transport[] = [];

beforeAll(async () => {
  sshd = await startSshd();
  scratch = await mkdtemp(join(tmpdir(), "tend-ssh-test-"));
});
afterAll(async () => {
  await Promise.all(open.map((t) => t.close()));
  await sshd?.stop();
  await rm(scratch, { recursive: true, force: true });
});

let counter = 0;
beforeEach(async () => {
  // Each test starts from a known_hosts that lists this sshd's current key.
  knownHosts = join(scratch, `known_hosts_${++counter}`);
  await writeFile(knownHosts, `${await recordedLine()}\n`);
});

const recordedLine = async (): Promise<string> => {
  const [type, key] = (await sshd.hostPublicKey()).split(" ");
  return `[127.0.0.1]:${sshd.port} ${type} ${key}`;
};

const options = (extra: Partial<SshTransportOptions> = {}): SshTransportOptions => ({
  host: "node-a",
  address: "127.0.0.1",
  port: sshd.port,
  username: "root",
  privateKeyPath: sshd.userKeyPath,
  knownHostsPath: knownHosts,
  connectTimeoutMs: 5_000,
  ...extra,
});

const connect = async (extra: Partial<SshTransportOptions> = {}): Promise<SshTransport> => {
  const t = await sshTransport(options(extra));
  if (E.isLeft(t)) throw new Error(`connect failed: ${JSON.stringify(t.left)}`);
  open.push(t.right);
  return t.right;
};

const failure = async (extra: Partial<SshTransportOptions>): Promise<TransportError> => {
  const t = await sshTransport(options(extra));
  if (E.isRight(t)) {
    await t.right.close();
    throw new Error("expected the connection to fail");
  }
  return t.left;
};

const text = (b: Uint8Array): string => Buffer.from(b).toString("utf8");

describe("sshTransport over TCP", () => {
  it("runs scripts with stdin and env, and serves many execs (also concurrent) over ONE connection", async () => {
    const before = sshd.acceptedConnections();
    const t = await connect();
    const first = await t.exec({
      script: 'printf "%s|%s" "$GREETING" "$(cat)"',
      stdin: Buffer.from("it's stdin"),
      env: { GREETING: "it's env" },
    });
    expect(E.isRight(first) && text(first.right.stdout)).toBe("it's env|it's stdin");
    // 20 at once is more than sshd's MaxSessions (10): the transport must queue, not fail.
    const many = await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.exec({ script: `echo ${i}; echo err${i} >&2; exit ${i % 3}` })),
    );
    many.forEach((r, i) => {
      if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
      expect(text(r.right.stdout)).toBe(`${i}\n`);
      expect(text(r.right.stderr)).toBe(`err${i}\n`);
      expect(r.right.exitCode).toBe(i % 3);
    });
    expect(t.roundTrips).toBe(21);
    expect(sshd.acceptedConnections() - before).toBe(1);
  });

  it("moves binary stdout and stdin unchanged", async () => {
    const t = await connect();
    const bytes = Buffer.from(Array.from({ length: 256 * 64 }, (_, i) => i % 256));
    const r = await t.exec({ script: "cat", stdin: bytes });
    expect(E.isRight(r) && Buffer.from(r.right.stdout).equals(bytes)).toBe(true);
  });

  it("uploads atomically with the given mode, replacing an existing file", async () => {
    const t = await connect();
    const path = join(scratch, "it's uploaded.txt");
    await writeFile(path, "old");
    const r = await t.upload(path, Buffer.from("new content\n"), 0o640);
    expect(r).toEqual(E.right(undefined));
    expect(await readFile(path, "utf8")).toBe("new content\n");
    const mode = await t.exec({ script: `stat -c %a '${path.replaceAll("'", "'\\''")}'` });
    expect(E.isRight(mode) && text(mode.right.stdout).trim()).toBe("640");
    const leftovers = await t.exec({ script: `ls -A ${scratch} | grep -c tend- || true` });
    expect(E.isRight(leftovers) && text(leftovers.right.stdout).trim()).toBe("0");
  });

  it("fails an upload into a missing directory with NonZeroExit naming the path", async () => {
    const t = await connect();
    const r = await t.upload(join(scratch, "missing", "f"), Buffer.from("x"), 0o644);
    expect(E.isLeft(r) && r.left._tag).toBe("NonZeroExit");
    expect(E.isLeft(r) && "command" in r.left && r.left.command).toContain("missing/f");
  });

  it("kills a command at its timeout and returns Timeout; the connection stays usable", async () => {
    const t = await connect();
    // A unique sleep duration, so pgrep finds exactly this command.
    const marker = `${process.pid}${Date.now() % 1000}`;
    const started = Date.now();
    const r = await t.exec({ script: `sleep 29.${marker}`, timeoutMs: 500 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(E.isLeft(r) && r.left).toMatchObject({ _tag: "Timeout", host: "node-a", afterMs: 500 });
    // The remote process was killed on the host, not orphaned behind the closed channel.
    await new Promise((res) => setTimeout(res, 1_000));
    const ps = await t.exec({ script: `pgrep -f 'sleep 29[.]${marker}' || true` });
    expect(E.isRight(ps) && text(ps.right.stdout)).toBe("");
    const after = await t.exec({ script: "echo alive" });
    expect(E.isRight(after) && text(after.right.stdout)).toBe("alive\n");
  });

  it("reports a command killed by a signal as exit 128+n with the reason on stderr", async () => {
    const t = await connect();
    const r = await t.exec({ script: "kill -TERM $$" });
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    expect(r.right.exitCode).toBe(143);
    expect(text(r.right.stderr)).toContain("SIGTERM");
  });
});

describe("authentication and host keys", () => {
  it("fails with AuthFailed for a key the server does not accept", async () => {
    expect(await failure({ privateKeyPath: sshd.wrongKeyPath })).toMatchObject({
      _tag: "AuthFailed",
      host: "node-a",
    });
  });

  it("fails with AuthFailed when the key file cannot be read", async () => {
    expect(await failure({ privateKeyPath: join(scratch, "no-such-key") })).toMatchObject({
      _tag: "AuthFailed",
    });
  });

  it("refuses an unknown host key under strict, naming its fingerprint", async () => {
    await writeFile(knownHosts, "");
    const e = await failure({});
    expect(e._tag).toBe("HostKeyRejected");
    expect("reason" in e && e.reason).toMatch(
      /^unknown host key for node-a \(fingerprint SHA256:[A-Za-z0-9+/]{43}\); add it to known_hosts or use accept-new$/,
    );
  });

  it("accept-new records an unknown key, after which strict connects", async () => {
    const fresh = join(scratch, "sub", "known_hosts_new");
    await connect({ knownHostsPath: fresh, hostKeyPolicy: "accept-new" });
    expect((await readFile(fresh, "utf8")).trim()).toBe(await recordedLine());
    const t = await connect({ knownHostsPath: fresh, hostKeyPolicy: "strict" });
    expect(E.isRight(await t.exec({ script: "true" }))).toBe(true);
  });

  it("accepts a hashed known_hosts entry (ssh-keygen -H)", async () => {
    const { execFileSync } = await import("node:child_process");
    execFileSync("ssh-keygen", ["-q", "-H", "-f", knownHosts]);
    expect(await readFile(knownHosts, "utf8")).toMatch(/^\|1\|/);
    await connect();
  });

  it("refuses a changed host key under both policies", async () => {
    await sshd.regenerateHostKey();
    for (const hostKeyPolicy of ["strict", "accept-new"] as const) {
      const e = await failure({ hostKeyPolicy });
      expect(e).toMatchObject({ _tag: "HostKeyRejected", host: "node-a" });
      expect("reason" in e && e.reason).toMatch(/^host key for node-a changed/);
    }
  });
});

describe("ssh-agent", () => {
  it("authenticates with a key held only by a running ssh-agent", async () => {
    const { spawn, execFileSync } = await import("node:child_process");
    const socket = join(scratch, "agent.sock");
    // -D: stays in the foreground as our child, so the test can end it by its pid.
    const agent = spawn("ssh-agent", ["-D", "-a", socket], { stdio: "ignore" });
    try {
      for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((res) => setTimeout(res, 50));
      execFileSync("ssh-add", ["-q", sshd.userKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
      const t = await connect({ privateKeyPath: undefined, agent: socket });
      const r = await t.exec({ script: "echo via-agent" });
      expect(E.isRight(r) && text(r.right.stdout)).toBe("via-agent\n");
      await t.close();
    } finally {
      agent.kill("SIGTERM");
    }
  });
});

describe("connection failures", () => {
  it("fails with ConnectFailed when nothing listens", async () => {
    const port = await freePort();
    const started = Date.now();
    expect(await failure({ port })).toMatchObject({ _tag: "ConnectFailed", host: "node-a" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("fails with ConnectFailed within connectTimeoutMs when the server never speaks", async () => {
    const { createServer } = await import("node:net");
    const silent = createServer(() => {});
    await new Promise<void>((res) => silent.listen(0, "127.0.0.1", () => res()));
    const address = silent.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const started = Date.now();
    const e = await failure({ port, connectTimeoutMs: 800 });
    const took = Date.now() - started;
    silent.close();
    expect(e).toMatchObject({ _tag: "ConnectFailed", host: "node-a" });
    expect(took).toBeGreaterThanOrEqual(700);
    expect(took).toBeLessThan(3_000);
  });

  it("fails running and later commands with ConnectionLost when the connection drops mid-command", async () => {
    const { createServer, connect: tcp } = await import("node:net");
    // A TCP relay to sshd that the test can cut, like a host that disappears.
    const sockets: import("node:net").Socket[] = [];
    const relay = createServer((inbound) => {
      const outbound = tcp(sshd.port, "127.0.0.1");
      sockets.push(inbound, outbound);
      inbound.pipe(outbound).pipe(inbound);
      inbound.on("error", () => {});
      outbound.on("error", () => {});
    });
    await new Promise<void>((res) => relay.listen(0, "127.0.0.1", () => res()));
    const address = relay.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    // The relay's port is another known_hosts name for the same key.
    const [type, key] = (await sshd.hostPublicKey()).split(" ");
    await writeFile(knownHosts, `[127.0.0.1]:${port} ${type} ${key}\n`);
    const t = await connect({ port });
    const running = t.exec({ script: "sleep 20" });
    await new Promise((res) => setTimeout(res, 300));
    for (const s of sockets) s.destroy();
    relay.close();
    const started = Date.now();
    const r = await running;
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(E.isLeft(r) && r.left).toMatchObject({ _tag: "ConnectionLost", host: "node-a" });
    const later = await t.exec({ script: "true" });
    expect(E.isLeft(later) && later.left._tag).toBe("ConnectionLost");
  });
});

describe("silent peers", () => {
  it("fails a running command with ConnectionLost when the peer stops answering keepalives", async () => {
    const { createServer, connect: tcp } = await import("node:net");
    // A relay that can freeze: the TCP connection stays up but nothing gets through,
    // like a host whose network died without a reset.
    let frozen = false;
    const sockets: import("node:net").Socket[] = [];
    const relay = createServer((inbound) => {
      const outbound = tcp(sshd.port, "127.0.0.1");
      sockets.push(inbound, outbound);
      inbound.on("data", (b) => frozen || outbound.write(b));
      outbound.on("data", (b) => frozen || inbound.write(b));
      inbound.on("error", () => {});
      outbound.on("error", () => {});
    });
    await new Promise<void>((res) => relay.listen(0, "127.0.0.1", () => res()));
    const address = relay.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const [type, key] = (await sshd.hostPublicKey()).split(" ");
    await writeFile(knownHosts, `[127.0.0.1]:${port} ${type} ${key}\n`);
    try {
      const t = await connect({ port, keepaliveIntervalMs: 200, keepaliveCountMax: 2 });
      const running = t.exec({ script: "sleep 20" });
      await new Promise((res) => setTimeout(res, 200));
      frozen = true;
      const started = Date.now();
      const r = await running;
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(E.isLeft(r) && r.left).toMatchObject({ _tag: "ConnectionLost", host: "node-a" });
    } finally {
      for (const socket of sockets) socket.destroy();
      relay.close();
    }
  });
});

describe("routes", () => {
  it("connects through a ProxyCommand (sshd -i speaking SSH on stdio), with %h %p %r substituted", async () => {
    const seen = join(scratch, "proxy-args");
    const t = await connect({
      proxyCommand: `sh -c 'echo "$1 $2 $3" > ${seen}; exec /usr/sbin/sshd -i -e -f ${sshd.configPath}' proxy %h %p %r`,
    });
    const r = await t.exec({ script: "echo via-proxy" });
    expect(E.isRight(r) && text(r.right.stdout)).toBe("via-proxy\n");
    expect((await readFile(seen, "utf8")).trim()).toBe(`127.0.0.1 ${sshd.port} root`);
  });

  it("reports a ProxyCommand that exits at once as ConnectFailed with its stderr", async () => {
    const e = await failure({ proxyCommand: "echo proxy-broke >&2; exit 3" });
    expect(e._tag).toBe("ConnectFailed");
    expect("reason" in e && e.reason).toContain("proxy-broke");
  });

  it("reaches a target through a jump host's connection", async () => {
    const jump = await connect({ host: "bastion" });
    const before = sshd.acceptedConnections();
    const t = await connect({ host: "node-b", jumpHost: jump });
    const r = await t.exec({ script: "echo via-jump" });
    expect(E.isRight(r) && text(r.right.stdout)).toBe("via-jump\n");
    expect(sshd.acceptedConnections() - before).toBe(1);
    expect(jump.roundTrips).toBe(0);
  });
});
