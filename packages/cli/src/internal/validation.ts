/**
 * The validation phase, run before any connection by plan, apply -i, facts
 * and validate: the inventory, every selected host's connection variables,
 * its module variables (types, ranges, unknown names, `{{ }}`), and the
 * controller files its resources will read. Only what needs host facts
 * (an interface's address) is left for later. Every problem of every
 * selected host comes back together; when there is one, the caller connects
 * to nothing, so a typo never half-rolls a fleet.
 */
import { accessSync, constants, statSync } from "node:fs";
import { mapBounded } from "@tend/core";
import { type Either, isLeft, left, right } from "fp-ts/lib/Either.js";
import type { ControllerFile, Deps } from "./facade.js";
import { type HostOptions, type Selection, selectionOf } from "./hosts.js";
import { groupsOfHost, type VarLayer } from "./inventory/index.js";
import { connectionProblems } from "./key-file.js";
import { lineIn, type Problem, placeOf, sortProblems } from "./problems.js";
import { ORDER_VARIABLE, rolloutVarsOf } from "./rollout-vars.js";

/** The host's tend_rollout_order as decoded (undefined: not set, or not valid: reported elsewhere). */
const orderOf = (selection: Selection, host: string): readonly string[] | undefined =>
  rolloutVarsOf(selection.layers.get(host) ?? [], selection.inventory).order;

/** Hosts checked at once: enough to keep the fs thread pool busy, few enough to bound open work. */
const CHECK_CONCURRENCY = 16;

/** A selection that passed validation, with what the run needs next. */
export interface Validated {
  readonly selection: Selection;
  /** Resolved variables of the selected hosts and of the hosts whose facts they need. */
  readonly vars: ReadonlyMap<string, unknown>;
  /** Hosts to reach: the selected ones and those whose facts they need, in inventory order. */
  readonly needed: readonly string[];
  /**
   * Problems of hosts outside --limit whose facts are needed: they do not
   * stop the run (their facts may still be gathered), but explain a failure.
   */
  readonly notes: ReadonlyMap<string, readonly string[]>;
}

const errnoWhy = (e: unknown): string => {
  switch ((e as NodeJS.ErrnoException).code) {
    case "ENOENT":
      return "does not exist";
    case "ENOTDIR":
      return "does not exist (a directory on its path is a file)";
    case "EACCES":
    case "EPERM":
      return "is not readable (permission denied)";
    case "ELOOP":
      return "is a symbolic link loop";
    default:
      return `cannot be read (${(e as NodeJS.ErrnoException).code ?? "unknown error"})`;
  }
};

/**
 * Why a controller file cannot be read, or undefined when it can. Synchronous:
 * a local stat and access take µs, where their async forms cost ~50 µs each
 * of promises, thousands of times for a fleet.
 */
const fileProblem = async (path: string): Promise<string | undefined> => {
  try {
    const s = statSync(path);
    if (s.isDirectory()) return "is a directory, not a file";
    if (!s.isFile()) return "is not a regular file";
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (e) {
    return errnoWhy(e);
  }
};

/** The layer that sets `variable` last (the one that wins), if any layer does. */
const originIn = (layers: readonly VarLayer[], variable: string): string | undefined => {
  for (let i = layers.length - 1; i >= 0; i--) {
    if (Object.hasOwn(layers[i]!.vars, variable)) return layers[i]!.origin;
  }
  return undefined;
};

/** Checks one host; returns its problems and, when they decode, its variables. */
type HostCheck = { readonly problems: Problem[]; readonly vars?: unknown };

class Checker {
  private readonly files = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly selection: Selection,
    private readonly deps: Deps,
  ) {}

  /**
   * A problem placed by the lines the loader carried: `line` when the check
   * knew it (connection variables), else the line of `variable` in the layer
   * it came from. Nothing re-reads a file to find a line.
   */
  private problem(
    host: string,
    origin: string | undefined,
    variable: string | undefined,
    message: string,
    line?: number,
  ): Problem {
    const place = placeOf(origin);
    const layers = this.selection.layers.get(host) ?? [];
    const at = place.file === null ? null : (line ?? lineIn(layers, origin, variable ?? null));
    const named = place.file === null && origin !== undefined && origin !== "defaults";
    return {
      host,
      file: place.file,
      line: at,
      variable: variable ?? null,
      message: named ? `${message} (set in ${place.label})` : message,
    };
  }

  private fileProblem(path: string): Promise<string | undefined> {
    let p = this.files.get(path);
    if (!p) {
      p = fileProblem(path);
      this.files.set(path, p);
    }
    return p;
  }

  private async controllerFile(host: string, layers: readonly VarLayer[], f: ControllerFile) {
    const why = await this.fileProblem(f.path);
    if (why === undefined) return [];
    const listed = f.listedIn ? `; it is listed in ${f.listedIn}` : "";
    const origin = originIn(layers, f.variable);
    return [
      this.problem(
        host,
        origin,
        f.variable,
        `controller file ${f.path} ${why}: expected a readable file in this directory${listed}`,
      ),
    ];
  }

  /** One rollout order for the run: a selected host whose tend_rollout_order differs from the first's is a problem. */
  async orderProblems(orders: ReadonlyMap<string, string>): Promise<Problem[]> {
    const [first, want] = [...orders][0] ?? [];
    const out: Problem[] = [];
    for (const [host, got] of orders) {
      if (got === want) continue;
      const origin = originIn(this.selection.layers.get(host) ?? [], ORDER_VARIABLE);
      out.push(
        this.problem(
          host,
          origin,
          ORDER_VARIABLE,
          `differs from ${first}'s: a rollout has one order; set it once, in group_vars/all`,
        ),
      );
    }
    return out;
  }

  async check(host: string): Promise<HostCheck> {
    const layers = this.selection.layers.get(host) ?? [];
    const problems: Problem[] = [];
    // A local connection (--local, or ansible_connection: local) has no connection variables to check.
    const conn = this.selection.connections.get(host);
    if (!(conn && conn._tag === "Right" && conn.right.type === "local")) {
      const found = await connectionProblems(
        host,
        layers,
        { user: this.deps.user },
        conn ? { connection: conn } : {},
      );
      for (const e of found) problems.push(this.problem(host, e.origin, e.variable, e.message, e.line));
    }
    // tend_rollout_order and tend_health_checks: read by the CLI, checked here with the rest.
    for (const e of rolloutVarsOf(layers, this.selection.inventory).problems)
      problems.push(this.problem(host, e.origin, e.variable, e.message));
    const resolved = this.deps.modules.resolveVars(layers, host);
    if (isLeft(resolved)) {
      for (const e of resolved.left) problems.push(this.problem(host, e.origin, e.variable, e.message));
      return { problems };
    }
    const vars = resolved.right;
    if (this.deps.modules.preflight) {
      const groups = groupsOfHost(this.selection.inventory, host)
        .map((g) => g.name)
        .filter((g) => g !== "all");
      const pre = this.deps.modules.preflight(host, groups, vars);
      for (const e of pre.problems) problems.push(this.problem(host, e.origin, e.variable, e.message));
      // The files are checked at once (each is a stat and an access on the fs thread pool), reported in order.
      const found = await Promise.all(pre.files.map((f) => this.controllerFile(host, layers, f)));
      for (const f of found) problems.push(...f);
    }
    return { problems, vars };
  }
}

/**
 * Loads and selects as the options say, then checks every selected host and
 * every host whose facts they need, without connecting. Left: every problem
 * of the selected hosts, sorted by file and line.
 */
export const validateRun = async (
  options: HostOptions,
  deps: Deps,
): Promise<Either<Problem[], Validated>> => {
  const selected = await selectionOf(options, deps);
  if (isLeft(selected)) return left(sortProblems(selected.left));
  const selection = selected.right;
  const wanted = new Set([
    ...selection.hosts,
    ...deps.modules.factHosts(selection.inventory, selection.hosts, (h) => selection.layers.get(h) ?? []),
  ]);
  const needed = selection.inventory.hosts.filter((h) => wanted.has(h));
  const checker = new Checker(selection, deps);
  const problems: Problem[] = [];
  const vars = new Map<string, unknown>();
  const notes = new Map<string, readonly string[]>();
  const orders = new Map<string, string>();
  // Hosts are checked CHECK_CONCURRENCY at a time, so their file checks overlap (one by one, a
  // fleet's run waited on each host's stats in turn); the results are taken in inventory order.
  const checked = await mapBounded(needed, CHECK_CONCURRENCY, (host) => checker.check(host));
  const isSelected = new Set(selection.hosts);
  for (const [i, host] of needed.entries()) {
    const r = checked[i]!;
    if (isSelected.has(host)) orders.set(host, JSON.stringify(orderOf(selection, host) ?? null));
    if (r.vars !== undefined && r.problems.length === 0) vars.set(host, r.vars);
    if (isSelected.has(host)) problems.push(...r.problems);
    else if (r.problems.length > 0)
      notes.set(
        host,
        r.problems.map((p) => `${p.variable ?? ""}${p.variable ? ": " : ""}${p.message}`),
      );
  }
  problems.push(...(await checker.orderProblems(orders)));
  return problems.length > 0 ? left(sortProblems(problems)) : right({ selection, vars, needed, notes });
};
