/**
 * A small real Transport for the shell tests: `/bin/sh -c script` on this
 * machine through child_process (test files may import it; core may not).
 * Its own tests run only when this file is the test file, not when another
 * test file imports the class.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import {
  type ExecRequest,
  type ExecResult,
  stdinBuffers,
  type Transport,
  type TransportError,
} from "../transport.js";

/** The shell scripts run in: /bin/sh (dash here); TEND_TEST_SHELL=bash checks the bash-as-sh of RedHat hosts. */
const SHELL = process.env.TEND_TEST_SHELL ?? "/bin/sh";

/** Runs scripts with the local /bin/sh (dash here), counting round trips. */
export class ShTransport implements Transport {
  roundTrips = 0;
  /** Every script this transport ran, for tests that check what was sent. */
  readonly scripts: string[] = [];
  /**
   * `cwd`: where scripts start (property tests watch it for files an injection would create).
   * `prefix`: a command the shell runs under, e.g. `unshare --net --` for a private network namespace.
   */
  constructor(
    readonly host = "local-sh",
    private readonly cwd?: string,
    private readonly prefix: readonly string[] = [],
  ) {}

  exec(req: ExecRequest): Promise<E.Either<TransportError, ExecResult>> {
    this.roundTrips++;
    this.scripts.push(req.script);
    return new Promise((resolve) => {
      // Own process group, so a timeout kills the script's children too.
      const argv = [...this.prefix, SHELL, "-c", req.script];
      const child = spawn(argv[0] ?? SHELL, argv.slice(1), {
        env: { ...process.env, ...req.env },
        detached: true,
        ...(this.cwd ? { cwd: this.cwd } : {}),
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer =
        req.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
            }, req.timeoutMs);
      child.stdout.on("data", (b: Buffer) => out.push(b));
      child.stderr.on("data", (b: Buffer) => err.push(b));
      // A script that stops early leaves stdin unread; EPIPE then is expected.
      child.stdin.on("error", () => {});
      child.stdin.end(Buffer.concat(stdinBuffers(req.stdin)));
      child.on("error", (e) =>
        resolve(E.left({ _tag: "ConnectFailed", host: this.host, reason: e.message })),
      );
      child.on("close", (code, signal) => {
        if (timer) clearTimeout(timer);
        if (timedOut) {
          resolve(
            E.left({ _tag: "Timeout", host: this.host, command: "sh -c", afterMs: req.timeoutMs ?? 0 }),
          );
        } else {
          const stdout = new Uint8Array(Buffer.concat(out));
          const stderr = new Uint8Array(Buffer.concat(err));
          resolve(E.right({ exitCode: code ?? (signal ? 128 : 1), stdout, stderr }));
        }
      });
    });
  }

  async upload(): Promise<E.Either<TransportError, void>> {
    throw new Error("ShTransport.upload is not used by ShellTarget");
  }

  async close(): Promise<void> {}
}

/** A fresh temp dir and its removal. */
export const tempDir = (prefix = "tend-shell-"): { dir: string; cleanup: () => void } => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
};

if (expect.getState().testPath?.endsWith("sh-transport.test.ts")) {
  describe("ShTransport (the test transport itself)", () => {
    it("returns stdout, stderr and a non-zero exit code as a result, and feeds stdin", async () => {
      const t = new ShTransport();
      const r = await t.exec({ script: "cat; echo err >&2; exit 3", stdin: new TextEncoder().encode("in") });
      expect(r).toEqual(
        E.right({
          exitCode: 3,
          stdout: new TextEncoder().encode("in"),
          stderr: new TextEncoder().encode("err\n"),
        }),
      );
      expect(t.roundTrips).toBe(1);
    });

    it("kills the script and its children on timeout", async () => {
      const r = await new ShTransport().exec({ script: "sleep 5; echo late", timeoutMs: 200 });
      expect(E.isLeft(r) && r.left._tag).toBe("Timeout");
    });
  });
}
