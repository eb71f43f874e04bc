/**
 * The transport conformance suite: what every Transport (local, docker, ssh)
 * promises ShellTarget, checked against real hosts. A transport test file
 * calls describeConformance with a factory; the factory is called once for
 * the shared transport and once more for the "host disappears" case, whose
 * host is destroyed.
 *
 * What the transport did is checked outside of it: on the test host through
 * `docker exec` (execOnHost), or on this machine when the subject has no host.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Transport, TransportError } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "../hosts/docker-cli.js";
import { type CommandOutput, execOnHost, type TestHost } from "../hosts/hosts.js";

/** A transport under test and how to reach (and destroy) what it talks to. */
export interface ConformanceSubject {
  readonly transport: Transport;
  /** The test host the transport talks to; absent for this machine. */
  readonly host?: TestHost;
  /** Makes the host disappear (e.g. `docker kill`); the suite calls it mid-command. */
  readonly kill?: () => Promise<void>;
  /** Frees what the factory made (stops hosts, deletes keys); called after close(). */
  readonly dispose?: () => Promise<void>;
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => Buffer.from(b).toString("utf8");
const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const token = (): string => String(Math.floor(Math.random() * 1e9));

/** Resolves to "hang" when p has not settled within ms, so a hang fails the test with a reason. */
const within = <A>(p: Promise<A>, ms: number): Promise<A | "hang"> =>
  Promise.race([p, sleep(ms).then(() => "hang" as const)]);

const TYPED_LOSS: ReadonlyArray<TransportError["_tag"]> = ["ConnectionLost", "ConnectFailed"];

/** Registers the conformance tests for one transport under `describe(name)`. */
export const describeConformance = (name: string, makeTransport: () => Promise<ConformanceSubject>): void => {
  describe(`${name} transport conformance`, () => {
    let subject: ConformanceSubject;
    const t = (): Transport => subject.transport;
    const onHost = (argv: readonly string[]): Promise<CommandOutput> =>
      subject.host ? execOnHost(subject.host, argv) : runCommand(argv, { timeoutMs: 120_000 });
    const run = async (
      script: string,
      extra: { stdin?: Uint8Array | readonly Uint8Array[]; env?: Record<string, string> } = {},
    ) => {
      const r = await t().exec({ script, ...extra });
      if (E.isLeft(r)) throw new Error(`exec failed: ${JSON.stringify(r.left)}`);
      return r.right;
    };
    // pgrep pattern that cannot match the command line that carries it ("[s]leep" vs "sleep").
    const running = async (pattern: string): Promise<boolean> =>
      (await onHost(["pgrep", "-f", pattern])).code === 0;

    beforeAll(async () => {
      subject = await makeTransport();
    });
    afterAll(async () => {
      await subject?.transport.close();
      await subject?.dispose?.();
    });

    it("reports the script's exit code (0, 1, 42) as a result, not an error", async () => {
      for (const code of [0, 1, 42]) {
        const r = await run(`exit ${code}`);
        expect(r.exitCode).toBe(code);
      }
    });

    it("passes stdin through byte for byte (all 256 byte values, 8 MiB)", async () => {
      const small = Uint8Array.from({ length: 256 }, (_, i) => i);
      expect(Buffer.from((await run("cat", { stdin: small })).stdout)).toEqual(Buffer.from(small));
      const big = randomBytes(8 * 1024 * 1024);
      const r = await run("sha256sum | cut -d' ' -f1", { stdin: big });
      expect(text(r.stdout).trim()).toBe(sha256(big));
    });

    it("writes stdin given in parts one after another, as one stream (empty parts and views included)", async () => {
      const big = randomBytes(3 * 1024 * 1024);
      const parts = [
        big.subarray(0, 1000),
        new Uint8Array(),
        big.subarray(1000, 2_000_000),
        big.subarray(2_000_000),
      ];
      const r = await run("sha256sum | cut -d' ' -f1", { stdin: parts });
      expect(text(r.stdout).trim()).toBe(sha256(big));
      const none = await within(run("wc -c", { stdin: [] }), 30_000);
      expect(none).not.toBe("hang");
      if (none !== "hang") expect(text(none.stdout).trim()).toBe("0");
    });

    it("closes stdin when none is given, so a command reading it sees end of file", async () => {
      const r = await within(run("wc -c"), 30_000);
      expect(r).not.toBe("hang");
      if (r !== "hang") expect(text(r.stdout).trim()).toBe("0");
    });

    it("sets env vars with spaces, quotes, dollars and newlines intact", async () => {
      const env = {
        TEND_A: "plain",
        TEND_B: "two words 'single' \"double\" $HOME `x`",
        TEND_C: "line1\nline2",
      };
      const r = await run(`printf '%s|%s|%s' "$TEND_A" "$TEND_B" "$TEND_C"`, { env });
      expect(text(r.stdout)).toBe(`${env.TEND_A}|${env.TEND_B}|${env.TEND_C}`);
    });

    it("delivers 50 MiB of stdout without loss (sha256 equal)", async () => {
      const size = 50 * 1024 * 1024;
      const r = await run(
        `f=$(mktemp) && head -c ${size} /dev/urandom > "$f" && sha256sum "$f" | cut -d' ' -f1 >&2 && cat "$f"; rm -f "$f"`,
      );
      expect(r.exitCode).toBe(0);
      expect(r.stdout.length).toBe(size);
      expect(sha256(r.stdout)).toBe(text(r.stderr).trim());
    });

    it("keeps stderr apart from stdout, line for line", async () => {
      const r = await run(`i=0; while [ $i -lt 2000 ]; do i=$((i+1)); echo o$i; echo e$i >&2; done`);
      const lines = (b: Uint8Array) => text(b).trim().split("\n");
      expect(lines(r.stdout)).toEqual(Array.from({ length: 2000 }, (_, i) => `o${i + 1}`));
      expect(lines(r.stderr)).toEqual(Array.from({ length: 2000 }, (_, i) => `e${i + 1}`));
    });

    describe("upload", () => {
      let dir = "";
      beforeAll(async () => {
        dir = (await onHost(["mktemp", "-d", "/tmp/tend-conformance.XXXXXX"])).stdout.toString().trim();
        expect(dir).toMatch(/^\/tmp\/tend-conformance\./);
      });
      afterAll(async () => {
        if (dir) await onHost(["rm", "-rf", dir]);
      });
      const ls = async () =>
        (await onHost(["ls", "-A", dir])).stdout.toString().trim().split("\n").filter(Boolean);
      const stat = async (p: string) =>
        (await onHost(["stat", "-c", "%a %s %i", p])).stdout.toString().trim().split(" ");

      it("writes random bytes binary-safe with the mode set and no temp file left", async () => {
        const data = Buffer.concat([
          Uint8Array.from({ length: 256 }, (_, i) => i),
          randomBytes(3 * 1024 * 1024),
        ]);
        const path = `${dir}/it's a "file".bin`;
        const r = await t().upload(path, data, 0o640);
        expect(r).toEqual(E.right(undefined));
        const sum = (await onHost(["sha256sum", path])).stdout.toString().split(" ")[0];
        expect(sum).toBe(sha256(data));
        expect((await stat(path)).slice(0, 2)).toEqual(["640", String(data.length)]);
        expect(await ls()).toEqual([`it's a "file".bin`]);
      });

      it("replaces an existing file by rename (new inode), mode included, and writes empty files", async () => {
        const path = `${dir}/replace.bin`;
        expect(await t().upload(path, randomBytes(1000), 0o600)).toEqual(E.right(undefined));
        const [, , inodeBefore] = await stat(path);
        const next = randomBytes(2000);
        expect(await t().upload(path, next, 0o755)).toEqual(E.right(undefined));
        const [mode, size, inodeAfter] = await stat(path);
        expect([mode, size]).toEqual(["755", "2000"]);
        // A new inode shows the content arrived by rename, not by rewriting the file in place.
        expect(inodeAfter).not.toBe(inodeBefore);
        expect((await onHost(["sha256sum", path])).stdout.toString().split(" ")[0]).toBe(sha256(next));
        expect(await t().upload(`${dir}/empty`, new Uint8Array(0), 0o644)).toEqual(E.right(undefined));
        expect((await stat(`${dir}/empty`)).slice(0, 2)).toEqual(["644", "0"]);
        expect((await ls()).filter((f) => f !== `it's a "file".bin`).sort()).toEqual([
          "empty",
          "replace.bin",
        ]);
      });

      it("returns an error naming the host, not a hang, when the target directory is missing", async () => {
        const r = await within(t().upload(`${dir}/missing/file`, enc("x"), 0o644), 60_000);
        expect(r).not.toBe("hang");
        if (r === "hang") return;
        expect(E.isLeft(r) && r.left.host).toBe(t().host);
        expect(await ls()).not.toContain("missing");
      });
    });

    it("runs 20 concurrent execs on one transport, each with its own stdin, env and result", async () => {
      const before = t().roundTrips;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          run(`printf '%s:' "$N"; cat; sleep 0.$((N % 5)); exit $((N % 3))`, {
            env: { N: String(i) },
            stdin: enc(`payload-${i}`),
          }),
        ),
      );
      results.forEach((r, i) => {
        expect(text(r.stdout)).toBe(`${i}:payload-${i}`);
        expect(r.exitCode).toBe(i % 3);
      });
      expect(t().roundTrips - before).toBe(20);
    });

    it("turns an expired timeoutMs into a Timeout error naming the host, and kills the command", async () => {
      const tok = token();
      const started = Date.now();
      const r = await within(t().exec({ script: `sleep 61.${tok}; echo survived`, timeoutMs: 1500 }), 30_000);
      expect(r).not.toBe("hang");
      expect(Date.now() - started).toBeLessThan(20_000);
      if (r === "hang") return;
      expect(E.isLeft(r) && r.left).toMatchObject({ _tag: "Timeout", host: t().host, afterMs: 1500 });
      // The kill may land a moment after the error; give it a few seconds.
      let alive = true;
      for (let i = 0; i < 40 && alive; i++) {
        alive = await running(`[s]leep 61.${tok}`);
        if (alive) await sleep(250);
      }
      expect(alive).toBe(false);
      // The transport stays usable after a timeout.
      expect(text((await run("echo ok")).stdout)).toBe("ok\n");
    });

    it("counts one round trip per exec", async () => {
      const before = t().roundTrips;
      await run("true");
      await run("exit 3");
      await run("cat", { stdin: enc("x") });
      expect(t().roundTrips - before).toBe(3);
    });

    it("returns a typed error naming the host, not a hang, when the host disappears mid-command", async (ctx) => {
      const probe = await makeTransport();
      try {
        if (!probe.kill) {
          ctx.skip();
          return;
        }
        const tok = token();
        const pending = probe.transport.exec({ script: `sleep 62.${tok}; echo survived` });
        const check = probe.host
          ? (p: string) => execOnHost(probe.host as TestHost, ["pgrep", "-f", p])
          : (p: string) => runCommand(["pgrep", "-f", p]);
        for (let i = 0; i < 120 && (await check(`[s]leep 62.${tok}`)).code !== 0; i++) await sleep(250);
        await probe.kill();
        const r = await within(pending, 60_000);
        expect(r).not.toBe("hang");
        if (r === "hang") return;
        expect(E.isLeft(r)).toBe(true);
        if (E.isRight(r)) return;
        expect(TYPED_LOSS).toContain(r.left._tag);
        expect(r.left.host).toBe(probe.transport.host);
        if (probe.host) {
          // The host is gone: the next exec fails the same typed way instead of waiting forever.
          const next = await within(probe.transport.exec({ script: "echo hi" }), 60_000);
          expect(next).not.toBe("hang");
          if (next !== "hang") expect(E.isLeft(next) && TYPED_LOSS.includes(next.left._tag)).toBe(true);
        }
      } finally {
        await probe.transport.close();
        await probe.dispose?.();
      }
    });
  });
};
