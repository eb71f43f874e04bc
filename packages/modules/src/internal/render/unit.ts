/**
 * The one renderer of systemd unit files. Modules describe a unit as ordered
 * sections of ordered entries; a command entry with flags is written as the
 * roles write it: the executable, then one flag per continuation line,
 * sorted by key.
 */

/** How flags are spelt: flanneld takes `-key=value`, docker and Kubernetes `--key=value`. */
export type FlagStyle = "-" | "--";

/** A command line: executable plus `settings` rendered as sorted flags. */
export interface CommandLine {
  readonly executable: string;
  readonly settings: Readonly<Record<string, string>>;
  readonly style: FlagStyle;
  /** `--key` alone for an empty value (the current kubelet template); default `--key=`. */
  readonly bareWhenEmpty?: boolean;
}

/** One `Key=value` line; a command value spans continuation lines. Undefined values are left out. */
export type UnitEntry = readonly [key: string, value: string | CommandLine | undefined];

/** A `[Section]` and its entries in order. */
export interface UnitSection {
  readonly name: string;
  readonly entries: readonly UnitEntry[];
}

/** Sorted by UTF-16 code units, like Python's `sorted` on ASCII (the roles' `|sort`). */
export const sortedKeys = (settings: Readonly<Record<string, string>>): string[] =>
  Object.keys(settings).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** What quoteExecArg changes or quotes for: `%`, `$`, whitespace, quotes, backslashes, `;`. */
const NEEDS_QUOTING = /[%$\s"'\\;]/;

/**
 * Escapes one argument for an Exec line: `%` and `$` are doubled so systemd
 * neither expands specifiers nor variables; arguments with spaces, quotes or
 * backslashes are double-quoted (systemd's own quoting).
 */
export const quoteExecArg = (arg: string): string => {
  // Most arguments (paths, addresses, plain flags) need neither: they come back as they are.
  if (!NEEDS_QUOTING.test(arg)) return arg;
  const escaped = arg.replaceAll("%", "%%").replaceAll("$", "$$$$");
  return /[\s"'\\;]/.test(escaped) ? `"${escaped.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"` : escaped;
};

/** The flags of `settings`, sorted by key, each `<style><key>=<value>` and quoted for systemd. */
export const renderFlags = (
  settings: Readonly<Record<string, string>>,
  style: FlagStyle,
  bareWhenEmpty = false,
): string[] =>
  sortedKeys(settings).map((k) => {
    const v = settings[k] ?? "";
    return quoteExecArg(bareWhenEmpty && v === "" ? `${style}${k}` : `${style}${k}=${v}`);
  });

const renderValue = (value: string | CommandLine): string => {
  if (typeof value === "string") return value;
  const flags = renderFlags(value.settings, value.style, value.bareWhenEmpty);
  return [value.executable, ...flags.map((f) => `  ${f}`)].join(" \\\n");
};

/** The unit file text: sections separated by a blank line, ending in a newline. */
export const renderUnit = (sections: readonly UnitSection[]): string =>
  `${sections
    .map((s) =>
      [
        `[${s.name}]`,
        ...s.entries.flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${renderValue(v)}`])),
      ].join("\n"),
    )
    .join("\n\n")}\n`;
