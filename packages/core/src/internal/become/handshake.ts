/**
 * The become handshake as a state machine over the bytes of one command:
 * transports feed it stdout and stderr chunks as they arrive and do what the
 * events say (write to stdin, send the request's stdin, pass bytes on, kill
 * and fail). Pure: no timers, no streams.
 *
 * Before the marker line the output is sudo's or su's (the command has not
 * started): stdout is dropped, stderr is kept for the failure detail and
 * scanned for sudo's prompt. From the marker on everything passes through
 * byte-exact and nothing is scanned, so the command's own output may hold
 * the marker or the prompt.
 */
import type { BecomeProblem } from "../transport.js";
import { type BecomeSpec, type BecomeTokens, becomeGated } from "./argv.js";

/** What the transport must do next. */
export type BecomeEvent =
  /** Write these bytes to the command's stdin now (a password line or the sentinel line). */
  | { readonly _tag: "Write"; readonly bytes: Uint8Array }
  /** The escalation is done (or needs no gate): write the request's stdin now, then end it. */
  | { readonly _tag: "SendStdin" }
  /** The command's own output: pass these bytes on as they are. */
  | { readonly _tag: "Output"; readonly stream: "stdout" | "stderr"; readonly bytes: Uint8Array }
  /** The escalation failed: kill the command and report BecomeFailed. `detail` never holds the password. */
  | { readonly _tag: "Failed"; readonly problem: BecomeProblem; readonly detail: string };

/** How much sudo/su may say before the marker; more means something else is talking. */
const MAX_CHATTER_BYTES = 64 * 1024;
/** How much of sudo's/su's words a failure detail keeps. */
const MAX_DETAIL_CHARS = 400;

const encoder = new TextEncoder();

/** The become handshake of one command. Create one per command, with fresh tokens. */
export class BecomeHandshake {
  private state: "waiting" | "running" | "failed" = "waiting";
  /** The unmatched tail of stdout before the marker line (at most the marker line's length). */
  private stdoutTail: Uint8Array = new Uint8Array(0);
  private chatter: Uint8Array = new Uint8Array(0);
  private prompts = 0;
  private readonly markerLine: Uint8Array;
  private readonly promptBytes: Uint8Array;

  /** `password` must be given exactly when `spec.withPassword` (throws RangeError otherwise). */
  constructor(
    private readonly spec: BecomeSpec,
    private readonly tokens: BecomeTokens,
    private readonly password: string | undefined,
  ) {
    if (spec.withPassword !== (password !== undefined))
      throw new RangeError("become password given without withPassword, or the reverse");
    this.markerLine = encoder.encode(`${tokens.marker}\n`);
    this.promptBytes = encoder.encode(tokens.prompt);
  }

  /** True once the marker was seen: the command runs as the become user. */
  get running(): boolean {
    return this.state === "running";
  }

  /** The events at spawn time: su gets its password at once; an ungated command its stdin. */
  start(): BecomeEvent[] {
    if (!becomeGated(this.spec)) return [{ _tag: "SendStdin" }];
    // su's prompt text is localised and not ours to choose, so su gets the password up front;
    // when su does not read it (run by root) the wrapper discards the line.
    if (this.spec.method === "su" && this.password !== undefined) return [this.passwordLine()];
    return [];
  }

  /** A chunk of the command's stdout. */
  stdout(chunk: Uint8Array): BecomeEvent[] {
    if (this.state === "running") return chunk.byteLength > 0 ? [output("stdout", chunk)] : [];
    if (this.state === "failed") return [];
    const seen = concat(this.stdoutTail, chunk);
    const at = indexOf(seen, this.markerLine);
    if (at < 0) {
      this.stdoutTail = seen.subarray(Math.max(0, seen.byteLength - (this.markerLine.byteLength - 1)));
      return [];
    }
    this.state = "running";
    this.stdoutTail = new Uint8Array(0);
    const events: BecomeEvent[] = [];
    if (becomeGated(this.spec)) {
      events.push(
        { _tag: "Write", bytes: encoder.encode(`${this.tokens.sentinel}\n`) },
        { _tag: "SendStdin" },
      );
    }
    const rest = seen.subarray(at + this.markerLine.byteLength);
    if (rest.byteLength > 0) events.push(output("stdout", rest));
    return events;
  }

  /** A chunk of the command's stderr. */
  stderr(chunk: Uint8Array): BecomeEvent[] {
    if (this.state === "running") return chunk.byteLength > 0 ? [output("stderr", chunk)] : [];
    if (this.state === "failed") return [];
    this.chatter = concat(this.chatter, chunk);
    if (this.chatter.byteLength > MAX_CHATTER_BYTES) {
      return this.fail("refused", `${this.spec.method} said more than ${MAX_CHATTER_BYTES} bytes`);
    }
    if (this.spec.method !== "sudo" || this.password === undefined) return [];
    const prompts = countOf(this.chatter, this.promptBytes);
    if (prompts === this.prompts) return [];
    const before = this.prompts;
    this.prompts = prompts;
    // A second prompt: sudo did not take the password and asks again. Stop it here,
    // before its retries and their delays (and before a lockout counts them).
    if (prompts >= 2) return this.fail("wrong-password", this.detail());
    return before === 0 ? [this.passwordLine()] : [];
  }

  /** The command's output ended (it exited). Before the marker that is a failed escalation. */
  exit(): BecomeEvent[] {
    if (this.state !== "waiting") return [];
    return this.fail(this.exitProblem(), this.detail());
  }

  /** The marker did not come in time: sudo or su is waiting for something we cannot give. */
  expire(afterMs: number): BecomeEvent[] {
    if (this.state !== "waiting") return [];
    const said = this.detail();
    return this.fail("refused", `no answer within ${afterMs} ms${said === "" ? "" : `: ${said}`}`);
  }

  private passwordLine(): BecomeEvent {
    return { _tag: "Write", bytes: encoder.encode(`${this.password}\n`) };
  }

  private fail(problem: BecomeProblem, detail: string): BecomeEvent[] {
    this.state = "failed";
    const words = detail === "" ? `${this.spec.method} exited before running the command` : detail;
    return [{ _tag: "Failed", problem, detail: words }];
  }

  /** Which failure an exit before the marker is, from sudo's/su's own (C locale) words. */
  private exitProblem(): BecomeProblem {
    const said = new TextDecoder().decode(this.chatter);
    if (this.spec.method === "sudo") {
      if (this.password === undefined && /a password is required/.test(said)) return "password-required";
      if (this.password !== undefined && this.prompts > 0 && /incorrect password/.test(said))
        return "wrong-password";
      return "refused";
    }
    if (this.password !== undefined && /Authentication failure/i.test(said)) return "wrong-password";
    return "refused";
  }

  /** sudo's/su's words: prompts removed, the password scrubbed, cut short. */
  private detail(): string {
    let text = new TextDecoder()
      .decode(this.chatter)
      .replaceAll(this.tokens.prompt, "")
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .join("; ");
    // Removed until none is left: a removal can join two parts into a new occurrence.
    const pw = this.password;
    if (pw !== undefined && pw !== "") while (text.includes(pw)) text = text.replaceAll(pw, "");
    return text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS - 1)}…` : text;
  }
}

const output = (stream: "stdout" | "stderr", bytes: Uint8Array): BecomeEvent => ({
  _tag: "Output",
  stream,
  bytes,
});

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  if (a.byteLength === 0) return b;
  if (b.byteLength === 0) return a;
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
};

/** The first index of `needle` in `hay`, or -1. */
const indexOf = (hay: Uint8Array, needle: Uint8Array, from = 0): number => {
  const first = needle[0];
  outer: for (let i = hay.indexOf(first as number, from); i >= 0; i = hay.indexOf(first as number, i + 1)) {
    if (i + needle.byteLength > hay.byteLength) return -1;
    for (let j = 1; j < needle.byteLength; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
};

/** Non-overlapping occurrences of `needle` in `hay`. */
const countOf = (hay: Uint8Array, needle: Uint8Array): number => {
  let n = 0;
  for (let i = indexOf(hay, needle); i >= 0; i = indexOf(hay, needle, i + needle.byteLength)) n++;
  return n;
};
