/**
 * A host archive declared twice, as a download (or a copied file) and as the
 * archive kind's source: the pair costs one stat and one hash of the path on
 * the host, whatever checksums the two carry. Checked through compileProbes
 * and through a real ShellTarget over /bin/sh, whose answers equal those of
 * the probes asked alone.
 */
import { writeFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Probe, probeKey } from "../probe.js";
import { compileProbes } from "../shell/probe-script.js";
import { ShTransport, tempDir } from "../shell/sh-transport.test.js";
import { ShellTarget } from "../shell/target.js";
import { archiveKind } from "./archive.js";
import { downloadKind } from "./download.js";
import { absentFact, evaluate } from "./evaluate.js";
import { fileKind } from "./file.js";

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir, cleanup } = tempDir());
});
afterAll(() => cleanup());

const url = "http://127.0.0.1:8080/cni.tgz";
const sha512 = { algo: "sha512", hex: "a".repeat(128) };
const sha256 = { algo: "sha256", hex: "b".repeat(64) };

/** The probes a plan gathers for the pair, de-duplicated by probeKey as the engine does. */
const planProbes = (path: string, first: "download" | "file", own: object, archive: object): Probe[] => {
  const a =
    first === "download"
      ? evaluate(downloadKind, path, { url, ...own }, [absentFact, absentFact]).probes
      : evaluate(fileKind, path, { contentBase64: "", format: "binary", ...own }, [absentFact]).probes;
  const b = evaluate(archiveKind, "/opt/cni/bin", { dest: "/opt/cni/bin", archive: path, ...archive }, [
    { exists: false },
    absentFact,
  ]).probes;
  const seen = new Set<string>();
  return [...a, ...b].filter((p) => !seen.has(probeKey(p)) && seen.add(probeKey(p)) !== undefined);
};

/** The path's entries in the batched file calls (`tend_files <specs> <path> …`): one stat and hash each. */
const callsOf = (path: string, probes: readonly Probe[]): string[] =>
  compileProbes(probes)
    .calls.map((c) => c.text)
    .filter((t) => t.startsWith("'tend_files' "))
    .flatMap((t) => t.split(" ").filter((w) => w === `'${path}'`));

describe("a download or file and an archive over one path", () => {
  // [why, first resource, its props, the archive's props, file call entries for the path]
  const cases: [string, "download" | "file", object, object, number][] = [
    [
      "download and archive with the same sha512 checksum",
      "download",
      { checksum: sha512 },
      { checksum: sha512 },
      1,
    ],
    ["download without checksum, archive with one", "download", {}, { checksum: sha512 }, 1],
    ["download without checksum, archive without checksum (both sha256)", "download", {}, {}, 1],
    ["copied file (sha256 and content), archive with a sha512 checksum", "file", {}, { checksum: sha512 }, 1],
    ["copied file (sha256 and content), archive with a sha256 checksum", "file", {}, { checksum: sha256 }, 1],
    ["copied file (sha256 and content), archive without checksum", "file", {}, {}, 1],
    // The archive's source is the sha256 of its file when it has no checksum: two digests are wanted.
    ["download with sha512, archive without checksum", "download", { checksum: sha512 }, {}, 2],
  ];

  it.each(cases)("%s: stat and hash the path once per digest", (_, first, own, archive, calls) => {
    const path = "/opt/tmp/0.8.6.tgz";
    expect(callsOf(path, planProbes(path, first, own, archive))).toHaveLength(calls);
  });

  it.each(cases)(
    "%s: the shared call answers each probe as if asked alone",
    async (_, first, own, archive, calls) => {
      const path = `${dir}/archive.tgz`;
      writeFileSync(path, Buffer.from([0, 1, 2, 255, 10]));
      const probes = planProbes(path, first, own, archive);
      const transport = new ShTransport();
      const together = await new ShellTarget(transport).probe(probes);
      expect(transport.roundTrips).toBe(1);
      expect(transport.scripts.join("").split(`'${path}'`)).toHaveLength(calls + 1);
      const alone = await Promise.all(probes.map((p) => new ShellTarget(new ShTransport()).probe([p])));
      expect(together).toEqual(E.right(alone.map((r) => (E.isRight(r) ? r.right[0] : r))));
    },
  );
});
