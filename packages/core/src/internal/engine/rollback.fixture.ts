/**
 * What the rollback tests share: a worker-like declared state (docker and
 * kubelet, with a changed mtu; the change may add a file, a unit and a
 * running service), the host as a rollback must leave it, what is kept
 * under a rollback dir, and the ways an apply stops at an op.
 */
import { STATE_DIR } from "../probe.js";
import type { Resource } from "../resource.js";
import type { SimHost, SimHostOptions } from "../sim/simhost.js";
import type { SimState } from "../sim/state.js";
import { apply } from "./apply.js";
import { leftIntents, owed, ready } from "./crash.fixture.js";
import { plan } from "./plan.js";

const unitText = (exec: string): string =>
  `[Service]\nExecStart=${exec}\n\n[Install]\nWantedBy=multi-user.target\n`;

/**
 * docker and kubelet at `mtu`; with `extra`, also /etc/tend-new.conf,
 * extra.service and the running service extra (the file notifies it when
 * `notifyExtra`).
 */
export const declared = (mtu: number, extra: boolean, notifyExtra = true): Resource[] => [
  {
    kind: "unit",
    name: "docker.service",
    props: { content: unitText(`/usr/bin/dockerd --mtu=${mtu}`) },
    notify: ["service[docker]"],
  },
  {
    kind: "file",
    name: "/etc/kubernetes/kubelet.yaml",
    props: { content: `mtu: ${mtu}\n`, mode: 0o640 },
    notify: ["service[kubelet]"],
  },
  {
    kind: "unit",
    name: "kubelet.service",
    props: { content: unitText("/usr/bin/kubelet --config=/etc/kubernetes/kubelet.yaml") },
    notify: ["service[kubelet]"],
  },
  { kind: "service", name: "docker", props: { enabled: true, state: "running" } },
  { kind: "service", name: "kubelet", props: { enabled: true, state: "running" }, deps: ["service[docker]"] },
  ...(extra
    ? ([
        {
          kind: "file",
          name: "/etc/tend-new.conf",
          props: { content: "new\n" },
          ...(notifyExtra ? { notify: ["service[extra]"] } : {}),
        },
        { kind: "unit", name: "extra.service", props: { content: unitText("/bin/true") } },
        {
          kind: "service",
          name: "extra",
          props: { enabled: true, state: "running" },
          deps: ["unit[extra.service]"],
        },
      ] satisfies Resource[])
    : []),
];

/**
 * The host as a rollback must leave it: files (but those under `ignore`, tend's
 * own records), services that run or are enabled, and the loaded units.
 */
export const shape = (s: SimState, ignore: string = STATE_DIR) => ({
  files: Object.fromEntries(
    Object.entries(s.files).filter(([p]) => p !== ignore && !p.startsWith(`${ignore}/`)),
  ),
  // A unit that is stopped and disabled is as good as none (SimHost keeps its record after its file is gone).
  services: Object.fromEntries(
    Object.entries(s.services)
      .filter(([, v]) => v.active !== "inactive" || v.enabled !== "disabled")
      .map(([u, v]) => [u, [v.active, v.enabled]]),
  ),
  loaded: s.loadedUnits,
});

/** What is left under a rollback dir. */
export const keptUnder = (s: SimState, dir: string): string[] =>
  Object.keys(s.files).filter((p) => p === dir || p.startsWith(`${dir}/`));

/** One way an apply stops at an op: it fails, its link drops after it, or it is killed around or inside it. */
export type ApplyFault =
  | { readonly kind: "fail" }
  | { readonly kind: "drop" }
  | { readonly kind: "kill"; readonly phase: "before" | "after" }
  | { readonly kind: "kill"; readonly step: number };

/** SimHost options injecting `f` at op `op` (counted from the host's first op). */
export const applyFault = (f: ApplyFault, op: number): SimHostOptions =>
  f.kind === "fail"
    ? { failAtOp: op }
    : f.kind === "drop"
      ? { dropAfterOp: op }
      : { killAtOp: "step" in f ? { op, step: f.step } : { op, phase: f.phase } };

/**
 * What a user does after a failed or killed run: plan and apply the
 * previous declared state until its plan is empty (at most `runs` applies);
 * then the host's shape, what it owes, and what it keeps under `dirs`, as
 * data for one toEqual with `settled`.
 */
export const afterNextRuns = async (host: SimHost, dirs: readonly string[], runs: number) => {
  for (let i = 0; i < runs; i++) {
    const next = await plan(declared(1500, false), host);
    if (ready(next).actions.length === 0) break;
    await apply(next, host, { recheckFacts: false });
  }
  return {
    shape: shape(host.state),
    owed: owed(host, declared(1500, false)),
    intents: leftIntents(host.state),
    kept: dirs.flatMap((d) => keptUnder(host.state, d)),
  };
};

/** afterNextRuns of a host that is back as it was in `before`, owing and keeping nothing. */
export const settled = (before: SimState) => ({ shape: shape(before), owed: [], intents: [], kept: [] });
