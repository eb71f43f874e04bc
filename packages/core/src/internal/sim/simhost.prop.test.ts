/**
 * Model-based test of SimHost's filesystem ops under injected faults: random
 * batches of writeFile / mkdir / remove, probes, and reconnects, checked
 * against a deliberately simple model (a map of path → file or dir).
 */
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import type { Op } from "../op.js";
import type { FileFact } from "../probe.js";
import { blobStore, sha256 } from "./blobs.js";
import { freshDebianHost } from "./debian.js";
import { SimHost } from "./simhost.js";

const NUM_RUNS = Number(process.env.TEND_PROP_RUNS ?? 200);

/** Paths that can collide: /srv/d is written as a file by some ops and needed as a directory by others. */
const PATHS = ["/srv/a", "/srv/b", "/srv/d", "/srv/d/c", "/srv/d/e", "/srv/d/e/f"] as const;
const CONTENTS = ["", "one", "two", "three\n"] as const;
const MODES = [0o644, 0o600, 0o755] as const;
const BLOBS = blobStore(...CONTENTS);

type Entry = { kind: "file"; content: string; mode: number } | { kind: "dir"; mode: number };

interface Model {
  fs: Map<string, Entry>;
  /** Ops attempted so far: the clock faults are set on. */
  clock: number;
  connected: boolean;
  readonly failAt: number | null;
  readonly dropAfter: number | null;
}

type ModelOp =
  | { op: "write"; path: string; content: string; mode: number }
  | { op: "mkdir"; path: string; mode: number }
  | { op: "remove"; path: string };

const toOp = (m: ModelOp): Op =>
  m.op === "write"
    ? { op: "writeFile", path: m.path, blob: sha256(m.content), mode: m.mode, owner: "root", group: "root" }
    : m.op === "mkdir"
      ? { op: "mkdir", path: m.path, mode: m.mode, owner: "root", group: "root" }
      : { op: "remove", path: m.path };

/** "/srv/d/e/f" → ["/srv", "/srv/d", "/srv/d/e"]. */
const ancestors = (p: string): string[] => {
  const parts = p.split("/").filter(Boolean);
  return parts.slice(0, -1).map((_, i) => `/${parts.slice(0, i + 1).join("/")}`);
};

/** The model's own reading of each op: returns false when the op must fail (and then changes nothing). */
const applyModel = (fs: Map<string, Entry>, m: ModelOp): boolean => {
  if (m.op === "remove") {
    for (const k of [...fs.keys()]) if (k === m.path || k.startsWith(`${m.path}/`)) fs.delete(k);
    return true;
  }
  if (ancestors(m.path).some((a) => fs.get(a)?.kind === "file")) return false;
  const here = fs.get(m.path);
  if (m.op === "write" && here?.kind === "dir") return false;
  if (m.op === "mkdir" && here?.kind === "file") return false;
  for (const a of ancestors(m.path)) if (!fs.has(a)) fs.set(a, { kind: "dir", mode: 0o755 });
  fs.set(
    m.path,
    m.op === "write" ? { kind: "file", content: m.content, mode: m.mode } : { kind: "dir", mode: m.mode },
  );
  return true;
};

const expectedFact = (e: Entry | undefined): FileFact => {
  if (e === undefined) return { type: "absent" };
  if (e.kind === "dir") return { type: "dir", mode: e.mode, owner: "root", group: "root" };
  const bytes = Buffer.from(e.content);
  return {
    type: "file",
    mode: e.mode,
    owner: "root",
    group: "root",
    size: bytes.length,
    hash: sha256(bytes),
    contentBase64: bytes.toString("base64"),
  };
};

const ALL = ["/srv", ...PATHS];
const probeAll = (host: SimHost) =>
  host.probe(ALL.map((path) => ({ type: "file" as const, path, hash: "sha256" as const, content: true })));

class RunBatch implements fc.AsyncCommand<Model, SimHost> {
  constructor(readonly ops: readonly ModelOp[]) {}
  check = () => true;
  async run(m: Model, host: SimHost): Promise<void> {
    const before = await probeAll(host);
    const r = await host.run(this.ops.map(toOp), BLOBS);
    if (!m.connected) {
      expect(E.isLeft(r) && r.left._tag === "Transport" && r.left.error._tag).toBe("ConnectionLost");
      return;
    }
    let expected:
      | { tag: "ok" }
      | { tag: "OpFailed"; index: number }
      | { tag: "Interrupted"; completed: number } = { tag: "ok" };
    for (const [index, op] of this.ops.entries()) {
      const clock = m.clock++;
      if (clock === m.failAt || !applyModel(m.fs, op)) {
        expected = { tag: "OpFailed", index };
        break;
      }
      if (clock === m.dropAfter) {
        m.connected = false;
        expected = { tag: "Interrupted", completed: index + 1 };
        break;
      }
    }
    if (expected.tag === "ok") expect(r).toEqual(E.right({ completed: this.ops.length }));
    else {
      const { tag, ...fields } = expected;
      expect(E.isLeft(r) && r.left).toMatchObject({ _tag: tag, ...fields });
    }
    // Atomic writes: every path holds what it held before or what one op of this batch put there, never a mix.
    const after = ALL.map((path) => host.state.files[path]);
    for (const [i, path] of ALL.entries()) {
      const now = after[i];
      if (now?.type !== "file") continue;
      const old = E.isRight(before) ? (before.right[i] as FileFact | undefined) : undefined;
      const wasSame = old?.type === "file" && old.contentBase64 === now.content;
      const written = this.ops.some(
        (o) =>
          o.op === "write" && o.path === path && Buffer.from(o.content).toString("base64") === now.content,
      );
      expect(wasSame || written, `${path} holds a content nobody wrote`).toBe(true);
    }
  }
  toString = () => `run(${this.ops.map((o) => `${o.op} ${o.path}`).join(", ")})`;
}

class ProbeAll implements fc.AsyncCommand<Model, SimHost> {
  check = () => true;
  async run(m: Model, host: SimHost): Promise<void> {
    const r = await probeAll(host);
    if (!m.connected) {
      expect(E.isLeft(r) && r.left._tag === "Transport" && r.left.error._tag).toBe("ConnectionLost");
      return;
    }
    // Probes report exactly what the ops did.
    expect(r).toEqual(E.right(ALL.map((p) => expectedFact(m.fs.get(p)))));
  }
  toString = () => "probe";
}

class Reconnect implements fc.AsyncCommand<Model, SimHost> {
  check = (m: Readonly<Model>) => !m.connected;
  async run(m: Model, host: SimHost): Promise<void> {
    host.reconnect();
    m.connected = true;
  }
  toString = () => "reconnect";
}

const path = fc.constantFrom(...PATHS);
const modelOp: fc.Arbitrary<ModelOp> = fc.oneof(
  fc.record({
    op: fc.constant("write" as const),
    path,
    content: fc.constantFrom(...CONTENTS),
    mode: fc.constantFrom(...MODES),
  }),
  fc.record({ op: fc.constant("mkdir" as const), path, mode: fc.constantFrom(...MODES) }),
  fc.record({ op: fc.constant("remove" as const), path }),
);

const commands = fc.commands(
  [
    fc.array(modelOp, { minLength: 1, maxLength: 6 }).map((ops) => new RunBatch(ops)),
    fc.constant(new ProbeAll()),
    fc.constant(new Reconnect()),
  ],
  { maxCommands: 25 },
);

describe("SimHost model", () => {
  it("writes are atomic and probes report what ops did, across op failures and dropped connections", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.nat(40), { nil: null }),
        fc.option(fc.nat(40), { nil: null }),
        commands,
        async (failAt, dropAfter, cmds) => {
          const host = new SimHost(freshDebianHost(), {
            ...(failAt === null ? {} : { failAtOp: failAt }),
            ...(dropAfter === null ? {} : { dropAfterOp: dropAfter }),
          });
          const model: Model = { fs: new Map(), clock: 0, connected: true, failAt, dropAfter };
          await fc.asyncModelRun(() => ({ model, real: host }), cmds);
          // Whatever happened, once reconnected the host still matches the model.
          host.reconnect();
          model.connected = true;
          await new ProbeAll().run(model, host);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});
