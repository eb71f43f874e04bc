/**
 * A real systemd test host for crash tests: two services whose units and
 * config files tend writes, a PATH-shadowing wrapper for `mv` and
 * `systemctl` that SIGKILLs the calling script's process group at its Nth
 * call (before or after running the real command), and readers of what
 * systemd and the disk say afterwards.
 */
import {
  type ApplyReport,
  apply,
  type HostFacts,
  type Plan,
  plan,
  type Resource,
  ShellTarget,
  type Transport,
} from "@tend/core";
import { dockerTransport } from "@tend/transport-docker";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, expect } from "vitest";
import { startHosts, stopHosts, type TestHost } from "../hosts/hosts.js";
import { onHost } from "../targets/real-host.js";

/**
 * The services of the scenario: `tka` has a unit and a config file that both
 * notify it; `tkb` has only its unit (one cause, like docker.service in the
 * mtu change), so a kill right after that unit lands leaves nothing else to
 * trigger its restart or the daemon-reload.
 */
export const SERVICES = ["tka", "tkb"] as const;
const CONFIGURED = new Set<string>(["tka"]);
/** Where the wrapper's counters live. */
const KILL_DIR = "/run/tk";
/** Where the wrapper lives: not under /run, which the test hosts mount noexec. */
const KILL_BIN = "/opt/tk/bin";
/** Where tend writes what the scenario declares, and where leftovers would show. */
export const WRITTEN_DIRS = ["/etc/systemd/system", "/etc/tk", "/var/lib/tend"];

/**
 * Version `v` of the declared state. The unit's ExecStart carries the
 * version (the running process's argv shows it) and the service copies its
 * config (or, without one, a line naming its unit's version) when it starts.
 */
export const scenario = (v: number): Resource[] => [
  { kind: "directory", name: "/etc/tk", props: { mode: 0o755 } },
  ...SERVICES.flatMap((s): Resource[] => [
    ...(CONFIGURED.has(s)
      ? [
          {
            kind: "file",
            name: `/etc/tk/${s}.conf`,
            props: { content: `${s} config v${v}\n` },
            notify: [`service[${s}]`],
          },
        ]
      : []),
    {
      kind: "unit",
      name: `${s}.service`,
      props: {
        content: `[Unit]\nDescription=tend crash test ${s}\n\n[Service]\nExecStart=/bin/sh -c '${CONFIGURED.has(s) ? `cat /etc/tk/${s}.conf` : `echo ${s} unit v${v}`} > /run/${s}.seen; exec sleep ${100000 + v}'\n\n[Install]\nWantedBy=multi-user.target\n`,
      },
      notify: [`service[${s}]`],
    },
    { kind: "service", name: s, props: { enabled: true, state: "running" } },
  ]),
];

/** What `/run/<s>.seen` says when `s` started from version `v`. */
const seenAt = (s: string, v: number): string =>
  CONFIGURED.has(s) ? `${s} config v${v}` : `${s} unit v${v}`;

/** A transport whose scripts find the kill wrapper first on PATH. */
const shimmed = (t: Transport): Transport => ({
  host: t.host,
  get roundTrips() {
    return t.roundTrips;
  },
  exec: (req) => t.exec({ ...req, script: `PATH=${KILL_BIN}:$PATH; export PATH\n${req.script}` }),
  upload: (path, data, mode) => t.upload(path, data, mode),
  close: () => t.close(),
});

/**
 * The wrapper: counts calls of the shadowed commands in one counter; at call
 * `at` it SIGKILLs its process group (the tend script and every child) before
 * or after the real command ran, and leaves a note that it did.
 */
const WRAPPER = `#!/bin/sh
d=${KILL_DIR}
# Queries (systemctl show, is-enabled…) are not kill points: only what changes the host is.
case \${0##*/}:$1 in systemctl:show|systemctl:is-*|systemctl:list-*|systemctl:cat) PATH=/usr/sbin:/usr/bin:/sbin:/bin exec systemctl "$@" ;; esac
n=$(cat $d/count 2>/dev/null || echo 0); n=$((n + 1)); echo $n > $d/count
echo "\${0##*/} $*" >> $d/calls
kill_group() {
  g=$(ps -o pgid= -p $$ | tr -d ' ')
  case $g in ''|0|1) echo "refusing to kill process group '$g'" >&2; exit 99 ;; esac
  echo "$n \${0##*/} $1" > $d/killed
  /bin/kill -KILL -- "-$g"
  sleep 5
}
if [ "$n" = "$(cat $d/at 2>/dev/null)" ] && [ "$(cat $d/mode)" = before ]; then kill_group before; fi
PATH=/usr/sbin:/usr/bin:/sbin:/bin "\${0##*/}" "$@"; rc=$?
if [ "$n" = "$(cat $d/at 2>/dev/null)" ] && [ "$(cat $d/mode)" = after ]; then kill_group after; fi
exit $rc
`;

/** One host with a plain target and a target whose scripts go through the kill wrapper. */
export interface CrashHost {
  readonly host: TestHost;
  readonly plain: ShellTarget;
  readonly killing: ShellTarget;
  readonly transports: readonly Transport[];
}

export const startCrashHost = async (prefix: string): Promise<CrashHost> => {
  const [host] = await startHosts(1, { prefix });
  if (!host) throw new Error("startHosts returned no host");
  const a = dockerTransport({ container: host.container, host: host.name });
  const b = dockerTransport({ container: host.container, host: host.name });
  await onHost(
    host,
    `mkdir -p ${KILL_DIR} ${KILL_BIN} && cat > ${KILL_BIN}/mv && chmod 755 ${KILL_BIN}/mv && ln -sf mv ${KILL_BIN}/systemctl`,
    new TextEncoder().encode(WRAPPER),
  );
  return {
    host,
    plain: new ShellTarget(a, { timeoutMs: 120_000 }),
    killing: new ShellTarget(shimmed(b), { timeoutMs: 120_000 }),
    transports: [a, b],
  };
};

/** Arms the wrapper: kill at the `at`th call, before or after the real command. */
export const arm = (h: CrashHost, at: number, mode: "before" | "after"): Promise<string> =>
  onHost(
    h.host,
    `d=${KILL_DIR}; echo 0 > $d/count; echo ${at} > $d/at; echo ${mode} > $d/mode; rm -f $d/killed; : > $d/calls`,
  );

/** Disarms it; returns what it killed ("" when the call never came) and the calls it saw, in order. */
export const disarm = async (h: CrashHost): Promise<{ killed: string; calls: string[] }> => {
  const out = await onHost(
    h.host,
    `d=${KILL_DIR}; echo 0 > $d/at; cat $d/killed 2>/dev/null; echo; cat $d/calls`,
  );
  const [killed = "", ...calls] = out.split("\n");
  return { killed: killed.trim(), calls: calls.filter((c) => c !== "") };
};

/** Plans `resources` with `planner` (from known host facts), applies with `applier`. */
export const planAndApply = async (
  resources: readonly Resource[],
  planner: ShellTarget,
  facts: HostFacts,
  applier: ShellTarget = planner,
): Promise<{ plan: Plan; report: ApplyReport }> => {
  const p = await plan(resources, planner, { facts });
  return {
    plan: p.plan,
    report: await apply(p, applier, { resources: new Map([[planner.host, resources]]) }),
  };
};

/**
 * Every way the host fails version `v` of the scenario after an apply:
 * services not running the declared unit and config, units systemd has not
 * reloaded, temp leftovers in /tmp, /run/tend/tmp or beside written files.
 */
export const violations = async (h: CrashHost, v: number): Promise<string[]> => {
  const perService = SERVICES.map(
    (s) =>
      `echo "[${s}]"; systemctl show -p ActiveState -p NeedDaemonReload ${s}.service; pid=$(systemctl show -p MainPID --value ${s}.service); printf 'Cmdline=%s\\n' "$(tr '\\0' ' ' < /proc/$pid/cmdline 2>/dev/null)"; printf 'Seen=%s\\n' "$(cat /run/${s}.seen 2>/dev/null)"`,
  );
  const r = await onHost(
    h.host,
    [
      ...perService,
      `echo "[left]"; ls -d /tmp/tmp.* 2>/dev/null; ls -A /run/tend/tmp 2>/dev/null | sed 's,^,/run/tend/tmp/,'; find ${WRITTEN_DIRS.join(" ")} -name '.*.tend-*' 2>/dev/null; true`,
    ].join("\n"),
  );
  const sections = new Map(
    r.split(/^\[/m).flatMap((part) => {
      const nl = part.indexOf("]\n");
      return nl < 0
        ? []
        : [
            [
              part.slice(0, nl),
              part
                .slice(nl + 2)
                .split("\n")
                .filter((l) => l !== ""),
            ] as const,
          ];
    }),
  );
  const out: string[] = [];
  for (const s of SERVICES) {
    const lines = sections.get(s) ?? [];
    const get = (k: string) =>
      lines
        .find((l) => l.startsWith(`${k}=`))
        ?.slice(k.length + 1)
        .trim() ?? "";
    if (get("ActiveState") !== "active") out.push(`${s} is ${get("ActiveState")}, not active`);
    if (get("NeedDaemonReload") !== "no")
      out.push(`lost reload: ${s}.service NeedDaemonReload=${get("NeedDaemonReload")}`);
    if (!get("Cmdline").includes(`sleep ${100000 + v}`))
      out.push(`lost restart: ${s} runs "${get("Cmdline")}", not the v${v} unit`);
    if (get("Seen") !== seenAt(s, v))
      out.push(`lost restart: ${s} started with "${get("Seen")}", not "${seenAt(s, v)}"`);
  }
  for (const l of sections.get("left") ?? []) out.push(`leftover: ${l}`);
  return out;
};

/** Closes the transports. */
export const closeCrashHost = async (h: CrashHost | undefined): Promise<void> => {
  await Promise.all((h?.transports ?? []).map((t) => t.close()));
};

/**
 * Registers this suite's host: started and converged on version 1 of the
 * scenario before its tests (the state every kill test starts from, handed
 * to `up`), stopped after them.
 */
export const useConvergedCrashHost = (prefix: string, up: (h: CrashHost, facts: HostFacts) => void): void => {
  let h: CrashHost | undefined;
  beforeAll(async () => {
    h = await startCrashHost(prefix);
    const f = await h.plain.hostFacts();
    if (E.isLeft(f)) throw new Error(JSON.stringify(f.left));
    const first = await planAndApply(scenario(1), h.plain, f.right);
    expect(first.report.hosts[0]).toMatchObject({ status: "applied", verdict: { converged: true } });
    up(h, f.right);
  });
  afterAll(async () => {
    await closeCrashHost(h);
    await stopHosts(h ? [h.host] : []);
  });
};
