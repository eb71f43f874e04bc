/**
 * Problems found before any connection, as data: which host, which file and
 * line, which variable or field, and what is wrong. Rendered for people
 * (grouped across hosts, sorted by file and line) and as JSON for
 * `tend validate --json`.
 */
import type { VarLayer } from "./inventory/index.js";

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

/**
 * The 1-based line where `variable` is set, from the lines the loader
 * carried with the layer named `origin` (the last one, as it wins): the
 * line of the deepest key of the path that it knows (`dockerd_settings_user.mtu`,
 * else `dockerd_settings_user`), or null. Lines come only from the parse;
 * no file is read again to find one.
 */
export const lineIn = (
  layers: readonly VarLayer[],
  origin: string | undefined,
  variable: string | null,
): number | null => {
  if (origin === undefined || variable === null) return null;
  let layer: VarLayer | undefined;
  for (let i = layers.length - 1; i >= 0 && layer === undefined; i--) {
    if (layers[i]!.origin === origin) layer = layers[i];
  }
  const lines = layer?.lines;
  if (!lines) return null;
  const keys = variable.split(/[.[\]]+/).filter((k) => k !== "");
  for (let n = keys.length; n > 0; n--) {
    const line = lines.get(keys.slice(0, n).join("."));
    if (line !== undefined) return line;
  }
  return null;
};

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
