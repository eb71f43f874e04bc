/**
 * Fixture table for archive: (props, manifest and archive-file answers) →
 * Diff action/fields/unknown and the exact ops, keyed on what is installed.
 */
import { describe, expect, it } from "vitest";
import type { ManifestFact, ProbeResult } from "../probe.js";
import { archiveKind, cachePath, manifestPath } from "./archive.js";
import { downloadRecordPath, sha256Hex } from "./common.js";
import { NO_CHECKSUM } from "./download.js";
import { absentFact, evaluate, regularFact } from "./evaluate.js";

const name = "/usr/local/bin";
const url = "http://127.0.0.1:8080/docker-18.09.6.tgz";
const hex = "c".repeat(64);
const checksum = { algo: "sha256", hex };
const members = ["docker", "dockerd"];
const manifest = manifestPath(name);
const m = (source: string, ms: [string, boolean][]): ManifestFact => ({
  exists: true,
  source,
  members: ms.map(([path, ok]) => ({ path, sha256: "d".repeat(64), ok })),
});
const none: ManifestFact = { exists: false };
const attrs = { mode: 0o755, owner: "root", group: "root" };
const extractFrom = (archive: string, source: string, ms: string[] | null = members) => ({
  op: "extract",
  archive,
  dest: name,
  members: ms,
  strip: 1,
  manifest,
  source,
  ...attrs,
});
const fromUrl = (c: unknown, source: string, ms: string[] | null = members) => [
  {
    op: "download",
    url,
    checksum: c,
    path: cachePath(name),
    record: downloadRecordPath(cachePath(name)),
    mode: 0o600,
    owner: "root",
    group: "root",
  },
  extractFrom(cachePath(name), source, ms),
  { op: "remove", path: cachePath(name) },
  { op: "remove", path: downloadRecordPath(cachePath(name)) },
];

describe("archive", () => {
  const base = { dest: name, url, checksum, members, strip: 1 };
  const cases: {
    why: string;
    props: object;
    facts: ProbeResult[];
    action: string;
    fields: string[];
    unknown?: string[];
    ops: unknown[];
  }[] = [
    {
      why: "nothing extracted yet: download to the cache, extract, remove the cache",
      props: base,
      facts: [none],
      action: "create",
      fields: ["source", "members"],
      ops: fromUrl(checksum, hex),
    },
    {
      why: "extracted from this checksum with every member intact: nothing to do",
      props: base,
      facts: [
        m(hex, [
          ["/usr/local/bin/docker", true],
          ["/usr/local/bin/dockerd", true],
        ]),
      ],
      action: "noop",
      fields: [],
      ops: [],
    },
    {
      why: "an altered member is extracted again",
      props: base,
      facts: [
        m(hex, [
          ["/usr/local/bin/docker", true],
          ["/usr/local/bin/dockerd", false],
        ]),
      ],
      action: "update",
      fields: ["members"],
      ops: fromUrl(checksum, hex),
    },
    {
      why: "a declared member that was never extracted is a change",
      props: base,
      facts: [m(hex, [["/usr/local/bin/docker", true]])],
      action: "update",
      fields: ["members"],
      ops: fromUrl(checksum, hex),
    },
    {
      why: "a new checksum (new version) is extracted again",
      props: base,
      facts: [
        m("e".repeat(64), [
          ["/usr/local/bin/docker", true],
          ["/usr/local/bin/dockerd", true],
        ]),
      ],
      action: "update",
      fields: ["source"],
      ops: fromUrl(checksum, hex),
    },
    {
      why: "without a checksum the url is the source",
      props: { dest: name, url, members, strip: 1 },
      facts: [
        m(url, [
          ["/usr/local/bin/docker", true],
          ["/usr/local/bin/dockerd", true],
        ]),
      ],
      action: "noop",
      fields: [],
      ops: [],
    },
    {
      why: "undeclared members: all of them, known only after download",
      props: { dest: name, url, checksum, strip: 1 },
      facts: [none],
      action: "create",
      fields: ["source", "members"],
      unknown: ["members: known after download"],
      ops: fromUrl(checksum, hex, null),
    },
    {
      why: "undeclared members: every recorded member intact is nothing to do",
      props: { dest: name, url, checksum, strip: 1 },
      facts: [m(hex, [["/usr/local/bin/ctr", true]])],
      action: "noop",
      fields: [],
      ops: [],
    },
    {
      why: "from a host file: extract from it, its hash is the source",
      props: { dest: name, archive: "/opt/tmp/docker.tgz", members, strip: 1 },
      facts: [none, regularFact("tgz-bytes")],
      action: "create",
      fields: ["source", "members"],
      ops: [extractFrom("/opt/tmp/docker.tgz", sha256Hex("tgz-bytes"))],
    },
    {
      why: "from a host file that is gone after a good extraction: nothing to do",
      props: { dest: name, archive: "/opt/tmp/docker.tgz", members, strip: 1 },
      facts: [
        m("f".repeat(64), [
          ["/usr/local/bin/docker", true],
          ["/usr/local/bin/dockerd", true],
        ]),
        absentFact,
      ],
      action: "noop",
      fields: [],
      ops: [],
    },
  ];
  for (const c of cases)
    it(c.why, () => {
      const r = evaluate(archiveKind, name, c.props, c.facts);
      expect(r.diff.action).toBe(c.action);
      expect(r.diff.fields.map((f) => f.field)).toEqual(c.fields);
      expect(r.diff.unknown ?? []).toEqual(c.unknown ?? []);
      expect(r.ops).toEqual(c.ops);
    });

  it("lists missing or altered members by path", () => {
    const r = evaluate(archiveKind, name, { ...base, members: ["docker", "dockerd", "runc"] }, [
      m(hex, [
        ["/usr/local/bin/docker", true],
        ["/usr/local/bin/dockerd", false],
        ["/usr/local/bin/ctr", true],
      ]),
    ]);
    expect(r.diff.fields).toEqual([
      {
        field: "members",
        before: {
          "/usr/local/bin/dockerd": "missing or altered",
          "/usr/local/bin/runc": "not extracted",
          "/usr/local/bin/ctr": "extracted",
        },
        after: {
          "/usr/local/bin/dockerd": "extracted",
          "/usr/local/bin/runc": "extracted",
          "/usr/local/bin/ctr": "not declared",
        },
      },
    ]);
  });

  it("names its manifest after archive[<name>]; a host archive with a checksum is only stat'ed, one without is hashed", () => {
    expect(manifestPath(name)).toBe(`/var/lib/tend/manifests/${sha256Hex(`archive[${name}]`).slice(0, 16)}`);
    const r = evaluate(
      archiveKind,
      name,
      { dest: name, archive: "/opt/tmp/cni.tgz", checksum: { algo: "sha512", hex: "a".repeat(128) } },
      [none, absentFact],
    );
    expect(r.probes).toEqual([
      { type: "manifest", path: manifest },
      { type: "file", path: "/opt/tmp/cni.tgz" },
    ]);
    expect(
      evaluate(archiveKind, name, { dest: name, archive: "/opt/tmp/x.tgz" }, [none, absentFact]).probes,
    ).toEqual([
      { type: "manifest", path: manifest },
      { type: "file", path: "/opt/tmp/x.tgz", hash: "sha256" },
    ]);
  });

  it("marks the source unknown when a host archive without checksum does not exist yet", () => {
    const r = evaluate(archiveKind, name, { dest: name, archive: "/opt/tmp/x.tgz" }, [none, absentFact]);
    expect(r.diff.unknown).toEqual([
      "source: known after /opt/tmp/x.tgz exists",
      "members: known after extraction",
    ]);
  });

  it("says an unverified url is not verified", () => {
    expect(evaluate(archiveKind, name, { dest: name, url }, [none]).diff.notes).toEqual([NO_CHECKSUM]);
  });

  it("requires its dest and host archive, and provides its declared members", () => {
    const p = evaluate(archiveKind, name, { dest: name, archive: "/opt/tmp/x.tgz", members }, [
      none,
      absentFact,
    ]).props;
    expect(archiveKind.requires(p, name)).toEqual(["path:/usr/local/bin", "path:/opt/tmp/x.tgz"]);
    expect(archiveKind.provides(p, name)).toEqual([
      "path:/usr/local/bin/docker",
      "path:/usr/local/bin/dockerd",
    ]);
  });

  it("rejects props with both or neither of url and archive, and members that escape dest", () => {
    expect(archiveKind.props.decode({ dest: name })._tag).toBe("Left");
    expect(archiveKind.props.decode({ dest: name, url, archive: "/a.tgz" })._tag).toBe("Left");
    expect(archiveKind.props.decode({ dest: name, url, members: ["../etc/passwd"] })._tag).toBe("Left");
  });
});
