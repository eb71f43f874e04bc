/**
 * A ProxyCommand runs through /bin/sh on the controller, so `%h` and `%r`
 * are where an inventory value could become a command (CVE-2023-51385).
 * These properties run the real expansion and the real spawn: a value
 * outside the host-name/IP and user-name grammars never reaches a process,
 * and a value inside them reaches it as exactly one literal word.
 */
import * as childProcess from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { bareAddress } from "./names.js";
import { proxyCommandSocket } from "./socket.js";
import { sshTransport } from "./transport.js";

vi.mock("node:child_process", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:child_process")>();
  return { ...real, spawn: vi.fn(real.spawn) };
});
const spawned = vi.mocked(childProcess.spawn);

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);
const scratch = mkdtempSync(join(tmpdir(), "tend-proxy-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const marker = join(scratch, "injected");
beforeEach(() => {
  spawned.mockClear();
});

// What OpenSSH >= 9.6 refuses in %h: shell metacharacters, whitespace, control characters.
const SHELL_SYNTAX = /['`"$\\;&<>|(){}\s\p{Cc}]/u;

const attacks = [
  `$(touch ${marker})`,
  `\`touch ${marker}\``,
  `;touch ${marker}`,
  `|touch ${marker}`,
  ` && touch ${marker}`,
  `\ntouch ${marker}`,
  `'$(touch ${marker})'`,
  `"$(touch ${marker})"`,
  `>${marker}`,
  " -oProxyCommand=x",
];
const hostile = (base: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc
    .tuple(base, fc.constantFrom(...attacks), fc.boolean())
    .map(([b, a, before]) => (before ? `${a}${b}` : `${b}${a}`));

const addressArb = fc.oneof(
  fc.domain(),
  fc.ipV4(),
  fc.ipV6(),
  fc.ipV6().map((a) => `[${a}]`),
  fc.string({ maxLength: 30 }),
  hostile(fc.oneof(fc.domain(), fc.ipV4())),
);
const userArb = fc.oneof(
  fc.stringMatching(/^[a-z_][a-z0-9_-]{0,15}$/),
  fc.string({ maxLength: 20 }),
  hostile(fc.constantFrom("root", "deploy")),
);

/** Everything the proxy command wrote to its stdout (the socket's read side). */
const output = (sock: NodeJS.ReadableStream): Promise<string> =>
  new Promise((resolve) => {
    let text = "";
    sock.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
    });
    sock.on("end", () => resolve(text));
    sock.on("error", () => resolve(text));
  });

describe("ProxyCommand expansion", () => {
  it("never spawns a process for a host or user outside the grammar, and passes one inside it as one literal word", async () => {
    await fc.assert(
      fc.asyncProperty(
        addressArb,
        userArb,
        fc.integer({ min: 1, max: 65535 }),
        async (address, user, port) => {
          const r = proxyCommandSocket("printf '%%s' %r@%h:%p", { address, port, username: user });
          if (
            SHELL_SYNTAX.test(address) ||
            SHELL_SYNTAX.test(user) ||
            address === "" ||
            user.startsWith("-")
          ) {
            expect(E.isLeft(r)).toBe(true);
          }
          if (E.isLeft(r)) {
            expect(r.left._tag).toBe("ProxyCommandRefused");
            expect(spawned).not.toHaveBeenCalled();
          } else {
            expect(await output(r.right)).toBe(`${user}@${bareAddress(address)}:${port}`);
          }
          expect(existsSync(marker)).toBe(false);
          spawned.mockClear();
        },
      ),
      { numRuns },
    );
  });

  it("refuses an unknown %-token and an empty command without spawning", () => {
    const tokens = { address: "h.example", port: 22, username: "u" };
    for (const template of ["nc %h %n", "nc %h %", "   "]) {
      const r = proxyCommandSocket(template, tokens);
      expect(E.isLeft(r) && r.left.token).toBe("template");
    }
    expect(spawned).not.toHaveBeenCalled();
  });
});

describe("sshTransport with a ProxyCommand", () => {
  it("refuses ansible_host 10.0.0.1$(touch …) as ConnectFailed naming the host, with no process spawned and no file touched", async () => {
    const r = await sshTransport({
      host: "w1",
      address: `10.0.0.1$(touch ${marker})`,
      username: "deploy",
      proxyCommand: "nc %h %p",
      knownHostsPath: join(scratch, "known_hosts"),
      hostKeyPolicy: "accept-new",
    });
    expect(E.isLeft(r) && r.left).toMatchObject({ _tag: "ConnectFailed", host: "w1" });
    expect(E.isLeft(r) && "reason" in r.left && r.left.reason).toMatch(/ProxyCommand not run: host address/);
    expect(spawned).not.toHaveBeenCalled();
    expect(existsSync(marker)).toBe(false);
  });

  it("refuses a user name with shell syntax in %r, with no process spawned", async () => {
    const r = await sshTransport({
      host: "w1",
      address: "10.0.0.1",
      username: `root;touch ${marker}`,
      proxyCommand: "ssh -l %r -W %h:%p bastion",
      knownHostsPath: join(scratch, "known_hosts"),
      hostKeyPolicy: "accept-new",
    });
    expect(E.isLeft(r) && "reason" in r.left && r.left.reason).toMatch(/ProxyCommand not run: user/);
    expect(spawned).not.toHaveBeenCalled();
    expect(existsSync(marker)).toBe(false);
  });
});
