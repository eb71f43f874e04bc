/**
 * Sources known by their digest: a reader that answers `{ sha256, bytes }`
 * lets a no-op plan skip reading the file, while a plan that writes it reads
 * it once and is the same plan an eager reader makes.
 */
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { decodePlan, encodePlan } from "../plan/codec.js";
import type { Plan } from "../plan/format.js";
import type { Resource } from "../resource.js";
import { freshDebianHost } from "../sim/debian.js";
import { SimHost } from "../sim/simhost.js";
import { apply } from "./apply.js";
import { BlobTable, type ReadSource } from "./content.js";
import { sha256Hex } from "./digest.js";
import { plan } from "./plan.js";
import { errorOf, type PlannedRun, planOf } from "./report.fixture.js";

const files: Record<string, Uint8Array> = {
  "/ctl/kubelet": new Uint8Array(Buffer.from("#!/bin/sh\necho kubelet v1\n")),
  "/ctl/ca.pem": new Uint8Array(Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n")),
};

const resources: readonly Resource[] = [
  { kind: "file", name: "/usr/local/bin/kubelet", props: { source: "/ctl/kubelet", mode: 0o755 } },
  { kind: "file", name: "/etc/kubernetes/ca.pem", props: { source: "/ctl/ca.pem" } },
];

const eager: ReadSource = async (path) => {
  const b = files[path];
  if (!b) throw new Error("ENOENT");
  return b;
};

/** A reader that knows digests (optionally a wrong one) and counts the byte reads per path. */
const lazy = (digestOf: (path: string) => string = (p) => sha256Hex(files[p]!)) => {
  const reads: string[] = [];
  const readSource: ReadSource = async (path) => ({
    sha256: digestOf(path),
    bytes: async () => {
      reads.push(path);
      return files[path]!;
    },
  });
  return { readSource, reads };
};

const errorsOf = (p: Plan | PlannedRun): readonly string[] => {
  const h = planOf(p).hosts[0]!;
  return h.status === "error" ? h.errors : [];
};

describe("sources known by their digest", () => {
  it("a plan that writes them reads each once and equals the eager reader's plan", async () => {
    const { readSource, reads } = lazy();
    const { plan: withLazy } = await plan(resources, new SimHost(freshDebianHost()), { readSource });
    const { plan: withEager } = await plan(resources, new SimHost(freshDebianHost()), { readSource: eager });
    expect(errorsOf(withLazy)).toEqual([]);
    expect(encodePlan(withLazy)).toBe(encodePlan(withEager));
    expect(reads.sort()).toEqual(["/ctl/ca.pem", "/ctl/kubelet"]);
  });

  it("a no-op plan never reads them, and in-process apply uploads the bytes read while planning", async () => {
    const host = new SimHost(freshDebianHost());
    const first = lazy();
    const p = await plan(resources, host, { readSource: first.readSource });
    const report = await apply(p, host, { readSource: first.readSource });
    expect(report.hosts[0]).toMatchObject({ status: "applied", verdict: { converged: true } });
    expect(first.reads.sort()).toEqual(["/ctl/ca.pem", "/ctl/kubelet"]);

    const again = lazy();
    const { plan: noop } = await plan(resources, host, { readSource: again.readSource });
    expect(noop.hosts[0]).toMatchObject({ status: "ready", actions: [] });
    expect(again.reads).toEqual([]);
  });

  it("only the changed source is read", async () => {
    const host = new SimHost(freshDebianHost());
    await apply(await plan(resources, host, { readSource: eager }), host, { readSource: eager });
    const before = files["/ctl/kubelet"]!;
    files["/ctl/kubelet"] = new Uint8Array(Buffer.from("#!/bin/sh\necho kubelet v2\n"));
    try {
      const { readSource, reads } = lazy();
      const { plan: p } = await plan(resources, host, { readSource });
      expect(p.hosts[0]).toMatchObject({ status: "ready", summary: { update: 1 } });
      expect(reads).toEqual(["/ctl/kubelet"]);
    } finally {
      files["/ctl/kubelet"] = before;
    }
  });

  it("bytes that do not match the digest the reader gave fail the plan", async () => {
    const { readSource } = lazy((p) => (p === "/ctl/kubelet" ? "ab".repeat(32) : sha256Hex(files[p]!)));
    const p = await plan(resources, new SimHost(freshDebianHost()), { readSource });
    expect(errorsOf(p)).toEqual([
      expect.stringMatching(
        /file\[\/usr\/local\/bin\/kubelet\]: cannot read source \/ctl\/kubelet: .*changed while planning/,
      ),
    ]);
  });

  it("a plan file applied with a digest reader re-reads the source; a changed digest is refused unread", async () => {
    const { plan: saved } = await plan(resources, new SimHost(freshDebianHost()), { readSource: eager });
    const decoded = decodePlan(encodePlan(saved));
    if (E.isLeft(decoded)) throw new Error("plan file does not decode");
    // Inline base64 entries need no reader; make the kubelet a source entry as a sensitive file's would be.
    const h = decoded.right.hosts[0]!;
    if (h.status !== "ready") throw new Error("not ready");
    const kubeletBlob = sha256Hex(files["/ctl/kubelet"]!);
    const fromSource: Plan = {
      ...decoded.right,
      hosts: [{ ...h, blobs: { ...h.blobs, [kubeletBlob]: { source: "/ctl/kubelet" } } }],
    };

    const good = lazy();
    const ok = await apply(fromSource, new SimHost(freshDebianHost()), { readSource: good.readSource });
    expect(ok.hosts[0]).toMatchObject({ status: "applied", verdict: { converged: true } });
    expect(good.reads).toContain("/ctl/kubelet");

    const changed = lazy((p) => (p === "/ctl/kubelet" ? "cd".repeat(32) : sha256Hex(files[p]!)));
    const refused = await apply(fromSource, new SimHost(freshDebianHost()), {
      readSource: changed.readSource,
    });
    expect(refused.hosts[0]).toMatchObject({ status: "blocked" });
    expect(errorOf(refused.hosts[0]!)).toContain("/ctl/kubelet changed since the plan was made; plan again");
    expect(changed.reads).toEqual([]);
  });
});

describe("blob entries of shared bytes", () => {
  it("spell the bytes' base64 when read, for every table sharing the buffer", async () => {
    const bytes = files["/ctl/kubelet"]!;
    const sha = sha256Hex(bytes);
    const tables = [0, 1].map(() => new BlobTable(lazy().readSource));
    for (const table of tables) {
      const blob = await table.resolve("file[/usr/local/bin/kubelet]", { source: "/ctl/kubelet" }, false);
      expect("_tag" in blob).toBe(false);
      const loaded = await table.withBytes("file[/usr/local/bin/kubelet]", { sha256: sha });
      expect("bytes" in loaded && loaded.bytes).toBe(bytes);
    }
    const entries = tables.map((t) => t.entriesFor([sha]));
    const b64 = Buffer.from(bytes).toString("base64");
    for (const e of entries) {
      expect(e).toEqual({ [sha]: { base64: b64 } });
      expect(JSON.parse(JSON.stringify(e))).toEqual({ [sha]: { base64: b64 } });
      expect({ ...e[sha] }).toEqual({ base64: b64 });
    }
  });
});
