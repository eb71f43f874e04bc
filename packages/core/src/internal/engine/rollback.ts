/**
 * Rollback of one host (`--rollback-on-fail`). Before an apply changes
 * anything, the first ops of the host's batch (same exec) record the
 * rollback as a write-ahead intent (`rollback <dir>`), then a `keep` op
 * copies every path the plan replaces or removes (files, unit files,
 * downloaded binaries and their records, manifests) under
 * /var/lib/tend/rollback/<id>, or notes that it did not exist, and
 * `<dir>/units` records what the rollback does to units. A host that is
 * done removes the dir, then the intent (releaseKept); an apply killed or
 * cut off anywhere leaves the intent, and the next plan finishes the
 * rollback (rollback-leftover.ts). A failed host is rolled back in one op
 * batch under the host lock, which ends the same way, so a rollback that
 * is killed is finished by the next run too. The
 * rollback is verified by asking the host the plan's own probes again: the
 * digest of the answers must equal the plan's, i.e. the host answers as it
 * did before the apply. What ops cannot undo (packages installed, accounts
 * created or changed, runtime sysctls, kernel modules loaded, commands run,
 * members extracted, directory attributes) is listed, never claimed.
 */
import * as E from "fp-ts/lib/Either.js";
import type { Op } from "../op.js";
import type { Action, Plan, ReadyHostPlan } from "../plan/format.js";
import { STATE_DIR } from "../probe.js";
import type { RunOptions, Target } from "../target.js";
import { batchOps, type HostApplyReport } from "./apply.js";
import { sha256Hex, toBase64 } from "./digest.js";
import { describeTargetError } from "./errors.js";
import { isPlannedRun, type PlannedRun } from "./planned.js";
import { formatUnitUndo, type UnitUndo, unitsFileOf } from "./rollback-leftover.js";
import type { RollbackResult } from "./rollout.js";

export { leftOverRollback } from "./rollback-leftover.js";

/** Where an apply with id `applyId` keeps what it replaces (letters, digits, `.`, `_`, `-`). */
export const rollbackDirOf = (applyId: string): string => `${STATE_DIR}/rollback/${applyId}`;

type Systemctl = Extract<Op, { op: "systemctl" }>;

const isDirAction = (a: Action): boolean => a.id.startsWith("directory[");

/** Where every apply keeps what it replaces; its contents belong to the rollbacks, not to the host's state. */
const ROLLBACK_ROOT = `${STATE_DIR}/rollback/`;

/**
 * Paths an action's ops replace, remove or create, which a keep op can bring
 * back. Never an earlier rollback's dir (finishing an owed rollback removes
 * it): bringing that back on a rollback of this apply would leave kept copies
 * that no intent covers.
 */
const keptPaths = (a: Action): string[] => actionPaths(a).filter((p) => !`${p}/`.startsWith(ROLLBACK_ROOT));

const actionPaths = (a: Action): string[] =>
  a.ops.flatMap((op): string[] => {
    switch (op.op) {
      case "writeFile":
      case "remove":
        return [op.path];
      case "download":
        return [op.path, op.record];
      case "extract":
        return [op.manifest];
      case "mkdir":
      case "setAttrs":
        // A directory is kept only when the apply creates it (noted absent): copying an existing tree is not.
        return isDirAction(a) && a.action !== "create" ? [] : [op.path];
      default:
        return [];
    }
  });

const UNDOABLE: Readonly<Partial<Record<Op["op"], string>>> = {
  packages: "packages installed stay installed",
  useradd: "the account created stays",
  usermod: "the account change stays",
  groupadd: "the group created stays",
  groupmod: "the group change stays",
  sysctl: "the runtime value stays until reboot (its file is restored)",
  modprobe: "the kernel module stays loaded",
  exec: "a command that ran cannot be undone",
  extract: "extracted members stay (the manifest is restored)",
  swapoff: "swap stays off",
};

/** What a rollback of this host plan could not undo, one line per action and reason. */
export const notRestorable = (hp: ReadyHostPlan): string[] => {
  const out = new Set<string>();
  for (const a of hp.actions) {
    for (const op of a.ops) {
      const why = UNDOABLE[op.op];
      if (why) out.add(`${a.id}: ${why}`);
      if ((op.op === "setAttrs" || op.op === "mkdir") && isDirAction(a) && a.action !== "create")
        out.add(`${a.id}: a directory's mode and owner stay`);
    }
  }
  return [...out];
};

/**
 * Whether a host plan only finishes a rollback an earlier apply owes (the
 * plan then holds nothing else; see rollback-leftover.ts). Such an apply keeps
 * nothing and records no rollback of its own: its owed rollback's intent
 * stays until it is done, so a failed or killed finish is finished by the next
 * run. Undoing it instead would put back the half-changed state the owed
 * rollback is there to remove, from copies that do not hold what its restore
 * changed (found by rollback-pending.prop.test.ts: such an undo could name a
 * unit whose file the restore had removed, and never succeed).
 */
export const finishesOwedRollback = (hp: ReadyHostPlan): boolean =>
  hp.actions.length > 0 && hp.actions.every((a) => a.id.startsWith("rollback["));

/**
 * The plan with, first on every host that has actions (except those that only finish an owed rollback) (dir per host from
 * `dirOf`): the rollback intent, the keep op and the units file (what the
 * rollback does to units), all before the first change (write-ahead):
 * an apply that is killed or cut off anywhere after it is rolled back by
 * the next run, and releaseKept clears it once the host is done.
 */
const keepFirst = (plan: Plan, dirOf: (host: string) => string): Plan => ({
  ...plan,
  hosts: plan.hosts.map((hp) => {
    if (hp.status !== "ready" || hp.actions.length === 0 || finishesOwedRollback(hp)) return hp;
    const paths = [...new Set(hp.actions.flatMap(keptPaths))];
    const dir = dirOf(hp.host);
    const bytes = new TextEncoder().encode(formatUnitUndo(unitUndo(hp)));
    const sha = sha256Hex(bytes);
    const [first, ...rest] = hp.actions;
    // The intent first: a kill while keeping leaves it too, and the next run then removes the
    // partly kept dir (its restore puts back only what was kept whole, which nothing changed yet).
    const ops: Op[] = [
      { op: "intent", action: "add", restart: [], reload: false, rollback: dir, at: first!.id },
      { op: "keep", dir, paths },
      { op: "writeFile", path: unitsFileOf(dir), blob: sha, mode: 0o600, owner: "root", group: "root" },
    ];
    return {
      ...hp,
      actions: [{ ...first!, ops: [...ops, ...first!.ops] }, ...rest],
      blobs: { ...hp.blobs, [sha]: { base64: toBase64(bytes) } },
    };
  }),
});

/**
 * `withKeep` of a plan, or of a planned run (which keeps its in-memory blobs,
 * so sensitive contents still apply).
 */
export function withKeep(plan: Plan, dirOf: (host: string) => string): Plan;
export function withKeep(run: PlannedRun, dirOf: (host: string) => string): PlannedRun;
export function withKeep(x: Plan | PlannedRun, dirOf: (host: string) => string): Plan | PlannedRun {
  return isPlannedRun(x) ? { ...x, plan: keepFirst(x.plan, dirOf) } : keepFirst(x, dirOf);
}

const INVERSE: Readonly<Record<Systemctl["verb"], Systemctl["verb"] | undefined>> = {
  start: "stop",
  stop: "start",
  enable: "disable",
  disable: "enable",
  restart: "restart",
  "daemon-reload": undefined,
};

/**
 * What undoes the unit ops among `ops` (the apply's batch, or what ran of
 * it): stops, disables and enables before the restore (while the new unit
 * files are still there), then the restarts: of what the apply stopped, and
 * of what it recorded as due (its cause changes back), except units it
 * started (they are stopped). `applied` are the apply's restart intents.
 */
const inverseOf = (ops: readonly Op[]) => {
  const inverse = ops
    .filter((o): o is Systemctl => o.op === "systemctl" && o.unit !== undefined)
    .reverse()
    .flatMap((o) => {
      const verb = INVERSE[o.verb];
      return verb ? [{ op: "systemctl" as const, verb, unit: o.unit! }] : [];
    });
  const key = (o: Systemctl) => `${o.verb} ${o.unit}`;
  const unique = inverse.filter((o, i) => inverse.findIndex((x) => key(x) === key(o)) === i);
  const before = unique.filter((o) => o.verb === "stop" || o.verb === "disable" || o.verb === "enable");
  const after = unique.filter((o) => o.verb === "restart" || o.verb === "start");
  const applied = ops.flatMap((o) => (o.op === "intent" && o.action === "add" ? o.restart : []));
  const started = new Set(before.filter((o) => o.verb === "stop").map((o) => o.unit));
  const due = applied.filter((u) => !started.has(u) && !after.some((o) => o.unit === u));
  const restarts = [...new Set([...after.map((o) => o.unit!), ...due])];
  return { before, after, due, restarts, applied };
};

/** What the rollback of the whole host plan does to units (for the units file). */
const unitUndo = (hp: ReadyHostPlan): UnitUndo => {
  const inv = inverseOf(batchOps(hp.actions).map((b) => b.op));
  return { before: inv.before, restarts: inv.restarts };
};

/**
 * The rollback batch of a host plan: what undoes the plan's starts and
 * enables (while the new unit files are still there), the intent, the
 * restore, a daemon-reload, the restarts (and restarts of what the apply
 * stopped), the intent cleared (with the apply's own restart intents), and
 * the kept copies removed.
 */
export const rollbackOps = (hp: ReadyHostPlan, dir: string, ran = Number.POSITIVE_INFINITY): Op[] => {
  // Only what ran is undone: stopping a unit the apply never started fails (not loaded).
  const ops = batchOps(hp.actions)
    .map((b) => b.op)
    .slice(0, ran);
  const { before, after, due, restarts, applied } = inverseOf(ops);
  const all = [...new Set([...restarts, ...applied])];
  const afterOps = [
    ...after,
    ...due.map((unit) => ({ op: "systemctl" as const, verb: "restart" as const, unit })),
  ];
  return [
    // A kill here leaves the apply's own rollback intent (withKeep) for the next run.
    ...before,
    { op: "intent", action: "add", restart: restarts, reload: true, rollback: dir, at: "rollback" },
    { op: "restore", dir },
    { op: "systemctl", verb: "daemon-reload" },
    ...afterOps,
    // The dir goes first: a kill between leaves the intent, and its rerun finds nothing to restore.
    { op: "remove", path: dir },
    { op: "intent", action: "remove", restart: all, reload: true, rollback: dir, at: "rollback" },
  ];
};

/** Ops of the batch that ran (the failed one included: it may have half-happened), from the apply's report. */
export const opsRunOf = (report: HostApplyReport | undefined): number =>
  report === undefined || report.status === "applied"
    ? Number.POSITIVE_INFINITY
    : report.status === "failed"
      ? report.opsRun + 1
      : 0;

/**
 * Rolls `hp`'s host back from `dir` and verifies it: the host's answers to
 * the plan's probes digest as they did when the plan was made. `report` is
 * the failed apply's (what ran of the batch), when known.
 */
export const rollbackHost = async (
  hp: ReadyHostPlan,
  target: Target,
  dir: string,
  run: Pick<RunOptions, "holder" | "lockWaitMs"> = {},
  report?: HostApplyReport,
): Promise<RollbackResult> => {
  const lost = notRestorable(hp);
  const ran = await target.run(rollbackOps(hp, dir, opsRunOf(report)), new Map(), run);
  if (E.isLeft(ran))
    return {
      restored: false,
      detail: `rollback failed (the next apply finishes it): ${describeTargetError(ran.left)}`,
      notRestorable: lost,
    };
  const seen = await target.observe(hp.probes);
  if (E.isLeft(seen))
    return {
      restored: false,
      detail: `rolled back, not verified: ${describeTargetError(seen.left)}`,
      notRestorable: lost,
    };
  return seen.right.digest === hp.factsDigest
    ? {
        restored: true,
        detail: "rolled back; the host answers the plan's probes as before the apply",
        notRestorable: lost,
      }
    : {
        restored: false,
        detail: "rolled back, but the host does not answer the plan's probes as before the apply",
        notRestorable: lost,
      };
};

/** The rollout's rollback callback for `plan`, the plan as applied (withKeep's). */
export const rollbackWith =
  (plan: Plan, dirOf: (host: string) => string, run: Pick<RunOptions, "holder" | "lockWaitMs"> = {}) =>
  async (host: string, target: Target, report: HostApplyReport | undefined): Promise<RollbackResult> => {
    const hp = plan.hosts.find((h): h is ReadyHostPlan => h.host === host && h.status === "ready");
    if (!hp) return { restored: false, detail: "no plan of this host to roll back", notRestorable: [] };
    if (finishesOwedRollback(hp))
      return {
        restored: false,
        detail:
          "not rolled back: this apply was finishing an earlier rollback, which stays recorded; the next run finishes it",
        notRestorable: [],
      };
    return rollbackHost(hp, target, dirOf(host), run, report);
  };

/**
 * For a host that is done: removes what it kept, then clears its rollback
 * intent (one exec under the lock). A failure is ignored here: the intent then
 * stays, and the next run rolls the host back, as it cannot tell this host
 * from one whose apply was cut off.
 */
export const releaseKept =
  (dirOf: (host: string) => string, run: Pick<RunOptions, "holder" | "lockWaitMs"> = {}) =>
  async (host: string, target: Target): Promise<void> => {
    const dir = dirOf(host);
    await target.run(
      [
        // The dir first: no kill leaves kept copies that no intent covers.
        { op: "remove", path: dir },
        { op: "intent", action: "remove", restart: [], reload: false, rollback: dir, at: "release" },
      ],
      new Map(),
      run,
    );
  };
