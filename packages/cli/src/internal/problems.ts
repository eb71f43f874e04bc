/**
 * Problems found before any connection, as data: which host, which file and
 * line, which variable or field, and what is wrong. Rendered for people
 * (grouped across hosts, sorted by file and line) and as JSON for
 * `tend validate --json`.
 */
import { readFile } from "node:fs/promises";

/** One problem; `null` where a part is not known (an inventory-wide problem has no host). */
export interface Problem {
  readonly host: string | null;
  readonly file: string | null;
  readonly line: number | null;
  /** The variable, a path below it (`dockerd_settings_user.mtu`), or a field of the file. */
  readonly variable: string | null;
  readonly message: string;
}

/** Where a variable layer came from: a file, and in an inventory file the group or host it was set for. */
export interface Place {
  readonly file: string | null;
  readonly scope?: { readonly kind: "group" | "host"; readonly name: string };
  /** The origin as the layer names it, for places that are not files (role defaults). */
  readonly label: string;
}

const SCOPED = /^(.*) \((group|host) (.+)\)$/s;

/**
 * Reads a VarLayer origin: `path`, `path (group g)`, `path (host h)`; any
 * other text (the modules' role defaults, "defaults") is not a file.
 */
export const placeOf = (origin: string | undefined): Place => {
  if (origin === undefined) return { file: null, label: "defaults" };
  const m = SCOPED.exec(origin);
  if (m?.[1] && (m[2] === "group" || m[2] === "host") && m[3]) {
    return { file: m[1], scope: { kind: m[2], name: m[3] }, label: origin };
  }
  const isPath = origin.startsWith("/") || origin.startsWith(".") || /\.(ya?ml|json|ini|cfg)$/.test(origin);
  return isPath && !origin.includes(" (") ? { file: origin, label: origin } : { file: null, label: origin };
};

const reEscape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Lines of the files looked up in this run, read once each (a 20 MB vars file is split once). */
export class LineFinder {
  private readonly files = new Map<string, Promise<readonly string[] | undefined>>();

  private lines(file: string): Promise<readonly string[] | undefined> {
    let p = this.files.get(file);
    if (!p) {
      p = readFile(file, "utf8").then(
        (t) => t.split(/\r?\n/),
        () => undefined,
      );
      this.files.set(file, p);
    }
    return p;
  }

  /**
   * The 1-based line where `variable` (its first segment, then the key below
   * it) is set in the place's file, or null. In an inventory file the search
   * starts at the group's or host's own entry. A heuristic over the text: it
   * only ever places a message, never decides whether there is a problem.
   */
  async lineOf(place: Place, variable: string | null): Promise<number | null> {
    if (place.file === null || variable === null) return null;
    const lines = await this.lines(place.file);
    if (!lines) return null;
    let from = 0;
    if (place.scope) {
      const n = reEscape(place.scope.name);
      // INI: the group's [g:vars] section or the host's own line; YAML: the group's or host's key.
      const heads =
        place.scope.kind === "group"
          ? [new RegExp(`^\\s*\\[${n}:vars\\]`), new RegExp(`^\\s*["']?${n}["']?\\s*:`)]
          : [new RegExp(`^\\s*["']?${n}["']?(\\s*:|\\s|$)`)];
      const at = heads.map((h) => lines.findIndex((l) => h.test(l))).find((i) => i >= 0);
      if (at === undefined) return null;
      from = at;
    }
    const [top, ...below] = variable.split(/[.[\]]+/).filter((k) => k !== "");
    if (top === undefined) return null;
    const key = (k: string) => new RegExp(`(^|[\\s{,])["']?${reEscape(k)}["']?\\s*[:=]`);
    const topKey = key(top);
    let line = -1;
    for (let i = from; i < lines.length; i++) {
      if (topKey.test(lines[i] ?? "")) {
        line = i;
        break;
      }
    }
    if (line < 0) return null;
    // A key below the variable, in the next few lines (a map written under it).
    const sub = below.find((k) => !/^\d+$/.test(k));
    if (sub !== undefined) {
      const subKey = key(sub);
      for (let i = line; i < Math.min(lines.length, line + 200); i++) {
        if (subKey.test(lines[i] ?? "")) return i + 1;
      }
    }
    return line + 1;
  }
}

/** Natural order, so that worker2 comes before worker10. */
const collator = new Intl.Collator("en", { numeric: true });
const cmp = (a: string | number | null, b: string | number | null): number =>
  a === b
    ? 0
    : a === null
      ? 1
      : b === null
        ? -1
        : typeof a === "number" && typeof b === "number"
          ? a - b
          : collator.compare(String(a), String(b));

/** By file, then line (unknown last), then host, variable and message. */
export const sortProblems = (ps: readonly Problem[]): Problem[] =>
  [...ps].sort(
    (a, b) =>
      cmp(a.file, b.file) ||
      cmp(a.line, b.line) ||
      cmp(a.host, b.host) ||
      cmp(a.variable, b.variable) ||
      cmp(a.message, b.message),
  );

/**
 * One message per problem, each a few lines: where (file and line), what
 * (variable), for which hosts, and what is wrong. The same problem in a
 * shared file (group_vars/all.yml) is said once with every host it hits.
 */
export const renderProblems = (ps: readonly Problem[]): string[] => {
  const groups = new Map<string, { p: Problem; hosts: string[] }>();
  for (const p of sortProblems(ps)) {
    const key = JSON.stringify([p.file, p.line, p.variable, p.message]);
    const g = groups.get(key) ?? { p, hosts: [] };
    if (p.host !== null && !g.hosts.includes(p.host)) g.hosts.push(p.host);
    groups.set(key, g);
  }
  return [...groups.values()].map(({ p, hosts }) => {
    const where = p.file === null ? "" : p.line === null ? `${p.file}: ` : `${p.file}:${p.line}: `;
    const what = p.variable === null ? "" : `${p.variable}: `;
    const who = hosts.length === 0 ? "" : `\n  host${hosts.length > 1 ? "s" : ""}: ${shortList(hosts, 10)}`;
    return `${where}${what}${p.message}${who}`;
  });
};

const shortList = (xs: readonly string[], max: number): string =>
  xs.length <= max ? xs.join(", ") : `${xs.slice(0, max).join(", ")} and ${xs.length - max} more`;

/** The closing line after problems: how many, and that nothing was contacted. */
export const problemSummary = (ps: readonly Problem[]): string => {
  const hosts = new Set(ps.flatMap((p) => (p.host === null ? [] : [p.host])));
  const n = ps.length;
  return `${n} problem${n === 1 ? "" : "s"}${
    hosts.size > 0 ? ` in ${hosts.size} host${hosts.size === 1 ? "" : "s"}` : ""
  }; no host was contacted`;
};
