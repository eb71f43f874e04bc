/**
 * Host progress on stderr. Off a terminal (a log, or TERM=dumb): one line each time a host
 * changes state, so a log of a run over many hosts says what happened when.
 * On a terminal: one status line redrawn in place with the counts of hosts per
 * state, so a thousand hosts never print a thousand lines; only failures and
 * notes stay on screen, each on its own line. The download bar shares the
 * redrawn line.
 */
import picocolors from "picocolors";
import type { CliIo } from "./io.js";

/** The states a host goes through, as progress lines name them. */
export type HostState =
  | "connecting"
  | "gathering facts"
  | "fetching checksums"
  | "downloading"
  | "planning"
  | "checking"
  | "applying"
  | "verifying";

const STATES: readonly HostState[] = [
  "connecting",
  "gathering facts",
  "fetching checksums",
  "downloading",
  "planning",
  "checking",
  "applying",
  "verifying",
];

/** The status line is redrawn at most this often: a terminal need not see every one of 6,000 events. */
const REDRAW_MS = 80;

const CLEAR = "\r\u001b[K";

/** Colours always on: whether to paint is this module's choice (useColor), not picocolors' own guess. */
const pc = picocolors.createColors(true);

/** Writes host state lines (or the status line on a terminal) and a download bar. */
export class Progress {
  /** Each host's last state, or "done" / "failed" once it finished a phase. */
  private readonly last = new Map<string, string>();
  /** Whether the redrawn line (status or bar) is on screen now. */
  private liveShown = false;
  private lastDraw = Number.NEGATIVE_INFINITY;
  /** When each host entered its first state of the current phase. */
  private readonly startedAt = new Map<string, number>();
  /** How long each host that finished the current phase took, in ms. */
  private readonly took = new Map<string, number>();
  /** When the current phase began: the start of a host that finishes without a state first. */
  private phaseStart: number;
  /**
   * Whether the status line is redrawn in place: on a terminal that can
   * (TERM=dumb cannot erase a line, so it gets the log's lines instead).
   */
  private readonly live: boolean;

  constructor(
    private readonly io: CliIo,
    private readonly color: boolean,
    /** A monotonic clock in ms; durations are display data, so tests leave the real one. */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.phaseStart = now();
    this.live = io.stderrIsTTY && io.env.TERM !== "dumb";
  }

  /**
   * Ends a phase (plan, apply): how long each host that finished it took,
   * from its first state to its outcome. The next phase starts now, afresh.
   */
  lap(): ReadonlyMap<string, number> {
    const out = new Map(this.took);
    this.took.clear();
    this.startedAt.clear();
    this.phaseStart = this.now();
    return out;
  }

  private paint(fn: (s: string) => string, s: string): string {
    return this.color ? fn(s) : s;
  }

  /** A line that stays: the redrawn line is cleared first so the two never interleave. */
  private write(line: string): void {
    this.clear();
    this.io.stderr(`${line}\n`);
  }

  /** Removes the redrawn line (status or bar), e.g. before output on stdout. */
  clear(): void {
    if (this.liveShown) this.io.stderr(CLEAR);
    this.liveShown = false;
  }

  /** The counts of hosts per state, e.g. "1000 hosts: 612 done, 3 failed, planning 40". */
  private statusLine(): string {
    const counts = new Map<string, number>();
    for (const s of this.last.values()) counts.set(s, (counts.get(s) ?? 0) + 1);
    const parts = [
      `${this.last.size} host${this.last.size === 1 ? "" : "s"}: ${counts.get("done") ?? 0} done`,
    ];
    const failed = counts.get("failed") ?? 0;
    if (failed > 0) parts.push(this.paint(pc.red, `${failed} failed`));
    for (const s of STATES) if (counts.get(s)) parts.push(`${s} ${counts.get(s)}`);
    return parts.join(", ");
  }

  /** Redraws the status line on a terminal, at most every REDRAW_MS unless `force`. */
  private redraw(force = false): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.io.stderr(`${CLEAR}${this.statusLine()}`);
    this.liveShown = true;
  }

  /** A host entered a new state; repeated states print nothing. */
  state(host: string, state: HostState): void {
    if (!this.startedAt.has(host)) this.startedAt.set(host, this.now());
    if (this.last.get(host) === state) return;
    this.last.set(host, state);
    if (this.live) this.redraw();
    else this.write(`${this.paint(pc.bold, host)}: ${state}…`);
  }

  /** A host finished a phase, well or not. On a terminal only a failure gets its own line. */
  done(host: string, ok: boolean, text: string): void {
    this.took.set(host, this.now() - (this.startedAt.get(host) ?? this.phaseStart));
    this.startedAt.delete(host);
    this.last.set(host, ok ? "done" : "failed");
    const line = `${this.paint(pc.bold, host)}: ${ok ? this.paint(pc.green, text) : this.paint(pc.red, text)}`;
    if (!this.live || !ok) this.write(line);
    if (this.live) this.redraw(!ok);
  }

  /** A note not tied to one host (e.g. a checksum that could not be fetched). */
  note(text: string): void {
    this.write(this.paint(pc.yellow, text));
  }

  /** Redraws the download bar; only on a terminal. */
  bar(label: string, received: number, total: number | undefined): void {
    if (!this.live) return;
    const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;
    let text: string;
    if (total && total > 0) {
      const cells = 24;
      const filled = Math.min(cells, Math.round((received / total) * cells));
      text = `[${"#".repeat(filled)}${"-".repeat(cells - filled)}] ${mib(received)}/${mib(total)} ${label}`;
    } else {
      text = `${mib(received)} ${label}`;
    }
    this.io.stderr(`${CLEAR}${text}`);
    this.liveShown = true;
  }

  /** Removes the bar after a download. */
  endBar(): void {
    this.clear();
  }
}
