/**
 * The extract op and the manifest probe together, on a .tgz generated here:
 * strip, chosen members, atomic install, the manifest, and how a later
 * change to a member shows in the probe.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Op } from "../op.js";
import { ShTransport, tempDir } from "./sh-transport.test.js";
import { ShellTarget } from "./target.js";

const sha256 = (b: string) => createHash("sha256").update(b).digest("hex");

let root: string;
let cleanup: () => void;
let d: string;
let n = 0;
beforeAll(() => {
  ({ dir: root, cleanup } = tempDir());
});
afterAll(() => cleanup());

/** pkg-1.0/{bin/tool, bin/helper, doc/README, share/x y/z} in a .tgz at `${d}/a.tgz`. */
const contents: Record<string, string> = {
  "bin/tool": "#!/bin/sh\necho tool\n",
  "bin/helper": "helper\n",
  "doc/README": "read me\n",
  "share/x y/z": "spaces\n",
};
beforeEach(() => {
  d = `${root}/t${n++}`;
  for (const [p, c] of Object.entries(contents)) {
    mkdirSync(`${d}/src/pkg-1.0/${p.slice(0, p.lastIndexOf("/"))}`, { recursive: true });
    writeFileSync(`${d}/src/pkg-1.0/${p}`, c);
  }
  execFileSync("ln", ["-s", "tool", `${d}/src/pkg-1.0/bin/link`]);
  execFileSync("tar", ["-czf", `${d}/a.tgz`, "-C", `${d}/src`, "pkg-1.0"]);
});

const extract = (members: string[] | null, strip = 1): Op => ({
  op: "extract",
  archive: `${d}/a.tgz`,
  dest: `${d}/opt`,
  members,
  strip,
  manifest: `${d}/state/manifests/pkg`,
  source: "abc123",
  mode: 0o750,
  owner: "root",
  group: "root",
});
const target = () => new ShellTarget(new ShTransport(), { stateDir: `${d}/state` });
const manifestProbe = () => target().probe([{ type: "manifest", path: `${d}/state/manifests/pkg` }]);

describe("extract", () => {
  it("installs the chosen members after strip with mode, writes a sorted manifest, removes its temp dir", async () => {
    const r = await target().run([extract(["doc/README", "bin/tool"])], new Map());
    expect(r).toEqual(E.right({ completed: 1 }));
    expect(readFileSync(`${d}/opt/bin/tool`, "utf8")).toBe(contents["bin/tool"]);
    expect(statSync(`${d}/opt/bin/tool`).mode & 0o7777).toBe(0o750);
    expect(statSync(`${d}/opt/bin`).mode & 0o7777).toBe(0o755);
    expect(existsSync(`${d}/opt/bin/helper`)).toBe(false);
    expect(readFileSync(`${d}/state/manifests/pkg`, "utf8")).toBe(
      `# source abc123\n${sha256(contents["bin/tool"] as string)}  ${d}/opt/bin/tool\n${sha256(contents["doc/README"] as string)}  ${d}/opt/doc/README\n`,
    );
    expect(readdirSync(`${d}/state/tmp`)).toEqual([]);
  });

  it("members null installs every regular file (not links), and the manifest probe then reports all ok", async () => {
    expect(await target().run([extract(null)], new Map())).toEqual(E.right({ completed: 1 }));
    expect(existsSync(`${d}/opt/bin/link`)).toBe(false);
    const r = await manifestProbe();
    const paths = Object.keys(contents)
      .sort()
      .map((p) => `${d}/opt/${p}`);
    expect(r).toEqual(
      E.right([
        {
          exists: true,
          source: "abc123",
          members: paths.map((path, i) => ({
            path,
            sha256: sha256(contents[Object.keys(contents).sort()[i] as string] as string),
            ok: true,
          })),
        },
      ]),
    );
  });

  it("a member altered or removed after extraction reads as not ok", async () => {
    await target().run([extract(null)], new Map());
    writeFileSync(`${d}/opt/bin/tool`, "tampered\n");
    execFileSync("rm", [`${d}/opt/share/x y/z`]);
    const r = await manifestProbe();
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    const fact = r.right[0] as { members: { path: string; ok: boolean }[] };
    expect(fact.members.filter((m) => !m.ok).map((m) => m.path)).toEqual([
      `${d}/opt/bin/tool`,
      `${d}/opt/share/x y/z`,
    ]);
  });

  it("a member missing from the archive fails naming it; nothing is installed and the temp dir is gone", async () => {
    const r = await target().run([extract(["bin/tool", "zz/nope"])], new Map());
    expect(r).toEqual(
      E.left(
        expect.objectContaining({
          _tag: "OpFailed",
          index: 0,
          stderr: `archive ${d}/a.tgz has no member zz/nope`,
        }),
      ),
    );
    expect(existsSync(`${d}/opt/bin/tool`)).toBe(false);
    expect(existsSync(`${d}/state/manifests/pkg`)).toBe(false);
    expect(readdirSync(`${d}/state/tmp`)).toEqual([]);
  });

  it("an empty source records the sha256 of the archive itself", async () => {
    const r = await target().run([{ ...extract(["bin/tool"]), source: "" } as Op], new Map());
    expect(E.isRight(r)).toBe(true);
    const archiveSha = createHash("sha256")
      .update(readFileSync(`${d}/a.tgz`))
      .digest("hex");
    expect(readFileSync(`${d}/state/manifests/pkg`, "utf8").split("\n")[0]).toBe(`# source ${archiveSha}`);
  });

  it("strip 0 keeps the top directory in member paths", async () => {
    expect(await target().run([extract(["pkg-1.0/doc/README"], 0)], new Map())).toEqual(
      E.right({ completed: 1 }),
    );
    expect(readFileSync(`${d}/opt/pkg-1.0/doc/README`, "utf8")).toBe(contents["doc/README"]);
  });

  it("a member path that leaves the archive is refused before the op runs", async () => {
    const r = await target().run([extract(["../../etc/passwd"])], new Map());
    expect(r).toEqual(
      E.left(
        expect.objectContaining({
          _tag: "OpFailed",
          index: 0,
          exitCode: -1,
          stderr: expect.stringContaining("members[0]: expected a relative path"),
        }),
      ),
    );
  });
});

describe("member names with a carriage return, U+2028 or U+2029 (line ends to JavaScript, not to sh)", () => {
  const odd: Record<string, string> = {
    "cr\rname": "carriage return\n",
    "ls\u2028name": "line separator\n",
    "ps\u2029name": "paragraph separator\n",
    "dir\r/inner": "under a dir whose name ends in CR\n",
  };
  const oddArchive = () => {
    for (const [p, c] of Object.entries(odd)) {
      mkdirSync(`${d}/odd/pkg/${p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : ""}`, { recursive: true });
      writeFileSync(`${d}/odd/pkg/${p}`, c);
    }
    execFileSync("tar", ["-czf", `${d}/a.tgz`, "-C", `${d}/odd`, "pkg"]);
  };
  const sorted = Object.keys(odd).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

  it.each([
    ["every member (members null)", null],
    ["declared members", Object.keys(odd)],
  ])(
    "%s: extracted, and the manifest probe decodes each member by its exact name, all ok",
    async (_, members) => {
      oddArchive();
      expect(await target().run([extract(members)], new Map())).toEqual(E.right({ completed: 1 }));
      for (const [p, c] of Object.entries(odd)) expect(readFileSync(`${d}/opt/${p}`, "utf8")).toBe(c);
      const r = await manifestProbe();
      expect(r).toEqual(
        E.right([
          {
            exists: true,
            source: "abc123",
            members: sorted.map((p) => ({
              path: `${d}/opt/${p}`,
              sha256: sha256(odd[p] as string),
              ok: true,
            })),
          },
        ]),
      );
    },
  );

  it("an altered member with a CR in its name reads as not ok, the others as ok", async () => {
    oddArchive();
    await target().run([extract(null)], new Map());
    writeFileSync(`${d}/opt/cr\rname`, "tampered\n");
    const r = await manifestProbe();
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    const fact = r.right[0] as { members: { path: string; ok: boolean }[] };
    expect(fact.members.filter((m) => !m.ok).map((m) => m.path)).toEqual([`${d}/opt/cr\rname`]);
    expect(fact.members).toHaveLength(sorted.length);
  });
});
