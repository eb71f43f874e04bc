import { describe, expect, it } from "vitest";
import { sha256 } from "./blobs.js";
import type { SimStateOverrides } from "./debian.js";
import { answerProbe } from "./probes.js";
import type { SimState } from "./state.js";
import { file, type OpRow, runOpRow } from "./table.fixture.js";

const unit = (s: SimState, name: string) => answerProbe(s, { type: "unit", name });

const KUBELET = "[Service]\nExecStart=/usr/local/bin/kubelet\n[Install]\nWantedBy=multi-user.target\n";
const withKubelet: SimStateOverrides = { files: { "/etc/systemd/system/kubelet.service": file(KUBELET) } };

const rows: OpRow[] = [
  // systemctl
  {
    promise: "daemon-reload records the sha256 of every unit file present",
    overrides: withKubelet,
    ops: [{ op: "systemctl", verb: "daemon-reload" }],
    after: (s) => {
      expect(s.loadedUnits["kubelet.service"]).toBe(sha256(KUBELET));
      expect(Object.keys(s.loadedUnits).sort()).toEqual(["kubelet.service", "ssh.service"]);
    },
  },
  {
    promise: "enable then start of a reloaded unit makes it enabled and active without warnings",
    overrides: withKubelet,
    ops: [
      { op: "systemctl", verb: "daemon-reload" },
      { op: "systemctl", verb: "enable", unit: "kubelet.service" },
      { op: "systemctl", verb: "start", unit: "kubelet.service" },
    ],
    after: (s, warnings) => {
      expect(unit(s, "kubelet.service")).toEqual({ load: "loaded", active: "active", enabled: "enabled" });
      expect(warnings).toEqual([]);
    },
  },
  {
    promise: "start of a unit whose file changed since the last reload still starts it but warns",
    overrides: withKubelet,
    ops: [
      { op: "systemctl", verb: "daemon-reload" },
      {
        op: "writeFile",
        path: "/etc/systemd/system/kubelet.service",
        blob: sha256("[Service]\n"),
        mode: 0o644,
        owner: "root",
        group: "root",
      },
      { op: "systemctl", verb: "restart", unit: "kubelet.service" },
    ],
    after: (s, warnings) => {
      expect(unit(s, "kubelet.service")).toMatchObject({ active: "active" });
      expect(warnings).toEqual([
        "restart kubelet.service: unit file changed on disk since the last daemon-reload",
      ]);
    },
  },
  {
    promise: "start of a unit no daemon-reload has seen warns",
    overrides: {},
    ops: [
      {
        op: "writeFile",
        path: "/etc/systemd/system/new.service",
        blob: sha256("[Service]\n"),
        mode: 0o644,
        owner: "root",
        group: "root",
      },
      { op: "systemctl", verb: "start", unit: "new.service" },
    ],
    after: (_s, warnings) =>
      expect(warnings).toEqual(["start new.service: unit file was never loaded by a daemon-reload"]),
  },
  {
    promise: "enable of a unit without a unit file fails",
    ops: [{ op: "systemctl", verb: "enable", unit: "kubelet.service" }],
    fails: { index: 0, stderr: "Unit kubelet.service not found" },
  },
  {
    promise: "disable of a unit without a unit file removes a leftover enablement (systemd 252 does)",
    overrides: { services: { "gone.service": { active: "inactive", enabled: "enabled" } } },
    ops: [{ op: "systemctl", verb: "disable", unit: "gone.service" }],
    after: (s) => expect(s.services["gone.service"]?.enabled).toBe("disabled"),
  },
  {
    promise: "disable of a unit without a unit file or a leftover enablement fails",
    ops: [{ op: "systemctl", verb: "disable", unit: "kubelet.service" }],
    fails: { index: 0, stderr: "Unit kubelet.service not found" },
  },
  {
    promise: "start of a unit without a unit file fails",
    ops: [{ op: "systemctl", verb: "start", unit: "kubelet.service" }],
    fails: { index: 0, stderr: "Unit kubelet.service not found" },
  },
  {
    promise: "enable of a unit without [Install] succeeds and leaves it static",
    overrides: { files: { "/etc/systemd/system/once.service": file("[Service]\nType=oneshot\n") } },
    ops: [{ op: "systemctl", verb: "enable", unit: "once.service" }],
    after: (s) =>
      expect(unit(s, "once.service")).toEqual({ load: "loaded", active: "inactive", enabled: "static" }),
  },
  {
    promise: "a unit name that reads as an option is refused before any op runs",
    ops: [{ op: "systemctl", verb: "start", unit: "--all" }],
    fails: { index: 0, stderr: "expected a systemd unit name", exitCode: -1 },
  },
  {
    promise: "stop and disable turn a running enabled unit off",
    ops: [
      { op: "systemctl", verb: "stop", unit: "ssh.service" },
      { op: "systemctl", verb: "disable", unit: "ssh.service" },
    ],
    after: (s) =>
      expect(unit(s, "ssh.service")).toEqual({ load: "loaded", active: "inactive", enabled: "disabled" }),
  },
  {
    promise: "stop of an unknown unit fails",
    ops: [{ op: "systemctl", verb: "stop", unit: "nope.service" }],
    fails: { index: 0, stderr: "Unit nope.service not loaded" },
  },
  // sysctl, modprobe, swap
  {
    promise: "sysctl sets an existing key and creates a net.* key",
    ops: [
      { op: "sysctl", key: "vm.swappiness", value: "0" },
      { op: "sysctl", key: "net.ipv4.conf.wg0.rp_filter", value: "2" },
    ],
    after: (s) => {
      expect(answerProbe(s, { type: "sysctl", key: "vm.swappiness" })).toEqual({ value: "0" });
      expect(answerProbe(s, { type: "sysctl", key: "net.ipv4.conf.wg0.rp_filter" })).toEqual({ value: "2" });
    },
  },
  {
    promise: "sysctl of an unknown non-net key fails",
    ops: [{ op: "sysctl", key: "vm.nope", value: "1" }],
    fails: { index: 0, stderr: "unknown sysctl key vm.nope" },
  },
  {
    promise: "modprobe loads a loadable module (with - for _) and is a no-op for built-in ones",
    ops: [
      { op: "modprobe", name: "ip-vs" },
      { op: "modprobe", name: "overlay" },
      { op: "modprobe", name: "ip_vs" },
    ],
    after: (s) => {
      expect(s.kmods.loaded).toEqual(["ip_vs"]);
      expect(answerProbe(s, { type: "kmod", name: "overlay" })).toEqual({
        loaded: false,
        builtin: true,
        persisted: false,
        available: true,
      });
    },
  },
  {
    promise: "modprobe of an unknown module fails",
    ops: [{ op: "modprobe", name: "nosuchmod" }],
    fails: { index: 0, stderr: "Module nosuchmod not found" },
  },
  {
    promise: "swapoff clears the active swap devices",
    overrides: { swap: ["/swapfile"] },
    ops: [{ op: "swapoff" }],
    after: (s) => expect(answerProbe(s, { type: "swap" })).toEqual({ active: [] }),
  },
  // packages
  {
    promise: "packages installs available packages at the repository's version",
    ops: [{ op: "packages", manager: "apt", install: ["jq", "socat"] }],
    after: (s) => {
      expect(answerProbe(s, { type: "package", name: "jq", manager: "apt" })).toEqual({ version: "1.6-2.1" });
      expect(s.packages.socat).toBe("1.7.4.4-2");
    },
  },
  {
    promise: "packages with an unknown name installs nothing and fails",
    ops: [{ op: "packages", manager: "apt", install: ["jq", "nosuchpkg"] }],
    fails: { index: 0, stderr: "Unable to locate package nosuchpkg" },
    after: (s) => expect(s.packages.jq).toBeUndefined(),
  },
  {
    promise: "packages through the wrong manager fails",
    ops: [{ op: "packages", manager: "dnf", install: ["jq"] }],
    fails: { index: 0, stderr: "dnf: command not found" },
  },
  // exec
  {
    promise: "exec touch creates an empty file and rm -f removes it",
    ops: [
      { op: "exec", argv: ["touch", "/etc/a"] },
      { op: "exec", argv: ["touch", "/etc/b"] },
      { op: "exec", argv: ["rm", "-f", "/etc/b"] },
      { op: "exec", argv: ["rm", "-f", "/etc/never"] },
    ],
    after: (s) => {
      expect(answerProbe(s, { type: "file", path: "/etc/a" })).toEqual({
        type: "file",
        mode: 0o644,
        owner: "root",
        group: "root",
        size: 0,
      });
      expect(answerProbe(s, { type: "file", path: "/etc/b" })).toEqual({ type: "absent" });
    },
  },
  {
    promise: "exec of a failing test returns its exit code",
    ops: [{ op: "exec", argv: ["test", "-f", "/etc/never"] }],
    fails: { index: 0, stderr: "exited 1", exitCode: 1 },
  },
  {
    promise: "exec of an unknown program fails with 127",
    ops: [{ op: "exec", argv: ["kubeadm", "join"] }],
    fails: { index: 0, stderr: "kubeadm: not found", exitCode: 127 },
  },
  {
    promise: "exec touch in a missing directory fails",
    ops: [{ op: "exec", argv: ["touch", "/nope/a"] }],
    fails: { index: 0, stderr: "No such file or directory" },
  },
];

describe("SimHost system ops", () => {
  it.each(rows)("$promise", runOpRow({ blobs: ["[Service]\n"] }));
});
