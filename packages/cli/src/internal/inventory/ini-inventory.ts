/**
 * Ansible's INI inventory. Not the INI of the `ini` package: host lines carry
 * inline `key=value` variables, `[g:vars]` and `[g:children]` qualify
 * sections, and host names may hold ranges (`worker[01:03]`, `[a:c]`).
 * Values are read like Ansible's literal_eval: numbers, True/False/None and
 * quoted strings become typed values, anything else stays a string.
 */
import type { DecodeProblem } from "../decode.js";
import { looksSecret } from "../secret.js";
import { InventoryBuilder } from "./model.js";
import { varNameProblem } from "./vars-codec.js";

/** Text of a bad line for a message: quoted, unless it (or the word before it) may hold a password. */
const shownText = (text: string, before = ""): string =>
  looksSecret(text) || looksSecret(before) ? "text that is not shown (it may hold a password)" : `"${text}"`;

type Section = { readonly group: string; readonly kind: "hosts" | "vars" | "children" };

/** A word of a host or vars line; `quoted` when any part of it was in quotes. */
export interface Word {
  readonly text: string;
  readonly quoted: boolean;
}

/** Splits a line into words like Python's shlex (quotes, backslashes); undefined when a quote is left open. */
export const splitWords = (line: string): Word[] | undefined => {
  const words: Word[] = [];
  let cur = "";
  let quoted = false;
  let quote: string | undefined;
  let inWord = false;
  let escaped = false;
  for (const ch of line) {
    if (escaped) {
      // Like shlex: a backslash keeps the next character, inside double quotes only before " and \.
      cur += quote === '"' && ch !== '"' && ch !== "\\" ? `\\${ch}` : ch;
      escaped = false;
      inWord = true;
    } else if (ch === "\\" && quote !== "'") {
      escaped = true;
    } else if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      quoted = true;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push({ text: cur, quoted });
      cur = "";
      quoted = false;
      inWord = false;
    } else if (ch === "#" && !inWord) {
      break;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote || escaped) return undefined;
  if (inWord) words.push({ text: cur, quoted });
  return words;
};

/** Reads a value the way Ansible's INI plugin does (Python literal syntax, else a string). */
export const iniValue = (raw: string, quoted: boolean): unknown => {
  // Quotes make a string even of "1" or "True", as literal_eval would.
  if (quoted) return raw;
  const v = raw.trim();
  if (/^[-+]?\d+$/.test(v)) return Number.parseInt(v, 10);
  if (/^[-+]?(\d+\.\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)) return Number.parseFloat(v);
  if (v === "True") return true;
  if (v === "False") return false;
  if (v === "None") return null;
  return v;
};

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

/**
 * Expands one `[start:end]` or `[start:end:step]` range in a host pattern
 * (numeric with zero padding kept, or single letters), recursively.
 */
export const expandHostPattern = (pattern: string): string[] | string => {
  const m = /^(.*?)\[([^\]:]+):([^\]:]+)(?::(\d+))?\](.*)$/.exec(pattern);
  if (!m) return [pattern];
  const [head, start, end, stepText, tail] = [m[1]!, m[2]!, m[3]!, m[4], m[5]!];
  const step = stepText ? Number.parseInt(stepText, 10) : 1;
  if (step < 1) return `bad range step in "${pattern}"`;
  const items: string[] = [];
  if (/^\d+$/.test(start) && /^\d+$/.test(end)) {
    const a = Number.parseInt(start, 10);
    const b = Number.parseInt(end, 10);
    if (b < a) return `range end is before its start in "${pattern}"`;
    const width = start.length > 1 && start.startsWith("0") ? start.length : 0;
    for (let i = a; i <= b; i += step) items.push(pad(i, width));
  } else if (/^[a-z]$/i.test(start) && /^[a-z]$/i.test(end)) {
    for (let c = start.charCodeAt(0); c <= end.charCodeAt(0); c += step) items.push(String.fromCharCode(c));
  } else {
    return `cannot read range [${start}:${end}] in "${pattern}"`;
  }
  const out: string[] = [];
  for (const item of items) {
    const rest = expandHostPattern(`${head}${item}${tail}`);
    if (typeof rest === "string") return rest;
    out.push(...rest);
  }
  return out;
};

const parseSection = (header: string): Section | string => {
  const name = header.slice(1, -1).trim();
  const colon = name.lastIndexOf(":");
  if (colon < 0) return { group: name, kind: "hosts" };
  const kind = name.slice(colon + 1);
  if (kind !== "vars" && kind !== "children")
    return `unknown section suffix ":${kind}" (expected :vars or :children)`;
  return { group: name.slice(0, colon), kind };
};

/** Parses INI inventory text into the builder's model; problems name the file and line. */
export const iniInventory = (
  file: string,
  text: string,
): { builder: InventoryBuilder } | { problems: DecodeProblem[] } => {
  const builder = new InventoryBuilder(file);
  const problems: DecodeProblem[] = [];
  const pendingChildren: { parent: string; child: string; line: number }[] = [];
  let section: Section = { group: "ungrouped", kind: "hosts" };
  const lines = text.split(/\r?\n/);
  const readLine = (rawLine: string, index: number): undefined => {
    const lineNo = index + 1;
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const fail = (message: string): undefined => {
      problems.push({ file, path: "", line: lineNo, message });
    };
    if (line.startsWith("[")) {
      if (!line.endsWith("]")) return fail(`unterminated section header ${line}`);
      const parsed = parseSection(line);
      if (typeof parsed === "string") return fail(parsed);
      section = parsed;
      builder.group(section.group);
      return;
    }
    if (section.kind === "vars") {
      const eq = line.indexOf("=");
      if (eq <= 0) return fail(`expected key=value in [${section.group}:vars], got ${shownText(line)}`);
      const key = line.slice(0, eq).trim();
      const badKey = varNameProblem(key);
      if (badKey !== undefined) return fail(badKey);
      const words = splitWords(line.slice(eq + 1));
      if (words === undefined) return fail("unterminated quote");
      const text = words.map((w) => w.text).join(" ");
      builder.groupVars(
        section.group,
        {
          [key]: iniValue(
            text,
            words.some((w) => w.quoted),
          ),
        },
        new Map([[key, lineNo]]),
      );
      return;
    }
    if (section.kind === "children") {
      pendingChildren.push({ parent: section.group, child: line.split(/\s+/)[0]!, line: lineNo });
      return;
    }
    const words = splitWords(line);
    if (words === undefined || words.length === 0) return fail("unterminated quote");
    const [hostWord, ...assignments] = words;
    const vars: Record<string, unknown> = {};
    for (const [i, a] of assignments.entries()) {
      const eq = a.text.indexOf("=");
      // The word after `ansible_become_password=` (a space too many) is the password itself.
      if (eq <= 0)
        return fail(
          `expected key=value after the host name, got ${shownText(a.text, assignments[i - 1]?.text ?? "")}`,
        );
      const badKey = varNameProblem(a.text.slice(0, eq));
      if (badKey !== undefined) return fail(badKey);
      vars[a.text.slice(0, eq)] = iniValue(a.text.slice(eq + 1), a.quoted);
    }
    // `host:port` sets ansible_port, as in Ansible (not for IPv6 literals, which hold several colons).
    let pattern = hostWord!.text;
    const portMatch = /^([^:]+):(\d+)$/.exec(pattern);
    if (portMatch) {
      pattern = portMatch[1]!;
      vars.ansible_port ??= Number.parseInt(portMatch[2]!, 10);
    }
    const hosts = expandHostPattern(pattern);
    if (typeof hosts === "string") return fail(hosts);
    const lines = new Map(Object.keys(vars).map((k) => [k, lineNo] as const));
    for (const h of hosts) builder.host(section.group, h, vars, lines);
  };
  lines.forEach(readLine);
  for (const c of pendingChildren) builder.child(c.parent, c.child);
  return problems.length > 0 ? { problems } : { builder };
};
