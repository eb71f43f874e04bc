/**
 * Per-host progress on stderr: one line each time a host changes state, so
 * a log of a run over many hosts stays readable, and a download bar that
 * redraws in place on a terminal only.
 */
import pc from "picocolors";
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

/** Writes host state lines and a download bar. */
export class Progress {
  private readonly last = new Map<string, string>();
  private barShown = false;

  constructor(
    private readonly io: CliIo,
    private readonly color: boolean,
  ) {}

  private paint(fn: (s: string) => string, s: string): string {
    return this.color ? fn(s) : s;
  }

  private write(line: string): void {
    if (this.barShown) {
      // Clear the bar line before a state line so the two never interleave.
      this.io.stderr("\r\u001b[K");
      this.barShown = false;
    }
    this.io.stderr(`${line}\n`);
  }

  /** A host entered a new state; repeated states print nothing. */
  state(host: string, state: HostState): void {
    if (this.last.get(host) === state) return;
    this.last.set(host, state);
    this.write(`${this.paint(pc.bold, host)}: ${state}…`);
  }

  /** A host finished a phase, well or not. */
  done(host: string, ok: boolean, text: string): void {
    this.last.set(host, `done:${text}`);
    this.write(`${this.paint(pc.bold, host)}: ${ok ? this.paint(pc.green, text) : this.paint(pc.red, text)}`);
  }

  /** A note not tied to one host (e.g. a checksum that could not be fetched). */
  note(text: string): void {
    this.write(this.paint(pc.yellow, text));
  }

  /** Redraws the download bar; only on a terminal. */
  bar(label: string, received: number, total: number | undefined): void {
    if (!this.io.stderrIsTTY) return;
    const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;
    let text: string;
    if (total && total > 0) {
      const cells = 24;
      const filled = Math.min(cells, Math.round((received / total) * cells));
      text = `[${"#".repeat(filled)}${"-".repeat(cells - filled)}] ${mib(received)}/${mib(total)} ${label}`;
    } else {
      text = `${mib(received)} ${label}`;
    }
    this.io.stderr(`\r\u001b[K${text}`);
    this.barShown = true;
  }

  /** Removes the bar after a download. */
  endBar(): void {
    if (this.barShown) this.io.stderr("\r\u001b[K");
    this.barShown = false;
  }
}
