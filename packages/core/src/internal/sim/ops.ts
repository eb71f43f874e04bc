/**
 * How SimHost carries out each op on an immer draft of its state. Every
 * function throws SimError (the stderr the real command would print) to fail
 * the op; the caller then drops the draft, so a failed op changes nothing.
 */

import type { Draft } from "immer";
import type { Op } from "../op.js";
import type { BlobStore } from "../target.js";
import { groupaddOp, groupmodOp, useraddOp, usermodOp } from "./accounts.js";
import { evalMutating } from "./commands.js";
import {
  downloadOp,
  extractOp,
  intentOp,
  mkdirOp,
  type OpResult,
  removeOp,
  setAttrsOp,
  writeFileOp,
} from "./fileops.js";
import { isStaticUnit, kmodName, unitFilePath } from "./probes.js";
import { keepOp, restoreOp } from "./rollback.js";
import { type SimState, UNIT_DIRS } from "./state.js";
import { digest, fileBytes, filesIn, lookup, noStep, own, SimError, type Step } from "./vfs.js";

type OpOf<K extends Op["op"]> = Extract<Op, { op: K }>;

/** What an op may use besides the state: the uploaded blobs and a sink for systemd's warnings. */
export interface OpContext {
  readonly blobs: BlobStore;
  warn(message: string): void;
  /** The generation this op takes effect at (SimHistory.clock after it). */
  readonly clock: number;
  /** The host's UTC time, as `date -u +%Y-%m-%dT%H:%M:%SZ` prints it. */
  readonly now: string;
  /** Called between an op's internal steps (where an injected kill may land); absent: no kill. */
  readonly step?: Step;
}

/** sha256 of the unit file systemd would load for `unit`, or undefined when there is none. */
const unitFileHash = (state: SimState, unit: string): string | undefined => {
  const path = unitFilePath(state, unit);
  const e = path === undefined ? undefined : lookup(state.files, path, true);
  return e?.type === "file" ? digest("sha256", fileBytes(e)) : undefined;
};

/** Unit name → sha256 of every unit file present, /etc overriding /lib: what a daemon-reload loads. */
export const loadableUnits = (state: SimState): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const dir of [...UNIT_DIRS].reverse()) {
    for (const path of filesIn(state.files, dir)) {
      const e = lookup(state.files, path, true);
      if (e?.type === "file") out[path.slice(path.lastIndexOf("/") + 1)] = digest("sha256", fileBytes(e));
    }
  }
  return out;
};

const systemctlOp = (draft: Draft<SimState>, op: OpOf<"systemctl">, ctx: OpContext): void => {
  if (op.verb === "daemon-reload") {
    draft.loadedUnits = loadableUnits(draft);
    return;
  }
  const unit = op.unit;
  if (unit === undefined) throw new SimError(`systemctl ${op.verb}: a unit name is required`);
  const hash = unitFileHash(draft, unit);
  const svc = own(draft.services, unit) ?? { active: "inactive", enabled: "disabled" };
  switch (op.verb) {
    case "enable":
    case "disable":
      // systemctl disable of a missing unit still removes its leftover links; with none it fails.
      if (hash === undefined && op.verb === "disable" && svc.enabled === "enabled") {
        draft.services[unit] = { ...svc, enabled: "disabled" };
        return;
      }
      if (hash === undefined) throw new SimError(`Failed to ${op.verb} unit: Unit ${unit} not found.`);
      // systemctl only prints a notice for a unit without [Install]; it stays "static".
      if (isStaticUnit(draft, unit)) return;
      draft.services[unit] = { ...svc, enabled: op.verb === "enable" ? "enabled" : "disabled" };
      return;
    case "start":
    case "restart": {
      if (hash === undefined) throw new SimError(`Failed to ${op.verb} ${unit}: Unit ${unit} not found.`);
      // systemd starts the unit it has in memory and only warns; tests read the warning.
      const loaded = own(draft.loadedUnits, unit);
      if (loaded === undefined) {
        ctx.warn(`${op.verb} ${unit}: unit file was never loaded by a daemon-reload`);
      } else if (loaded !== hash) {
        ctx.warn(`${op.verb} ${unit}: unit file changed on disk since the last daemon-reload`);
      }
      // It now runs the unit systemd has loaded (none: the file as found on demand).
      const { startedUnit: _before, ...rest } = svc;
      draft.services[unit] = {
        ...rest,
        active: "active",
        startedAt: ctx.clock,
        ...(loaded === undefined ? {} : { startedUnit: loaded }),
      };
      return;
    }
    case "stop":
      // A running unit whose file was deleted can still be stopped; an unknown one cannot.
      if (hash === undefined && svc.active !== "active") {
        throw new SimError(`Failed to stop ${unit}: Unit ${unit} not loaded.`);
      }
      draft.services[unit] = { ...svc, active: "inactive" };
      return;
  }
};

const sysctlOp = (draft: Draft<SimState>, op: OpOf<"sysctl">): void => {
  // net.* keys are per network namespace and may appear late (a module, an interface); others must exist.
  if (own(draft.sysctls, op.key) === undefined && !op.key.startsWith("net.")) {
    throw new SimError(`unknown sysctl key ${op.key}`);
  }
  draft.sysctls[op.key] = op.value;
};

const modprobeOp = (draft: Draft<SimState>, op: OpOf<"modprobe">): void => {
  const n = kmodName(op.name);
  const has = (list: readonly string[]) => list.some((m) => kmodName(m) === n);
  if (has(draft.kmods.builtin) || has(draft.kmods.loaded)) return;
  if (!has(draft.kmods.loadable)) {
    throw new SimError(
      `modprobe: FATAL: Module ${op.name} not found in directory /lib/modules/${draft.host.kernel}`,
    );
  }
  draft.kmods.loaded.push(n);
};

const packagesOp = (draft: Draft<SimState>, op: OpOf<"packages">): void => {
  if (draft.host.packageManager !== op.manager) {
    throw new SimError(`${op.manager === "apt" ? "apt-get" : "dnf"}: command not found`);
  }
  // apt installs all or nothing: an unknown name fails the whole transaction.
  const missing = op.install.filter((p) => own(draft.available.packages, p) === undefined);
  if (missing.length > 0)
    throw new SimError(missing.map((p) => `E: Unable to locate package ${p}`).join("\n"));
  for (const p of op.install) draft.packages[p] = draft.available.packages[p] as string;
};

const execOp = (draft: Draft<SimState>, op: OpOf<"exec">): void => {
  const r = evalMutating(draft, op.argv);
  if (r.exitCode !== 0)
    throw new SimError(r.stderr === "" ? `${op.argv.join(" ")} exited ${r.exitCode}` : r.stderr, r.exitCode);
};

/**
 * Carries out one op on `draft`. Throws SimError when the op fails before
 * changing anything; returns a SimError when it fails after earlier steps
 * took effect (the caller keeps the draft then); undefined on success.
 */
export const applyOp = (draft: Draft<SimState>, op: Op, ctx: OpContext): OpResult => {
  const step = ctx.step ?? noStep;
  switch (op.op) {
    case "mkdir":
      return mkdirOp(draft, op, step);
    case "writeFile":
      return writeFileOp(draft, op, ctx.blobs, step);
    case "setAttrs":
      return setAttrsOp(draft, op);
    case "remove":
      return removeOp(draft, op);
    case "download":
      return downloadOp(draft, op, step);
    case "extract":
      return extractOp(draft, op, step);
    case "systemctl":
      systemctlOp(draft, op, ctx);
      return undefined;
    case "sysctl":
      sysctlOp(draft, op);
      return undefined;
    case "modprobe":
      modprobeOp(draft, op);
      return undefined;
    case "groupadd":
      groupaddOp(draft, op);
      return undefined;
    case "groupmod":
      groupmodOp(draft, op);
      return undefined;
    case "useradd":
      return useraddOp(draft, op, step);
    case "usermod":
      usermodOp(draft, op);
      return undefined;
    case "packages":
      packagesOp(draft, op);
      return undefined;
    case "swapoff":
      draft.swap = [];
      return undefined;
    case "exec":
      execOp(draft, op);
      return undefined;
    case "intent":
      return intentOp(draft, op, ctx.now);
    case "keep":
      return keepOp(draft, op, step);
    case "restore":
      return restoreOp(draft, op, step);
  }
};
