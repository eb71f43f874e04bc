/**
 * `--limit` host patterns, as Ansible reads them: terms separated by commas
 * (or colons), each a host name, a group name, a glob (`web*`), `all`, or
 * `~regex`; `!term` excludes and `&term` intersects. The result keeps
 * inventory order.
 */
import type { Either } from "fp-ts/lib/Either.js";
import { left, right } from "fp-ts/lib/Either.js";
import type { Inventory } from "./model.js";
import { hostsOfGroup } from "./model.js";

const globToRegExp = (glob: string): RegExp =>
  new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );

const matchTerm = (inv: Inventory, term: string): string[] | string => {
  if (term.startsWith("~")) {
    let re: RegExp;
    try {
      re = new RegExp(term.slice(1));
    } catch {
      return `invalid regular expression in --limit: ${term}`;
    }
    const groups = [...inv.groups.keys()].filter((g) => re.test(g));
    const hosts = new Set([
      ...inv.hosts.filter((h) => re.test(h)),
      ...groups.flatMap((g) => hostsOfGroup(inv, g)),
    ]);
    return inv.hosts.filter((h) => hosts.has(h));
  }
  if (term.includes("*") || term.includes("?")) {
    const re = globToRegExp(term);
    const hosts = new Set([
      ...inv.hosts.filter((h) => re.test(h)),
      ...[...inv.groups.keys()].filter((g) => re.test(g)).flatMap((g) => hostsOfGroup(inv, g)),
    ]);
    return inv.hosts.filter((h) => hosts.has(h));
  }
  if (inv.groups.has(term)) return hostsOfGroup(inv, term);
  if (inv.hosts.includes(term)) return [term];
  return [];
};

/** Splits a pattern like Ansible: on commas, or on colons when there is no comma. */
const termsOf = (pattern: string): string[] =>
  (pattern.includes(",") ? pattern.split(",") : pattern.split(":"))
    .map((t) => t.trim())
    .filter((t) => t !== "");

/**
 * Selects hosts by one or more patterns (several `--limit` flags intersect
 * like Ansible's). A term that matches no host is an error, so a typo never
 * silently selects nothing.
 */
export const selectHosts = (inv: Inventory, patterns: readonly string[]): Either<string, string[]> => {
  let selected = new Set(inv.hosts);
  for (const pattern of patterns) {
    const union = new Set<string>();
    const intersect: Set<string>[] = [];
    const exclude = new Set<string>();
    const terms = termsOf(pattern);
    if (terms.length === 0) return left(`empty --limit pattern "${pattern}"`);
    let positive = false;
    for (const raw of terms) {
      const op = raw[0] === "!" || raw[0] === "&" ? raw[0] : "";
      const term = op === "" ? raw : raw.slice(1);
      const hosts = matchTerm(inv, term);
      if (typeof hosts === "string") return left(hosts);
      if (hosts.length === 0) return left(`--limit: "${term}" matches no host or group of ${inv.path}`);
      if (op === "!") for (const h of hosts) exclude.add(h);
      else if (op === "&") intersect.push(new Set(hosts));
      else {
        positive = true;
        for (const h of hosts) union.add(h);
      }
    }
    // A pattern of only exclusions/intersections starts from every host, as in Ansible.
    let result = positive ? union : new Set(inv.hosts);
    for (const i of intersect) result = new Set([...result].filter((h) => i.has(h)));
    for (const h of exclude) result.delete(h);
    selected = new Set([...selected].filter((h) => result.has(h)));
  }
  const hosts = inv.hosts.filter((h) => selected.has(h));
  return hosts.length === 0 ? left("--limit selects no hosts") : right(hosts);
};
