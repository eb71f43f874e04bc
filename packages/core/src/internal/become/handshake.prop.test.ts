/**
 * The become handshake against a model of sudo, su and the wrapper: whatever
 * bytes the command and sudo/su write, split at any chunk boundary and
 * holding the marker, sentinel and prompt strings, the command gets the
 * request's stdin byte-exact, its stdout and stderr come back byte-exact, and
 * the password appears only in the one stdin line sudo or su reads. The
 * wrapper itself is run by the real /bin/sh.
 */
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { BecomeMethod } from "../transport.js";
import { BECOME_WRAPPER, type BecomeSpec, becomeGated, becomeTokens } from "./argv.js";
import { type BecomeEvent, BecomeHandshake } from "./handshake.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const cat = (parts: readonly Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

const nonce = fc.uint8Array({ minLength: 8, maxLength: 12 }).map(hex);
const password = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 24 })
  .filter((s) => !/[\n\r\0]/.test(s));

/** Bytes with the handshake's own strings mixed in, as a hostile command or host would write them. */
const hostile = (n: string) => {
  const t = becomeTokens(n);
  const words = [t.marker, `${t.marker}\n`, t.sentinel, `${t.sentinel}\n`, t.prompt, "\n", "Password: "];
  return fc
    .array(fc.oneof(fc.uint8Array({ maxLength: 48 }), fc.constantFrom(...words.map(enc))), { maxLength: 8 })
    .map(cat);
};

/** `bytes` cut at arbitrary points (empty chunks included). */
const chunked = (bytes: Uint8Array) =>
  fc.array(fc.nat({ max: Math.max(0, bytes.byteLength) }), { maxLength: 6 }).map((cuts) => {
    const at = [0, ...cuts.sort((a, b) => a - b), bytes.byteLength];
    return at.slice(1).map((end, i) => bytes.subarray(at[i] as number, end));
  });

/** What the controller did in answer to the events. */
class Controller {
  readonly stdin: Uint8Array[] = [];
  readonly out = { stdout: [] as Uint8Array[], stderr: [] as Uint8Array[] };
  readonly failures: Extract<BecomeEvent, { _tag: "Failed" }>[] = [];
  sent = 0;
  constructor(private readonly request: Uint8Array) {}
  apply(events: readonly BecomeEvent[]): void {
    for (const e of events) {
      if (e._tag === "Write") this.stdin.push(e.bytes);
      else if (e._tag === "SendStdin") {
        this.sent++;
        this.stdin.push(this.request);
      } else if (e._tag === "Output") this.out[e.stream].push(e.bytes);
      else this.failures.push(e);
    }
  }
}

/** The first line of `bytes` (without its newline) and the rest, or undefined without a newline. */
const firstLine = (bytes: Uint8Array): [string, Uint8Array] | undefined => {
  const nl = bytes.indexOf(10);
  return nl < 0 ? undefined : [Buffer.from(bytes.subarray(0, nl)).toString(), bytes.subarray(nl + 1)];
};

const scenario = fc
  .record({
    method: fc.constantFrom<BecomeMethod>("sudo", "su"),
    password: fc.option(password, { nil: undefined }),
    // sudo with NOPASSWD or cached credentials, or su run by root, does not read the password.
    reads: fc.boolean(),
    nonce,
  })
  .chain((s) =>
    fc.record({
      s: fc.constant(s),
      request: hostile(s.nonce),
      scriptOut: hostile(s.nonce),
      scriptErr: hostile(s.nonce),
      // sudo/su never print the marker line: it is random per command.
      junkOut: hostile(s.nonce).filter((b) => !Buffer.from(b).includes(`${becomeTokens(s.nonce).marker}\n`)),
      chatter: fc.string({ maxLength: 60 }),
      order: fc.array(fc.boolean(), { maxLength: 20 }),
    }),
  )
  .chain((x) => {
    const t = becomeTokens(x.s.nonce);
    const reads = x.s.password !== undefined && x.s.reads;
    const promptText = reads ? (x.s.method === "sudo" ? t.prompt : "Password: ") : "";
    return fc.record({
      x: fc.constant(x),
      reads: fc.constant(reads),
      errChunks: chunked(enc(`${x.chatter}${promptText}`)),
      outChunks: chunked(cat([x.junkOut, enc(`${t.marker}\n`), x.scriptOut])),
      scriptErrChunks: chunked(x.scriptErr),
    });
  });

describe("BecomeHandshake", () => {
  it("hands the command the request's stdin and gives back its stdout and stderr byte-exact, the password going only to sudo/su", () => {
    fc.assert(
      fc.property(scenario, ({ x, reads, errChunks, outChunks, scriptErrChunks }) => {
        const { method, password: pw, nonce: n } = x.s;
        const t = becomeTokens(n);
        const spec: BecomeSpec = { method, user: "root", withPassword: pw !== undefined };
        const hs = new BecomeHandshake(spec, t, pw);
        const c = new Controller(x.request);
        c.apply(hs.start());
        for (const chunk of errChunks) c.apply(hs.stderr(chunk));
        // sudo/su reads its password line: it must be on stdin, first and alone, before the marker.
        if (reads) expect(Buffer.from(cat(c.stdin)).toString()).toBe(`${pw}\n`);
        const outs = [...outChunks];
        const errs = [...scriptErrChunks];
        for (const toStdout of x.order) {
          if (!toStdout && hs.running && errs.length > 0) c.apply(hs.stderr(errs.shift() as Uint8Array));
          else if (outs.length > 0) c.apply(hs.stdout(outs.shift() as Uint8Array));
        }
        for (const chunk of outs) c.apply(hs.stdout(chunk));
        for (const chunk of errs) c.apply(hs.stderr(chunk));
        c.apply(hs.exit());

        expect(c.failures).toEqual([]);
        expect(c.sent).toBe(1);
        // The password is written once to su, once to sudo when it prompted, and never otherwise.
        const writes = c.stdin.slice(0, -1).filter((b) => Buffer.from(b).toString() === `${pw}\n`);
        const expected = pw !== undefined && (method === "su" || reads) ? 1 : 0;
        expect(writes.length).toBe(expected);
        // The wrapper: with a gate it discards lines up to the sentinel line.
        let rest = cat(c.stdin);
        if (reads) rest = (firstLine(rest) as [string, Uint8Array])[1];
        if (becomeGated(spec)) {
          for (;;) {
            const line = firstLine(rest);
            expect(line).toBeDefined();
            rest = (line as [string, Uint8Array])[1];
            if (line?.[0] === t.sentinel) break;
          }
        }
        expect(hex(rest)).toBe(hex(x.request));
        expect(hex(cat(c.out.stdout))).toBe(hex(x.scriptOut));
        expect(hex(cat(c.out.stderr))).toBe(hex(x.scriptErr));
      }),
      { numRuns },
    );
  });

  it("fails a wrong sudo password at the second prompt, having written the password once, and never quotes it", () => {
    fc.assert(
      fc.property(nonce, password, fc.string({ maxLength: 40 }), fc.boolean(), (n, pw, said, echo) => {
        const t = becomeTokens(n);
        // sudo asks, reads the line we write, then says so and asks again.
        const first = enc(`${said}${t.prompt}`);
        const again = enc(`Sorry, try again.\n${echo ? pw : ""}${t.prompt}`);
        fc.assert(
          fc.property(chunked(first), chunked(again), (firstChunks, againChunks) => {
            const hs2 = new BecomeHandshake({ method: "sudo", user: "root", withPassword: true }, t, pw);
            const c2 = new Controller(enc("request"));
            c2.apply(hs2.start());
            for (const chunk of firstChunks) c2.apply(hs2.stderr(chunk));
            expect(Buffer.from(cat(c2.stdin)).toString()).toBe(`${pw}\n`);
            for (const chunk of againChunks) c2.apply(hs2.stderr(chunk));
            c2.apply(hs2.exit());
            expect(c2.failures.map((f) => f.problem)).toEqual(["wrong-password"]);
            expect(c2.failures[0]?.detail).not.toContain(pw);
            if (!"Sorry, try again.".includes(pw))
              expect(c2.failures[0]?.detail).toContain("Sorry, try again.");
            expect(c2.sent).toBe(0);
            expect(Buffer.from(cat(c2.stdin)).toString()).toBe(`${pw}\n`);
          }),
          { numRuns: 5 },
        );
      }),
      { numRuns: Math.max(1, Math.floor(numRuns / 5)) },
    );
  });

  it("names the failure from sudo's and su's words when they exit before the marker, never quoting the password", () => {
    const cases = [
      { method: "sudo", pw: false, said: "sudo: a password is required\n", problem: "password-required" },
      { method: "sudo", pw: true, said: "P:sudo: 1 incorrect password attempt\n", problem: "wrong-password" },
      { method: "su", pw: true, said: "Password: su: Authentication failure\n", problem: "wrong-password" },
      { method: "sudo", pw: true, said: "P:deploy is not in the sudoers file.\n", problem: "refused" },
      { method: "su", pw: true, said: "su: user nobody2 does not exist\n", problem: "refused" },
    ] as const;
    fc.assert(
      fc.property(nonce, password, fc.constantFrom(...cases), fc.boolean(), (n, pw, k, echo) => {
        const t = becomeTokens(n);
        const spec: BecomeSpec = { method: k.method, user: "root", withPassword: k.pw };
        const hs = new BecomeHandshake(spec, t, k.pw ? pw : undefined);
        const c = new Controller(enc("request"));
        c.apply(hs.start());
        const said = k.said.replace("P:", t.prompt);
        c.apply(hs.stderr(enc(echo ? `${pw}\n${said}` : said)));
        c.apply(hs.stdout(enc(`${t.marker}`))); // no newline: not the marker line
        c.apply(hs.exit());
        expect(c.failures.map((f) => f.problem)).toEqual([k.problem]);
        if (k.pw) expect(c.failures[0]?.detail).not.toContain(pw);
        // sudo -n reads no stdin, so its request stdin went at once; a gate holds it back.
        expect(c.sent).toBe(becomeGated(spec) ? 0 : 1);
      }),
      { numRuns },
    );
  });
});

describe("BECOME_WRAPPER under the real /bin/sh", () => {
  it("prints the marker line, discards stdin up to the sentinel line, and runs the command on the rest byte-exact", () => {
    fc.assert(
      fc.property(nonce, password, fc.boolean(), fc.uint8Array({ maxLength: 300 }), (n, pw, unread, blob) => {
        const t = becomeTokens(n);
        const stdin = cat([enc(unread ? `${pw}\n` : ""), enc(`${t.sentinel}\n`), blob]);
        const r = spawnSync("/bin/sh", ["-c", BECOME_WRAPPER, "tend-become", t.marker, t.sentinel, "cat"], {
          input: stdin,
          timeout: 20_000,
        });
        expect(r.status).toBe(0);
        expect(hex(r.stdout)).toBe(hex(cat([enc(`${t.marker}\n`), blob])));
      }),
      { numRuns: Math.min(numRuns, 100) },
    );
  });
});
