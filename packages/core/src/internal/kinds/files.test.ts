/**
 * Fixture tables for the path kinds (directory, file, download, unit):
 * (props, probe answers) → the Diff's action and fields, and the exact ops.
 */
import { describe, expect, it } from "vitest";
import type { ProbeResult } from "../probe.js";
import { downloadRecordPath, sha256Hex, utf8Bytes } from "./common.js";
import { directoryKind } from "./directory.js";
import { downloadKind, NO_CHECKSUM } from "./download.js";
import { absentFact, dirFact, evaluate, regularFact } from "./evaluate.js";
import { fileKind } from "./file.js";
import { unitKind } from "./unit.js";

const sha = (s: string) => sha256Hex(utf8Bytes(s));
const link: ProbeResult = { type: "link", target: "/elsewhere" };
const socket: ProbeResult = { type: "other" };

describe("directory", () => {
  const name = "/var/lib/kubelet";
  const cases: {
    why: string;
    props: object;
    fact: ProbeResult;
    action: string;
    fields: string[];
    ops: unknown[];
  }[] = [
    {
      why: "an absent directory is made with its attrs",
      props: { mode: 0o700 },
      fact: absentFact,
      action: "create",
      fields: ["mode", "owner", "group"],
      ops: [{ op: "mkdir", path: name, mode: 0o700, owner: "root", group: "root" }],
    },
    {
      why: "a matching directory is left alone",
      props: { mode: 0o700 },
      fact: dirFact(0o700),
      action: "noop",
      fields: [],
      ops: [],
    },
    {
      why: "only the attrs that differ are set",
      props: { mode: 0o700, group: "docker" },
      fact: dirFact(0o755),
      action: "update",
      fields: ["mode", "group"],
      ops: [{ op: "setAttrs", path: name, mode: 0o700, group: "docker" }],
    },
    {
      why: "a regular file in the way is removed, then the directory made",
      props: {},
      fact: regularFact("x"),
      action: "update",
      fields: ["type", "mode", "owner", "group"],
      ops: [
        { op: "remove", path: name },
        { op: "mkdir", path: name, mode: 0o755, owner: "root", group: "root" },
      ],
    },
    {
      why: "a symlink in the way is removed, then the directory made",
      props: {},
      fact: link,
      action: "update",
      fields: ["type", "mode", "owner", "group"],
      ops: [
        { op: "remove", path: name },
        { op: "mkdir", path: name, mode: 0o755, owner: "root", group: "root" },
      ],
    },
    {
      why: "anything else in the way is refused: a change with no ops",
      props: {},
      fact: socket,
      action: "update",
      fields: ["type", "mode", "owner", "group"],
      ops: [],
    },
  ];
  for (const c of cases)
    it(c.why, () => {
      const r = evaluate(directoryKind, name, c.props, [c.fact]);
      expect(r.probes).toEqual([{ type: "file", path: name }]);
      expect(r.diff.action).toBe(c.action);
      expect(r.diff.fields.map((f) => f.field)).toEqual(c.fields);
      expect(r.ops).toEqual(c.ops);
    });

  it("shows modes as octal strings", () => {
    const r = evaluate(directoryKind, name, { mode: 0o700 }, [dirFact(0o755)]);
    expect(r.diff.fields).toEqual([{ field: "mode", before: "0755", after: "0700" }]);
  });

  it("says why it refuses a socket", () => {
    const r = evaluate(directoryKind, name, {}, [socket]);
    expect(r.diff.refusal?.reason).toMatch(/^\/var\/lib\/kubelet exists and is not a directory/);
  });

  it("provides its path and requires its ancestors and non-root owners", () => {
    const p = evaluate(directoryKind, name, { owner: "kube", group: "docker" }, [absentFact]).props;
    expect(directoryKind.provides(p, "/opt/cni/bin")).toEqual(["path:/opt/cni/bin"]);
    expect(directoryKind.requires(p, "/opt/cni/bin")).toEqual([
      "path:/opt/cni",
      "path:/opt",
      "user:kube",
      "group:docker",
    ]);
    expect(directoryKind.requires(evaluate(directoryKind, "/opt", {}, [absentFact]).props, "/opt")).toEqual(
      [],
    );
  });

  it("refuses a name that is not an absolute path", () => {
    const r = evaluate(directoryKind, "var/lib", {}, [absentFact]);
    expect(r.diff.refusal?.reason).toMatch(/expected an absolute normalised path/);
    expect(r.ops).toEqual([]);
  });
});

describe("file", () => {
  const name = "/etc/cni/net.d/10-flannel.conflist";
  const json = '{"name":"cbr0"}\n';
  const cases: {
    why: string;
    props: object;
    fact: ProbeResult;
    action: string;
    fields: string[];
    ops: unknown[];
  }[] = [
    {
      why: "an absent file is written with its attrs",
      props: { content: json, mode: 0o600 },
      fact: absentFact,
      action: "create",
      fields: ["content", "mode", "owner", "group"],
      ops: [{ op: "writeFile", path: name, blob: sha(json), mode: 0o600, owner: "root", group: "root" }],
    },
    {
      why: "a file with the same content and attrs is left alone",
      props: { content: json, mode: 0o600 },
      fact: regularFact(json, { mode: 0o600 }),
      action: "noop",
      fields: [],
      ops: [],
    },
    {
      why: "other content is rewritten (attrs go with the write)",
      props: { content: json },
      fact: regularFact("{}", { mode: 0o600 }),
      action: "update",
      fields: ["content", "mode"],
      ops: [{ op: "writeFile", path: name, blob: sha(json), mode: 0o644, owner: "root", group: "root" }],
    },
    {
      why: "only attrs differ: setAttrs, no write",
      props: { content: json, owner: "kube" },
      fact: regularFact(json),
      action: "update",
      fields: ["owner"],
      ops: [{ op: "setAttrs", path: name, owner: "kube" }],
    },
    {
      why: "a symlink at the path is replaced by the file",
      props: { content: json },
      fact: link,
      action: "update",
      fields: ["type", "content", "mode", "owner", "group"],
      ops: [{ op: "writeFile", path: name, blob: sha(json), mode: 0o644, owner: "root", group: "root" }],
    },
    {
      why: "a directory at the path is refused",
      props: { content: json },
      fact: dirFact(),
      action: "update",
      fields: ["type"],
      ops: [],
    },
  ];
  for (const c of cases)
    it(c.why, () => {
      const r = evaluate(fileKind, name, c.props, [c.fact]);
      expect(r.diff.action).toBe(c.action);
      expect(r.diff.fields.map((f) => f.field)).toEqual(c.fields);
      expect(r.ops).toEqual(c.ops);
    });

  it("shows a text change as before/after text with a format guessed from the name", () => {
    const r = evaluate(fileKind, name, { content: json }, [regularFact("{}")]);
    expect(r.diff.fields[0]).toEqual({ field: "content", before: "{}", after: json, format: "json" });
    const y = evaluate(fileKind, "/var/lib/kubelet/kubelet-config.yaml", { content: "a: 1\n" }, [absentFact]);
    expect(y.diff.fields[0]).toEqual({ field: "content", before: null, after: "a: 1\n", format: "yaml" });
    const t = evaluate(fileKind, "/etc/x.conf", { content: "a\n", format: "json" }, [absentFact]);
    expect(t.diff.fields[0]?.format).toBe("json");
  });

  it("shows binary content by digest", () => {
    const bytes = new Uint8Array([0, 159, 146, 150]);
    const b64 = Buffer.from(bytes).toString("base64");
    const r = evaluate(fileKind, "/usr/local/bin/x", { contentBase64: b64 }, [regularFact("text")]);
    expect(r.diff.fields[0]).toEqual({
      field: "content",
      before: sha("text"),
      after: sha256Hex(bytes),
      format: "binary",
    });
  });

  it("never reads nor shows a sensitive file's content", () => {
    const secret = "-----BEGIN PRIVATE KEY-----\n";
    const r = evaluate(
      fileKind,
      "/var/lib/kubelet/kubeconfig",
      { content: secret, mode: 0o600, sensitive: true },
      [regularFact("old secret", { mode: 0o600, read: false })],
    );
    expect(r.probes).toEqual([
      { type: "file", path: "/var/lib/kubelet/kubeconfig", hash: "sha256", content: false },
    ]);
    expect(r.diff.fields).toEqual([
      { field: "content", before: sha("old secret"), after: sha(secret), sensitive: true },
    ]);
    expect(JSON.stringify(r.diff)).not.toContain("PRIVATE");
    expect(fileKind.sensitive?.(r.props)).toBe(true);
  });

  it("compares against the engine's blob for source content, and stores the blob in the plan", () => {
    const bytes = utf8Bytes("cert\n");
    const blob = { sha256: sha256Hex(bytes), bytes, source: "/ca/cert.pem" };
    const r = evaluate(
      fileKind,
      "/var/lib/kubernetes/cert.pem",
      { source: "/ca/cert.pem" },
      [regularFact("cert\n")],
      { blob },
    );
    expect(fileKind.content?.(r.props)).toEqual({ source: "/ca/cert.pem" });
    expect(r.diff.action).toBe("noop");
    const stored = fileKind.withBlob!(evaluate(fileKind, "/x", { content: "a" }, [absentFact]).props, "abc");
    expect(stored).toEqual({ mode: 0o644, owner: "root", group: "root", sensitive: false, blob: "abc" });
    expect(fileKind.content?.(stored)).toEqual({ blob: "abc" });
  });

  it("refuses when source content was not resolved", () => {
    const r = evaluate(fileKind, "/etc/x", { source: "/ca/x" }, [absentFact]);
    expect(r.diff.refusal?.reason).toMatch(/^the content of \/etc\/x was not resolved/);
    expect(r.ops).toEqual([]);
  });

  it("turns each content prop into its ContentSpec", () => {
    const props = (raw: object) => evaluate(fileKind, "/x", raw, [absentFact]).props;
    expect(fileKind.content?.(props({ content: "hé" }))).toEqual({ inline: utf8Bytes("hé") });
    expect(fileKind.content?.(props({ contentBase64: "AAE=" }))).toEqual({ inline: new Uint8Array([0, 1]) });
  });
});

describe("download", () => {
  const name = "/usr/local/sbin/flanneld";
  const url = "http://127.0.0.1:8080/flanneld-amd64";
  const bin = "binary-v1";
  const checksum = { algo: "sha256", hex: sha(bin) };
  const record = downloadRecordPath(name);
  const op = (c: unknown) => ({
    op: "download",
    url,
    checksum: c,
    path: name,
    record,
    mode: 0o750,
    owner: "root",
    group: "root",
  });
  const cases: {
    why: string;
    props: object;
    facts: ProbeResult[];
    action: string;
    fields: string[];
    ops: unknown[];
  }[] = [
    {
      why: "an absent file is downloaded",
      props: { url, checksum, mode: 0o750 },
      facts: [absentFact, absentFact],
      action: "create",
      fields: ["url", "checksum", "mode", "owner", "group"],
      ops: [op(checksum)],
    },
    {
      why: "a file with the checksum and the recorded url is left alone",
      props: { url, checksum, mode: 0o750 },
      facts: [regularFact(bin, { mode: 0o750 }), regularFact(`${url}\n`)],
      action: "noop",
      fields: [],
      ops: [],
    },
    {
      why: "a file whose hash differs is downloaded again",
      props: { url, checksum, mode: 0o750 },
      facts: [regularFact("tampered", { mode: 0o750 }), regularFact(`${url}\n`)],
      action: "update",
      fields: ["checksum"],
      ops: [op(checksum)],
    },
    {
      why: "a new url is a change even without a checksum",
      props: { url, mode: 0o750 },
      facts: [regularFact(bin, { mode: 0o750 }), regularFact("http://127.0.0.1:8080/old\n")],
      action: "update",
      fields: ["url"],
      ops: [op(null)],
    },
    {
      why: "without a checksum an existing file from the same url is left alone",
      props: { url, mode: 0o750 },
      facts: [regularFact("anything", { mode: 0o750 }), regularFact(`${url}\n`)],
      action: "noop",
      fields: [],
      ops: [],
    },
    {
      why: "only attrs differ: setAttrs, no download",
      props: { url, checksum, mode: 0o750 },
      facts: [regularFact(bin, { mode: 0o644 }), regularFact(`${url}\n`)],
      action: "update",
      fields: ["mode"],
      ops: [{ op: "setAttrs", path: name, mode: 0o750 }],
    },
  ];
  for (const c of cases)
    it(c.why, () => {
      const r = evaluate(downloadKind, name, c.props, c.facts);
      expect(r.diff.action).toBe(c.action);
      expect(r.diff.fields.map((f) => f.field)).toEqual(c.fields);
      expect(r.ops).toEqual(c.ops);
    });

  it("probes the file with the checksum's algorithm and reads the url record", () => {
    const r = evaluate(downloadKind, name, { url, checksum: { algo: "sha512", hex: "A".repeat(128) } }, [
      absentFact,
      absentFact,
    ]);
    expect(r.probes).toEqual([
      { type: "file", path: name, hash: "sha512" },
      { type: "file", path: `/var/lib/tend/downloads/${sha256Hex(name).slice(0, 16)}`, content: true },
    ]);
    expect((r.props as { checksum: { hex: string } }).checksum.hex).toBe("a".repeat(128));
  });

  it("says so in the plan when there is no checksum", () => {
    expect(evaluate(downloadKind, name, { url }, [absentFact, absentFact]).diff.notes).toEqual([NO_CHECKSUM]);
    expect(
      evaluate(downloadKind, name, { url, checksum }, [absentFact, absentFact]).diff.notes,
    ).toBeUndefined();
  });
});

describe("unit", () => {
  const text = "[Service]\nExecStart=/usr/local/bin/dockerd\n";
  const path = "/etc/systemd/system/docker.service";

  it("writes an absent unit file under /etc/systemd/system and reloads systemd", () => {
    const r = evaluate(unitKind, "docker.service", { content: text }, [absentFact]);
    expect(r.probes).toEqual([{ type: "file", path, hash: "sha256", content: true }]);
    expect(r.diff.action).toBe("create");
    expect(r.diff.fields[0]).toEqual({ field: "content", before: null, after: text, format: "text" });
    expect(r.ops).toEqual([
      { op: "writeFile", path, blob: sha(text), mode: 0o644, owner: "root", group: "root" },
    ]);
    expect(unitKind.reloadsSystemd).toBe(true);
  });

  it("leaves a matching unit file alone", () => {
    const r = evaluate(unitKind, "docker.service", { content: text }, [regularFact(text)]);
    expect(r.diff.action).toBe("noop");
    expect(r.ops).toEqual([]);
  });

  it("provides its unit and path, at a declared path too", () => {
    const p = evaluate(unitKind, "x.service", { content: text, path: "/lib/systemd/system/x.service" }, [
      absentFact,
    ]).props;
    expect(unitKind.provides(p, "x.service")).toEqual([
      "unit:x.service",
      "path:/lib/systemd/system/x.service",
    ]);
    expect(unitKind.withBlob?.(p, "abc")).toEqual({
      mode: 0o644,
      path: "/lib/systemd/system/x.service",
      blob: "abc",
    });
  });
});
