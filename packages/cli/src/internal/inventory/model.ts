/**
 * The inventory as tend reads it: Ansible's model of hosts, groups and the
 * variables written in the inventory file itself. YAML and INI parsers both
 * build it through InventoryBuilder, so group depth, parents and host order
 * follow one set of rules.
 */

/** Variables as written in a file: name → decoded YAML/INI value. */
export type Vars = Readonly<Record<string, unknown>>;

/** A group of the inventory, with the variables given for it in the inventory file. */
export interface InventoryGroup {
  readonly name: string;
  readonly vars: Vars;
  /** Child groups, in the order they were declared. */
  readonly children: readonly string[];
  readonly parents: readonly string[];
  /** Hosts listed directly in this group, in declaration order. */
  readonly hosts: readonly string[];
  /** Distance from `all` along the longest parent chain (Ansible's group depth). */
  readonly depth: number;
  /** Line in the inventory file of each of `vars`, when known. */
  readonly varLines: ReadonlyMap<string, number>;
}

/** A parsed inventory file (without group_vars/ and host_vars/). */
export interface Inventory {
  /** The inventory file, as given on the command line. */
  readonly path: string;
  /** Every host, in the order it first appears in the file. */
  readonly hosts: readonly string[];
  /** Every group, including `all` and `ungrouped`. */
  readonly groups: ReadonlyMap<string, InventoryGroup>;
  /** Host variables written in the inventory file. */
  readonly hostVars: ReadonlyMap<string, Vars>;
  /** Line in the inventory file of each host variable, when known. */
  readonly hostVarLines: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

/** Lines of variables: name → 1-based line. */
export type VarLines = ReadonlyMap<string, number>;

const NO_LINES: VarLines = new Map();

interface MutableGroup {
  name: string;
  vars: Record<string, unknown>;
  children: string[];
  parents: string[];
  hosts: string[];
  varLines: Map<string, number>;
}

/** Collects hosts, groups and inventory variables; `build` derives depths and `ungrouped`. */
export class InventoryBuilder {
  private readonly groups = new Map<string, MutableGroup>();
  private readonly hosts: string[] = [];
  private readonly hostVars = new Map<string, Record<string, unknown>>();
  private readonly hostVarLines = new Map<string, Map<string, number>>();

  constructor(private readonly path: string) {
    this.group("all");
    this.group("ungrouped");
  }

  /** Declares a group (idempotent). */
  group(name: string): void {
    if (!this.groups.has(name))
      this.groups.set(name, { name, vars: {}, children: [], parents: [], hosts: [], varLines: new Map() });
  }

  /** Merges variables into a group; a later declaration wins, like Ansible. */
  groupVars(name: string, vars: Vars, lines: VarLines = NO_LINES): void {
    this.group(name);
    const g = this.groups.get(name)!;
    Object.assign(g.vars, vars);
    for (const key of Object.keys(vars)) {
      const line = lines.get(key);
      if (line !== undefined) g.varLines.set(key, line);
      else g.varLines.delete(key);
    }
  }

  /** Makes `child` a child group of `parent`. */
  child(parent: string, child: string): void {
    this.group(parent);
    this.group(child);
    const p = this.groups.get(parent)!;
    const c = this.groups.get(child)!;
    if (!p.children.includes(child)) p.children.push(child);
    if (!c.parents.includes(parent)) c.parents.push(parent);
  }

  /** Adds a host to a group (and to the inventory), merging its inline variables. */
  host(group: string, host: string, vars: Vars, lines: VarLines = NO_LINES): void {
    this.group(group);
    if (!this.hostVars.has(host)) {
      this.hosts.push(host);
      this.hostVars.set(host, {});
      this.hostVarLines.set(host, new Map());
    }
    Object.assign(this.hostVars.get(host)!, vars);
    const known = this.hostVarLines.get(host)!;
    for (const key of Object.keys(vars)) {
      const line = lines.get(key);
      if (line !== undefined) known.set(key, line);
      else known.delete(key);
    }
    const g = this.groups.get(group)!;
    if (!g.hosts.includes(host)) g.hosts.push(host);
  }

  /** Whether a name is already a group (INI `[x:children]` may reference groups declared later). */
  hasGroup(name: string): boolean {
    return this.groups.has(name);
  }

  /** Returns the cycle as a list of names when the group graph has one. */
  private cycle(): string[] | undefined {
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (name: string): string[] | undefined => {
      if (state.get(name) === "done") return undefined;
      if (state.get(name) === "open") return [...stack.slice(stack.indexOf(name)), name];
      state.set(name, "open");
      stack.push(name);
      for (const c of this.groups.get(name)!.children) {
        const found = visit(c);
        if (found) return found;
      }
      stack.pop();
      state.set(name, "done");
      return undefined;
    };
    for (const name of this.groups.keys()) {
      const found = visit(name);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * Finishes the inventory: every top-level group becomes a child of `all`,
   * hosts in no group but `all` go to `ungrouped`, and depths are computed.
   * Returns an error message when groups form a cycle.
   */
  build(): Inventory | { readonly cycle: readonly string[] } {
    const cycle = this.cycle();
    if (cycle) return { cycle };
    for (const g of this.groups.values()) {
      if (g.name !== "all" && g.parents.length === 0) this.child("all", g.name);
    }
    const grouped = new Set<string>();
    for (const g of this.groups.values()) {
      if (g.name !== "all" && g.name !== "ungrouped") for (const h of g.hosts) grouped.add(h);
    }
    const ungrouped = this.groups.get("ungrouped")!;
    for (const h of this.hosts) if (!grouped.has(h) && !ungrouped.hosts.includes(h)) ungrouped.hosts.push(h);
    const depth = new Map<string, number>();
    const depthOf = (name: string): number => {
      const known = depth.get(name);
      if (known !== undefined) return known;
      const parents = this.groups.get(name)!.parents;
      const d = parents.length === 0 ? 0 : Math.max(...parents.map(depthOf)) + 1;
      depth.set(name, d);
      return d;
    };
    const groups = new Map<string, InventoryGroup>();
    for (const g of this.groups.values()) groups.set(g.name, { ...g, depth: depthOf(g.name) });
    return {
      path: this.path,
      hosts: [...this.hosts],
      groups,
      hostVars: new Map(this.hostVars),
      hostVarLines: new Map(this.hostVarLines),
    };
  }
}

/**
 * The groups a host belongs to, directly or through a parent, `all`
 * included, sorted like Ansible sorts them for variable precedence: by depth,
 * then `ansible_group_priority`, then name.
 */
export const groupsOfHost = (inv: Inventory, host: string): InventoryGroup[] => {
  const memo = memoOf(inv);
  let groups = memo.groupsOf.get(host);
  if (!groups) {
    groups = computeGroupsOfHost(inv, host);
    memo.groupsOf.set(host, groups);
  }
  return [...groups];
};

/**
 * What groupsOfHost and hostsOfGroup answered for an inventory, kept with it:
 * a run asks them for every host several times (variable layers, validation,
 * planning, the modules' cluster view), and each answer walks the groups'
 * host lists, which grow with the fleet. An Inventory is never changed once
 * built, so an answer stays right; the memo goes with its inventory.
 */
interface InventoryMemo {
  readonly groupsOf: Map<string, readonly InventoryGroup[]>;
  readonly hostsOf: Map<string, readonly string[]>;
  direct?: ReadonlyMap<string, readonly string[]>;
}
const memos = new WeakMap<Inventory, InventoryMemo>();
const memoOf = (inv: Inventory): InventoryMemo => {
  let m = memos.get(inv);
  if (!m) {
    m = { groupsOf: new Map(), hostsOf: new Map() };
    memos.set(inv, m);
  }
  return m;
};

/** Host → the groups listing it directly, in the inventory's group order (built once per inventory). */
const directGroupsOf = (inv: Inventory): ReadonlyMap<string, readonly string[]> => {
  const memo = memoOf(inv);
  if (!memo.direct) {
    const direct = new Map<string, string[]>();
    for (const g of inv.groups.values())
      for (const h of new Set(g.hosts)) {
        const list = direct.get(h);
        if (list) list.push(g.name);
        else direct.set(h, [g.name]);
      }
    memo.direct = direct;
  }
  return memo.direct;
};

const computeGroupsOfHost = (inv: Inventory, host: string): InventoryGroup[] => {
  const found = new Set<string>();
  const addWithParents = (name: string): void => {
    if (found.has(name)) return;
    found.add(name);
    for (const p of inv.groups.get(name)?.parents ?? []) addWithParents(p);
  };
  for (const name of directGroupsOf(inv).get(host) ?? []) addWithParents(name);
  addWithParents("all");
  const priority = (g: InventoryGroup): number => {
    const p = Number(g.vars.ansible_group_priority ?? 1);
    return Number.isFinite(p) ? p : 1;
  };
  return [...found]
    .map((n) => inv.groups.get(n)!)
    .sort(
      (a, b) =>
        a.depth - b.depth || priority(a) - priority(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
};

/** Hosts of a group and of all its descendants, in inventory order. */
export const hostsOfGroup = (inv: Inventory, group: string): string[] => {
  const memo = memoOf(inv);
  let hosts = memo.hostsOf.get(group);
  if (!hosts) {
    hosts = computeHostsOfGroup(inv, group);
    memo.hostsOf.set(group, hosts);
  }
  return [...hosts];
};

const computeHostsOfGroup = (inv: Inventory, group: string): string[] => {
  const members = new Set<string>();
  const seen = new Set<string>();
  const walk = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const g = inv.groups.get(name);
    if (!g) return;
    for (const h of g.hosts) members.add(h);
    for (const c of g.children) walk(c);
  };
  walk(group);
  return group === "all" ? [...inv.hosts] : inv.hosts.filter((h) => members.has(h));
};
