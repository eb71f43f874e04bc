/**
 * Bulk probes cost a constant number of processes: a batch of manifests is
 * hashed by one sha256sum and a batch of apt packages by one dpkg-query,
 * however many members and names they hold, with the answers a probe alone
 * gives. The tools run through logging wrappers placed first in PATH.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Probe } from "../../probe.js";
import { shellQuote } from "../quote.js";
import { ShTransport, tempDir } from "../sh-transport.test.js";
import { ShellTarget } from "../target.js";

const WRAPPED = ["sha256sum", "dpkg-query", "sed", "head"];
/** A dpkg-query format field, written with "$" apart so no one reads it as a placeholder. */
const field = (f: string) => `$\{${f}}`;
const sum = (b: string) => createHash("sha256").update(b).digest("hex");

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir, cleanup } = tempDir("tend-bulk-"));
  mkdirSync(`${dir}/bin`);
  for (const tool of WRAPPED) {
    const real = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
    // A tool this machine lacks stays missing, as on a host without it.
    if (real === "") continue;
    const wrapper = `${dir}/bin/${tool}`;
    writeFileSync(
      wrapper,
      `#!/bin/sh\necho ${tool} >> ${shellQuote(`${dir}/log`)}\nexec ${shellQuote(real)} "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
  }
});
afterAll(() => cleanup());

/** A target whose shell finds the logging wrappers first, and what they logged. */
const logged = () => {
  writeFileSync(`${dir}/log`, "");
  const path = `PATH=${dir}/bin:${process.env.PATH ?? "/usr/bin:/bin"}`;
  const target = new ShellTarget(new ShTransport("bulk", undefined, ["env", path]), {
    stateDir: `${dir}/state`,
  });
  const count = (tool: string) =>
    readFileSync(`${dir}/log`, "utf8")
      .split("\n")
      .filter((l) => l === tool).length;
  return { target, count };
};

describe("bulk probes", () => {
  it("three manifests of five members each are hashed by one sha256sum besides the digest's, and answer member by member", async () => {
    const probes: Probe[] = [];
    const expected: unknown[] = [];
    for (const m of [0, 1, 2]) {
      mkdirSync(`${dir}/m${m}`);
      const members = [0, 1, 2, 3, 4].map((k) => {
        const path = `${dir}/m${m}/-${k} 'x'`;
        // Every third member is altered on disk, so ok and not ok are both answered from the one run.
        writeFileSync(path, k % 3 === 0 ? "changed" : `member ${k}`);
        return { path, sha256: sum(`member ${k}`), ok: k % 3 !== 0 };
      });
      writeFileSync(
        `${dir}/manifest${m}`,
        `# source s${m}\n${members.map((e) => `${e.sha256}  ${e.path}\n`).join("")}`,
      );
      probes.push({ type: "manifest", path: `${dir}/manifest${m}` });
      expected.push({ exists: true, source: `s${m}`, members });
    }
    const { target, count } = logged();
    expect(await target.probe(probes)).toEqual(E.right(expected));
    // One for the members, one for the digest of the answers.
    expect(count("sha256sum")).toBe(2);
  });

  it("six apt packages are answered by one dpkg-query (and no sed or head), each as dpkg-query of that name alone says", async () => {
    const names = ["dash", "tend-no-such-pkg", "coreutils", "bash", "tend.other+pkg", "libc6"];
    const alone = names.map((n) => {
      const lines = spawnSync(
        "dpkg-query",
        ["-W", "-f", `${field("Status")} ${field("Version")}\n`, "--", n],
        {
          encoding: "utf8",
        },
      ).stdout;
      const hit = (lines ?? "").split("\n").find((l) => l.startsWith("install ok installed "));
      return { version: hit === undefined ? null : hit.slice("install ok installed ".length) };
    });
    const { target, count } = logged();
    const r = await target.probe(names.map((name): Probe => ({ type: "package", name, manager: "apt" })));
    expect(r).toEqual(E.right(alone));
    expect(count("dpkg-query")).toBeLessThanOrEqual(1);
    // The digest's one sed is all: no sed | head per package.
    expect(count("sed")).toBe(1);
    expect(count("head")).toBe(0);
  });
});
