/**
 * Unit probes against a real systemd test host: all unit probes of a script
 * cost one `systemctl show` (counted by a logging wrapper put first on PATH,
 * which execs the real systemctl), and the answers are what the per-unit
 * `systemctl show` + `systemctl is-enabled` of earlier versions read, for
 * enabled, disabled, static, masked, instance, alias and unknown units and
 * for names systemctl would mangle or refuse.
 */
import { ShellTarget, type Transport, type UnitFact } from "@tend/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopHosts } from "../hosts/hosts.js";
import { onHost, probeAll, type RealHost, startRealHost } from "./real-host.js";

let h: RealHost;
beforeAll(async () => {
  h = await startRealHost("units");
  await onHost(
    h.host,
    [
      "mkdir -p /tmp/tend-shim",
      `printf '#!/bin/sh\\necho "$*" >> /tmp/tend-shim/log\\nexec /usr/bin/systemctl "$@"\\n' > /tmp/tend-shim/systemctl`,
      "chmod 755 /tmp/tend-shim/systemctl",
      `printf '[Service]\\nExecStart=/bin/sleep 1000\\n[Install]\\nWantedBy=multi-user.target\\n' > /etc/systemd/system/tend-u-on.service`,
      "cp /etc/systemd/system/tend-u-on.service /etc/systemd/system/tend-u-off.service",
      `printf '[Service]\\nExecStart=/bin/sleep 1000\\n' > /etc/systemd/system/tend-u-static.service`,
      "cp /etc/systemd/system/tend-u-on.service /lib/systemd/system/tend-u-masked.service",
      "systemctl daemon-reload",
      "systemctl enable tend-u-on.service 2>/dev/null",
      "systemctl start tend-u-on.service",
      "systemctl mask tend-u-masked.service 2>/dev/null",
    ].join(" && "),
  );
});
afterAll(async () => {
  await h?.transport.close();
  await stopHosts(h ? [h.host] : []);
});

/** The transport with the logging systemctl first on PATH. */
const shimmed = (t: Transport): Transport => ({
  host: t.host,
  get roundTrips() {
    return t.roundTrips;
  },
  exec: (req) => t.exec({ ...req, script: `PATH=/tmp/tend-shim:$PATH; export PATH\n${req.script}` }),
  upload: (path, data, mode) => t.upload(path, data, mode),
  close: () => t.close(),
});

/** systemctl invocations of `script`'s run, as logged by the wrapper. */
const systemctlCalls = async (work: () => Promise<unknown>): Promise<string[]> => {
  await onHost(h.host, ": > /tmp/tend-shim/log");
  await work();
  return (await onHost(h.host, "cat /tmp/tend-shim/log")).split("\n").filter((l) => l !== "");
};

/** What the per-unit `show` + `is-enabled` probe read, with the same defaults. */
const perUnit = async (name: string): Promise<UnitFact> => {
  const q = `'${name.replaceAll("'", `'\\''`)}'`;
  const out = await onHost(
    h.host,
    `systemctl show -p LoadState -p ActiveState -- ${q} 2>/dev/null; printf 'IsEnabled=%s\\n' "$(systemctl is-enabled -- ${q} 2>/dev/null | head -n 1)"`,
  );
  const get = (k: string) =>
    out
      .split("\n")
      .find((l) => l.startsWith(`${k}=`))
      ?.slice(k.length + 1) ?? "";
  const enabled = get("IsEnabled");
  return {
    load: get("LoadState") || "not-found",
    active: get("ActiveState") || "inactive",
    enabled: enabled === "not-found" ? "" : enabled,
  };
};

const plain = [
  "tend-u-on.service",
  "tend-u-off.service",
  "tend-u-static.service",
  "tend-u-masked.service",
  "ssh.service",
  "systemd-journald.service",
  "getty@tty1.service",
  "tend-none.service",
  "tend-none.socket",
  "systemd-journald.socket",
];
// An alias (procps.service is systemd-sysctl.service: is-enabled says "alias"),
// a name without suffix, a template without instance, a name systemctl mangles.
const odd = ["procps.service", "kubelet", "getty@.service", "bad name", "a'b.service"];

describe("unit probes", () => {
  it("ten unit probes cost one systemctl invocation", async () => {
    const target = new ShellTarget(shimmed(h.transport));
    let answers: readonly unknown[] = [];
    const calls = await systemctlCalls(async () => {
      answers = await probeAll(
        target,
        plain.map((name) => ({ type: "unit", name })),
      );
    });
    expect(calls).toEqual([`show --property=Id,LoadState,ActiveState,UnitFileState -- ${plain.join(" ")}`]);
    expect(answers).toEqual(await Promise.all(plain.map(perUnit)));
    expect(answers.slice(0, 4)).toEqual([
      { load: "loaded", active: "active", enabled: "enabled" },
      { load: "loaded", active: "inactive", enabled: "disabled" },
      { load: "loaded", active: "inactive", enabled: "static" },
      { load: "masked", active: "inactive", enabled: "masked" },
    ]);
  });

  it("answers odd names, aliases and unknown units as the per-unit show and is-enabled did", async () => {
    const names = [...odd, ...plain, ...odd];
    const answers = await probeAll(
      h.target,
      names.map((name) => ({ type: "unit", name })),
    );
    expect(answers).toEqual(await Promise.all(names.map(perUnit)));
    expect(answers[0]).toMatchObject({ enabled: "alias" });
  });
});
