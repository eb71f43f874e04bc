import { describe, expect, it } from "vitest";
import { sha256 } from "./blobs.js";
import { ask, content, file, type OpRow, runOpRow } from "./table.fixture.js";
import { tarArchive } from "./tar.js";

const b64 = (b: string | Uint8Array) => Buffer.from(b).toString("base64");

const archive = tarArchive(
  [
    { path: "pkg-1.0/", type: "dir" },
    { path: "pkg-1.0/bin/tool", content: "TOOL", mode: 0o700 },
    { path: "pkg-1.0/README", content: "read me" },
    { path: "pkg-1.0/lib", type: "link", target: "bin" },
  ],
  { gzip: true },
);

const rows: OpRow[] = [
  {
    promise: "download with a matching checksum lands with attrs and records the url",
    overrides: { available: { urls: { "http://127.0.0.1/k": b64("BIN") } } },
    ops: [
      {
        op: "download",
        url: "http://127.0.0.1/k",
        checksum: { algo: "sha256", hex: sha256("BIN").toUpperCase() },
        path: "/usr/local/bin/k",
        record: "/var/lib/tend/downloads/abc",
        mode: 0o755,
        owner: "root",
        group: "root",
      },
    ],
    after: (s) => {
      expect(ask(s, { type: "file", path: "/usr/local/bin/k", hash: "sha256" })).toMatchObject({
        mode: 0o755,
        hash: sha256("BIN"),
      });
      expect(content(s, "/var/lib/tend/downloads/abc")).toBe("http://127.0.0.1/k\n");
      expect(ask(s, { type: "file", path: "/var/lib/tend/downloads/abc" })).toMatchObject({
        mode: 0o644,
        owner: "root",
      });
    },
  },
  {
    promise: "download with a wrong checksum fails naming both digests and lands nothing",
    overrides: { available: { urls: { "http://127.0.0.1/k": b64("BIN") } } },
    ops: [
      {
        op: "download",
        url: "http://127.0.0.1/k",
        checksum: { algo: "sha256", hex: sha256("OTHER") },
        path: "/usr/local/bin/k",
        record: "/var/lib/tend/downloads/abc",
        mode: 0o755,
        owner: "root",
        group: "root",
      },
    ],
    fails: {
      index: 0,
      stderr: `checksum mismatch for http://127.0.0.1/k: expected ${sha256("OTHER")}, got ${sha256("BIN")}`,
    },
    after: (s) => {
      expect(ask(s, { type: "file", path: "/usr/local/bin/k" })).toEqual({ type: "absent" });
      expect(ask(s, { type: "file", path: "/var/lib/tend/downloads/abc" })).toEqual({ type: "absent" });
    },
  },
  {
    promise: "download of a url the network does not have fails with 404",
    ops: [
      {
        op: "download",
        url: "http://127.0.0.1/missing",
        checksum: null,
        path: "/srv/m",
        record: "/srv/m.url",
        mode: 0o644,
        owner: "root",
        group: "root",
      },
    ],
    fails: { index: 0, stderr: "404" },
    after: (s) => {
      // The parent is made before the fetch, as in the real op.
      expect(ask(s, { type: "file", path: "/srv" })).toMatchObject({ type: "dir" });
      expect(ask(s, { type: "file", path: "/srv/m" })).toEqual({ type: "absent" });
    },
  },
  {
    promise: "extract unpacks all regular files after strip with the op's attrs, then a sorted manifest",
    overrides: { files: { "/var/cache/pkg.tgz": file(archive) } },
    ops: [
      {
        op: "extract",
        archive: "/var/cache/pkg.tgz",
        dest: "/opt/pkg",
        members: null,
        strip: 1,
        manifest: "/var/lib/tend/manifests/pkg",
        source: "deadbeef",
        mode: 0o755,
        owner: "root",
        group: "root",
      },
    ],
    after: (s) => {
      expect(content(s, "/opt/pkg/bin/tool")).toBe("TOOL");
      expect(ask(s, { type: "file", path: "/opt/pkg/bin/tool" })).toMatchObject({ mode: 0o755 });
      expect(ask(s, { type: "file", path: "/opt/pkg/lib" })).toEqual({ type: "absent" });
      expect(content(s, "/var/lib/tend/manifests/pkg")).toBe(
        `# source deadbeef\n${sha256("read me")}  /opt/pkg/README\n${sha256("TOOL")}  /opt/pkg/bin/tool\n`,
      );
      expect(ask(s, { type: "manifest", path: "/var/lib/tend/manifests/pkg" })).toMatchObject({
        exists: true,
        source: "deadbeef",
        members: [{ ok: true }, { ok: true }],
      });
    },
  },
  {
    promise: "extract counts a leading ./ as a component when stripping, and leaves its scratch dir",
    overrides: {
      files: { "/var/cache/dot.tar": file(tarArchive([{ path: "./pkg/bin/tool", content: "T" }])) },
    },
    ops: [
      {
        op: "extract",
        archive: "/var/cache/dot.tar",
        dest: "/opt",
        members: null,
        strip: 1,
        manifest: "/var/lib/tend/manifests/dot",
        source: "s",
        mode: 0o755,
        owner: "root",
        group: "root",
      },
    ],
    after: (s) => {
      expect(content(s, "/opt/pkg/bin/tool")).toBe("T");
      expect(content(s, "/var/lib/tend/manifests/dot")).toBe(
        `# source s\n${sha256("T")}  /opt/pkg/bin/tool\n`,
      );
      expect(ask(s, { type: "file", path: "/var/lib/tend/tmp" })).toMatchObject({ type: "dir", mode: 0o755 });
    },
  },
  {
    promise: "extract refuses a listed member that is not a plain relative path, before doing anything",
    overrides: { files: { "/var/cache/pkg.tgz": file(archive) } },
    ops: [
      {
        op: "extract",
        archive: "/var/cache/pkg.tgz",
        dest: "/opt/pkg",
        members: ["../etc/passwd"],
        strip: 1,
        manifest: "/m",
        source: "s",
        mode: 0o755,
        owner: "root",
        group: "root",
      },
    ],
    fails: { index: 0, stderr: "members[0]: expected a relative path", exitCode: -1 },
    after: (s) => expect(ask(s, { type: "file", path: "/var/lib/tend" })).toEqual({ type: "absent" }),
  },
  {
    promise: "extract of listed members writes exactly those",
    overrides: { files: { "/var/cache/pkg.tgz": file(archive) } },
    ops: [
      {
        op: "extract",
        archive: "/var/cache/pkg.tgz",
        dest: "/usr/local/bin",
        members: ["bin/tool"],
        strip: 1,
        manifest: "/var/lib/tend/manifests/tool",
        source: "s",
        mode: 0o755,
        owner: "root",
        group: "root",
      },
    ],
    after: (s) => {
      expect(content(s, "/usr/local/bin/bin/tool")).toBe("TOOL");
      expect(ask(s, { type: "file", path: "/usr/local/bin/README" })).toEqual({ type: "absent" });
    },
  },
  {
    promise:
      "extract installs members in C order and fails at a missing one, leaving earlier ones and no manifest",
    overrides: { files: { "/var/cache/pkg.tgz": file(archive) } },
    ops: [
      {
        op: "extract",
        archive: "/var/cache/pkg.tgz",
        dest: "/opt/pkg",
        members: ["bin/nope", "README"],
        strip: 1,
        manifest: "/var/lib/tend/manifests/pkg",
        source: "s",
        mode: 0o755,
        owner: "root",
        group: "root",
      },
    ],
    fails: { index: 0, stderr: "archive /var/cache/pkg.tgz has no member bin/nope" },
    after: (s) => {
      expect(content(s, "/opt/pkg/README")).toBe("read me");
      expect(ask(s, { type: "file", path: "/var/lib/tend/manifests/pkg" })).toEqual({ type: "absent" });
    },
  },
  {
    promise: "extract of a file that is not an archive fails",
    overrides: { files: { "/var/cache/pkg.tgz": file("not a tarball".repeat(50)) } },
    ops: [
      {
        op: "extract",
        archive: "/var/cache/pkg.tgz",
        dest: "/opt/pkg",
        members: null,
        strip: 0,
        manifest: "/m",
        source: "s",
        mode: 0o755,
        owner: "root",
        group: "root",
      },
    ],
    fails: { index: 0, stderr: "does not look like a tar archive" },
  },
];

describe("SimHost download and extract ops", () => {
  it.each(rows)("$promise", runOpRow({ host: "node1" }));
});
