/**
 * From command-line options to hosts with open targets: load the inventory
 * (or stand up a one-host inventory for `--local`), apply `--limit`, map
 * connection variables, then connect and gather facts with bounded
 * concurrency. A host that fails here fails alone; its error is kept for
 * the report.
 */
import type { HostFacts, Target } from "@tend/core";
import { mapBounded } from "@tend/core";
import { type Either, isLeft, left, right } from "fp-ts/lib/Either.js";
import { describeHostFailure } from "./become-messages.js";
import {
  type Connection,
  type ConnectionVarError,
  connectionOf,
  describeConnectionVarError,
  localConnectionOf,
} from "./connect.js";
import type { Deps } from "./facade.js";
import {
  type DecodeProblem,
  describeProblem,
  type Inventory,
  loadInventory,
  selectHosts,
  type VarLayer,
} from "./inventory/index.js";
import { InventoryBuilder } from "./inventory/model.js";
import type { Problem } from "./problems.js";
import type { Progress } from "./progress.js";

/** Where hosts come from. */
export interface HostOptions {
  readonly inventory?: string;
  readonly limit: readonly string[];
  readonly local: boolean;
}

/** The hosts a command works on, with their variable layers and connections. */
export interface Selection {
  readonly inventory: Inventory;
  readonly layers: ReadonlyMap<string, readonly VarLayer[]>;
  /** Selected hosts, in inventory order. */
  readonly hosts: readonly string[];
  /** Per host, the connection or the errors in its connection variables. */
  readonly connections: ReadonlyMap<string, Either<readonly ConnectionVarError[], Connection>>;
}

/** A connected host: its target and facts, or why it could not be reached. */
export type Reached =
  /** `facts` is absent when they were not asked for (apply of a saved plan gathers its own). */
  | { readonly ok: true; readonly target: Target; readonly facts?: HostFacts }
  | { readonly ok: false; readonly error: string };

const localInventory = (host: string): Inventory => {
  const b = new InventoryBuilder("(local)");
  b.host("ungrouped", host, {});
  const built = b.build();
  if ("cycle" in built) throw new Error("a one-host inventory has no groups to cycle");
  return built;
};

/** An inventory problem as a Problem, at the line the loader found it on. */
const problemOfDecode = (p: DecodeProblem): Problem => ({
  host: null,
  file: p.file,
  line: p.line ?? null,
  variable: p.path === "" ? null : p.path,
  message: p.message,
});

const general = (message: string): Problem => ({
  host: null,
  file: null,
  line: null,
  variable: null,
  message,
});

/** Loads the inventory and selects hosts; every problem found on the way, as data. */
export const selectionOf = async (
  options: HostOptions,
  deps: Deps,
): Promise<Either<Problem[], Selection>> => {
  let inventory: Inventory;
  let layers: ReadonlyMap<string, readonly VarLayer[]>;
  if (options.inventory !== undefined) {
    const loaded = await loadInventory(options.inventory);
    if (isLeft(loaded)) return left(loaded.left.map(problemOfDecode));
    inventory = loaded.right.inventory;
    layers = loaded.right.layers;
  } else if (options.local) {
    inventory = localInventory(deps.localHost);
    layers = new Map([[deps.localHost, []]]);
  } else {
    return left([general("no inventory: give -i INVENTORY, or --local for this machine")]);
  }
  let hosts: readonly string[] = inventory.hosts;
  if (options.limit.length > 0) {
    const selected = selectHosts(inventory, options.limit);
    if (isLeft(selected)) return left([general(selected.left)]);
    hosts = selected.right;
  }
  if (hosts.length === 0) return left([{ ...general("the inventory has no hosts"), file: inventory.path }]);
  if (options.local && options.inventory !== undefined && hosts.length !== 1) {
    return left([
      general(
        `--local applies one inventory host's variables to this machine, but ${hosts.length} hosts are selected; pick one with --limit`,
      ),
    ]);
  }
  const connections = new Map<string, Either<readonly ConnectionVarError[], Connection>>();
  for (const host of inventory.hosts) {
    if (options.local && hosts.includes(host)) {
      // Only the become variables of the host apply to this machine.
      connections.set(host, localConnectionOf(host, layers.get(host) ?? []));
      continue;
    }
    connections.set(host, connectionOf(host, layers.get(host) ?? [], { user: deps.user }));
  }
  return right({ inventory, layers, hosts, connections });
};

/** Loads the inventory and selects hosts; errors are lines for the user. */
export const selectTargets = async (
  options: HostOptions,
  deps: Deps,
): Promise<Either<string[], Selection>> => {
  const s = await selectionOf(options, deps);
  return isLeft(s)
    ? left(
        s.left.map((p) =>
          p.file === null
            ? p.message
            : describeProblem({
                file: p.file,
                path: p.variable ?? "",
                ...(p.line !== null ? { line: p.line } : {}),
                message: p.message,
              }),
        ),
      )
    : s;
};

/**
 * Opens the target of one host and gathers its facts (unless `gatherFacts`
 * is false). A host whose connection variables are bad fails without a
 * connection; one whose facts cannot be gathered is closed again.
 */
export const reachHost = async (
  selection: Selection,
  host: string,
  deps: Deps,
  progress: Progress,
  gatherFacts = true,
): Promise<Reached> => {
  const conn = selection.connections.get(host);
  if (!conn) return { ok: false, error: `${host}: not in the inventory` };
  if (isLeft(conn)) return { ok: false, error: conn.left.map(describeConnectionVarError).join("\n") };
  progress.state(host, "connecting");
  let opened: Either<string, Target>;
  try {
    opened = await deps.openTarget(conn.right);
  } catch (e) {
    opened = left(`${host}: cannot connect: ${(e as Error).message}`);
  }
  if (isLeft(opened)) return { ok: false, error: opened.left };
  const target = opened.right;
  if (!gatherFacts) return { ok: true, target };
  progress.state(host, "gathering facts");
  const facts = await target.hostFacts();
  if (isLeft(facts)) {
    await target.close().catch(() => {});
    return { ok: false, error: describeHostFailure(facts.left, conn.right) };
  }
  return { ok: true, target, facts: facts.right };
};

/** reachHost for each of `hosts`, at most `concurrency` at once. */
export const reachHosts = async (
  selection: Selection,
  hosts: readonly string[],
  deps: Deps,
  progress: Progress,
  concurrency: number,
  gatherFacts = true,
): Promise<Map<string, Reached>> => {
  const reached = await mapBounded(
    hosts,
    concurrency,
    async (host): Promise<[string, Reached]> => [
      host,
      await reachHost(selection, host, deps, progress, gatherFacts),
    ],
  );
  return new Map(reached);
};

/** Closes every open target; a failing close never hides the result. */
export const closeAll = async (reached: ReadonlyMap<string, Reached>): Promise<void> => {
  await Promise.all([...reached.values()].map((r) => (r.ok ? r.target.close().catch(() => {}) : undefined)));
};
