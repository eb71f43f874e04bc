/**
 * Reading the outcome of an op batch from its markers (see OP_PRELUDE).
 */

/** What the markers of one run say. */
export interface RunMarks {
  /** Indexes of ops that reported `end`, in order. */
  readonly ended: readonly number[];
  /** The op that reported `fail`, with its exit code. */
  readonly failed?: { readonly index: number; readonly exitCode: number };
  /** The op that began but neither ended nor failed (the script died inside it). */
  readonly unfinished?: number;
  /** Whether the script reached its final `done` marker. */
  readonly done: boolean;
}

/** Parses the markers on stdout; other lines (op output) are ignored. */
export const readMarks = (stdout: string, boundary: string): RunMarks => {
  const prefix = `${boundary} `;
  const ended: number[] = [];
  let open: number | undefined;
  let failed: RunMarks["failed"];
  let done = false;
  for (const line of stdout.split("\n")) {
    if (!line.startsWith(prefix)) continue;
    const [word, a, b] = line.slice(prefix.length).split(" ");
    if (word === "begin") open = Number(a);
    else if (word === "end") {
      ended.push(Number(a));
      open = undefined;
    } else if (word === "fail") {
      failed = { index: Number(a), exitCode: Number(b) };
      open = undefined;
    } else if (word === "done") done = true;
  }
  return { ended, done, ...(failed ? { failed } : {}), ...(open !== undefined ? { unfinished: open } : {}) };
};

/**
 * The stderr an op wrote: the text between its `begin` marker and its
 * `fail` (or `end`) marker on stderr, or everything after `begin` when the
 * script died inside the op.
 */
export const stderrOf = (stderr: string, boundary: string, index: number): string => {
  const begin = `\n${boundary} begin ${index}\n`;
  const start = stderr.indexOf(begin);
  if (start < 0) return "";
  const from = start + begin.length;
  const next = stderr.indexOf(`\n${boundary} `, from);
  return (next < 0 ? stderr.slice(from) : stderr.slice(from, next)).trim();
};
