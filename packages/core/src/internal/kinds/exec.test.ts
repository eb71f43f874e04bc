/**
 * Fixture tables for the kinds that run commands: etcdKey (read by a check
 * probe, written by exec) and command (guards decide whether it runs).
 */
import { describe, expect, it } from "vitest";
import type { ProbeResult } from "../probe.js";
import { commandKind, NO_GUARD } from "./command.js";
import { etcdKeyKind } from "./etcdKey.js";
import { absentFact, evaluate, regularFact } from "./evaluate.js";

describe("etcdKey", () => {
  const key = "/kubernetes-cluster/network/config";
  const value = '{"Network":"10.200.0.0/16","Backend":{"Type":"vxlan"}}';
  const v2 = {
    value,
    etcdctl: "/usr/local/bin/etcdctl",
    endpoints: "https://127.0.0.1:2379",
    caFile: "/var/lib/kubernetes/ca-etcd.pem",
    certFile: "/var/lib/kubernetes/cert-etcd.pem",
    keyFile: "/var/lib/kubernetes/cert-etcd-key.pem",
    api: "v2",
  };
  const tls2 = ["--ca-file", v2.caFile, "--cert-file", v2.certFile, "--key-file", v2.keyFile];
  const tls3 = ["--cacert", v2.caFile, "--cert", v2.certFile, "--key", v2.keyFile];
  const base = (api: number) => ["env", `ETCDCTL_API=${api}`, v2.etcdctl, "--endpoints", v2.endpoints];
  const set2 = { op: "exec", argv: [...base(2), ...tls2, "set", key, value] };
  const put3 = { op: "exec", argv: [...base(3), ...tls3, "put", key, value] };

  const cases: { why: string; props: object; fact: ProbeResult; action: string; ops: unknown[] }[] = [
    {
      why: "v2: a missing key (non-zero exit) is created",
      props: v2,
      fact: { exitCode: 4, stdout: "" },
      action: "create",
      ops: [set2],
    },
    {
      why: "v2: the same value is left alone",
      props: v2,
      fact: { exitCode: 0, stdout: `${value}\n` },
      action: "noop",
      ops: [],
    },
    {
      why: "v2: JSON compares structurally (key order, spacing)",
      props: v2,
      fact: { exitCode: 0, stdout: '{ "Backend": {"Type": "vxlan"}, "Network": "10.200.0.0/16" }\n' },
      action: "noop",
      ops: [],
    },
    {
      why: "v2: another value is updated",
      props: v2,
      fact: { exitCode: 0, stdout: '{"Network":"10.100.0.0/16","Backend":{"Type":"vxlan"}}\n' },
      action: "update",
      ops: [set2],
    },
    {
      why: "v3: an empty read is a missing key",
      props: { ...v2, api: "v3" },
      fact: { exitCode: 0, stdout: "" },
      action: "create",
      ops: [put3],
    },
    {
      why: "v3: the same value is left alone",
      props: { ...v2, api: "v3" },
      fact: { exitCode: 0, stdout: `${value}\n` },
      action: "noop",
      ops: [],
    },
    {
      why: "text values compare exactly after trimming",
      props: { ...v2, value: "a b", format: "text" },
      fact: { exitCode: 0, stdout: "a  b\n" },
      action: "update",
      ops: [{ op: "exec", argv: [...base(2), ...tls2, "set", key, "a b"] }],
    },
  ];
  for (const c of cases)
    it(c.why, () => {
      const r = evaluate(etcdKeyKind, key, c.props, [c.fact]);
      expect(r.diff.action).toBe(c.action);
      expect(r.ops).toEqual(c.ops);
    });

  it("reads with get (v2) and get --print-value-only (v3)", () => {
    expect(evaluate(etcdKeyKind, key, v2, [{ exitCode: 0, stdout: value }]).probes).toEqual([
      { type: "check", argv: [...base(2), ...tls2, "get", key] },
    ]);
    expect(evaluate(etcdKeyKind, key, { ...v2, api: "v3" }, [{ exitCode: 0, stdout: value }]).probes).toEqual(
      [{ type: "check", argv: [...base(3), ...tls3, "get", "--print-value-only", key] }],
    );
  });

  it("shows a JSON change with the json format, and notes how a failed read was taken", () => {
    const r = evaluate(etcdKeyKind, key, v2, [{ exitCode: 4, stdout: "" }]);
    expect(r.diff.fields).toEqual([{ field: "value", before: null, after: value, format: "json" }]);
    expect(r.diff.notes).toEqual(["etcdctl get exited 4: taken as a missing key"]);
  });

  it("requires etcdctl and the certificates it reads", () => {
    const p = evaluate(etcdKeyKind, key, v2, [{ exitCode: 0, stdout: value }]).props;
    expect(etcdKeyKind.requires(p, key)).toEqual([
      "path:/usr/local/bin/etcdctl",
      "path:/var/lib/kubernetes/ca-etcd.pem",
      "path:/var/lib/kubernetes/cert-etcd.pem",
      "path:/var/lib/kubernetes/cert-etcd-key.pem",
    ]);
  });
});

describe("command", () => {
  const argv = ["update-ca-certificates"];
  const run = [{ op: "exec", argv }];
  const cases: { why: string; props: object; facts: ProbeResult[]; action: string; ops: unknown[] }[] = [
    {
      why: "unless exits 0: already done",
      props: { argv, unless: ["test", "-f", "/x"] },
      facts: [{ exitCode: 0, stdout: "" }],
      action: "noop",
      ops: [],
    },
    {
      why: "unless exits non-zero: runs",
      props: { argv, unless: ["test", "-f", "/x"] },
      facts: [{ exitCode: 1, stdout: "" }],
      action: "create",
      ops: run,
    },
    {
      why: "onlyIf exits non-zero: not needed",
      props: { argv, onlyIf: ["true"] },
      facts: [{ exitCode: 1, stdout: "" }],
      action: "noop",
      ops: [],
    },
    {
      why: "onlyIf exits 0: runs",
      props: { argv, onlyIf: ["true"] },
      facts: [{ exitCode: 0, stdout: "" }],
      action: "create",
      ops: run,
    },
    {
      why: "creates exists: already done",
      props: { argv, creates: "/etc/ssl/certs/x.pem" },
      facts: [regularFact("x")],
      action: "noop",
      ops: [],
    },
    {
      why: "creates absent: runs",
      props: { argv, creates: "/etc/ssl/certs/x.pem" },
      facts: [absentFact],
      action: "create",
      ops: run,
    },
    {
      why: "every guard must agree for it to run",
      props: { argv, unless: ["false"], onlyIf: ["true"], creates: "/x" },
      facts: [{ exitCode: 1, stdout: "" }, { exitCode: 0, stdout: "" }, regularFact("x")],
      action: "noop",
      ops: [],
    },
  ];
  for (const c of cases)
    it(c.why, () => {
      const r = evaluate(commandKind, "update-ca", c.props, c.facts);
      expect(r.diff.action).toBe(c.action);
      expect(r.ops).toEqual(c.ops);
    });

  it("probes its guards in order: unless, onlyIf, creates", () => {
    const r = evaluate(commandKind, "c", { argv, unless: ["a"], onlyIf: ["b"], creates: "/c" }, [
      { exitCode: 1, stdout: "" },
      { exitCode: 0, stdout: "" },
      absentFact,
    ]);
    expect(r.probes).toEqual([
      { type: "check", argv: ["a"] },
      { type: "check", argv: ["b"] },
      { type: "file", path: "/c" },
    ]);
  });

  it("without guards it runs on every apply, and the plan says so", () => {
    const r = evaluate(commandKind, "c", { argv }, []);
    expect(r.diff).toEqual({
      action: "create",
      fields: [{ field: "argv", before: null, after: argv }],
      notes: [NO_GUARD],
    });
    expect(r.ops).toEqual(run);
  });

  it("says which guard held it back", () => {
    const r = evaluate(commandKind, "c", { argv, creates: "/c" }, [regularFact("")]);
    expect(r.diff.notes).toEqual(["creates: /c exists"]);
  });
});

describe("etcdKey props", () => {
  it("rejects a json value that is not JSON", () => {
    const r = etcdKeyKind.props.decode({
      value: "{nope",
      format: "json",
      etcdctl: "/bin/etcdctl",
      endpoints: "https://127.0.0.1:2379",
      caFile: "a",
      certFile: "b",
      keyFile: "c",
      api: "v2",
    });
    expect(r._tag).toBe("Left");
  });
});
