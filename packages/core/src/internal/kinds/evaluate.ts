/**
 * evaluate: one resource through its kind without a host: decode props,
 * list probes, diff the given answers, compute ops. The kinds' tests are
 * tables over it; it is also the shortest way to see what a kind will do.
 */
import { createHash } from "node:crypto";
import * as E from "fp-ts/lib/Either.js";
import { PathReporter } from "io-ts/lib/PathReporter.js";
import type { HostFacts } from "../facts.js";
import type { Op } from "../op.js";
import type { Probe, ProbeResult } from "../probe.js";
import type { Blob, Diff, KindContext, ResourceKind } from "../resource.js";
import { sha256Hex } from "./common.js";

/** Host facts of a plain Debian host with apt, for evaluating kinds. */
export const debianHost: HostFacts = {
  hostname: "node1",
  os: { family: "debian", id: "debian", versionId: "12", prettyName: "Debian GNU/Linux 12 (bookworm)" },
  kernel: "6.1.0",
  arch: "x86_64",
  interfaces: [{ name: "wg0", ipv4: ["10.8.0.2"] }],
  swap: [],
  init: "systemd",
  downloaders: ["curl"],
  packageManager: "apt",
  user: "root",
};

/** What a kind makes of one resource and its facts. */
export interface Evaluation<P = unknown> {
  /** The decoded props, defaults filled. */
  readonly props: P;
  readonly probes: readonly Probe[];
  readonly diff: Diff;
  readonly ops: readonly Op[];
  /** Blobs the kind derived from facts, by sha256. */
  readonly derived: ReadonlyMap<string, Uint8Array>;
}

/**
 * Runs `kind` for `name` with raw `props` against `facts` (the answers to
 * its probes, in order). `blob` stands in for the engine's resolved content;
 * without it the kind hashes inline content itself. Fails on props that do
 * not decode, with the io-ts report.
 */
export const evaluate = <P>(
  kind: ResourceKind<P>,
  name: string,
  rawProps: unknown,
  facts: readonly ProbeResult[],
  opts: { host?: HostFacts; blob?: Blob } = {},
): Evaluation<P> => {
  const decoded = kind.props.decode(rawProps);
  if (E.isLeft(decoded)) throw new Error(PathReporter.report(decoded).join("\n"));
  const p = decoded.right;
  const ctx: KindContext = { name, host: opts.host ?? debianHost, ...(opts.blob ? { blob: opts.blob } : {}) };
  const probes = kind.probes(p, ctx);
  const diff = kind.diff(p, facts, ctx);
  const derived = new Map((kind.derivedBlobs?.(p, facts, ctx) ?? []).map((b) => [sha256Hex(b), b]));
  return { props: p, probes, diff, ops: kind.ops(p, diff, facts, ctx), derived };
};

/** The answer to a file probe for a regular file holding `content`; `read: false` leaves out the bytes (as for secrets). */
export const regularFact = (
  content: string | Uint8Array,
  attrs: { mode?: number; owner?: string; group?: string; read?: boolean; hash?: "sha256" | "sha512" } = {},
): ProbeResult => {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  return {
    type: "file",
    mode: attrs.mode ?? 0o644,
    owner: attrs.owner ?? "root",
    group: attrs.group ?? "root",
    size: bytes.length,
    hash: attrs.hash === "sha512" ? createHash("sha512").update(bytes).digest("hex") : sha256Hex(bytes),
    ...(attrs.read === false ? {} : { contentBase64: Buffer.from(bytes).toString("base64") }),
  };
};

/** The answer to a file probe for a directory. */
export const dirFact = (mode = 0o755, owner = "root", group = "root"): ProbeResult => ({
  type: "dir",
  mode,
  owner,
  group,
});

/** The answer to a file probe for nothing at the path. */
export const absentFact: ProbeResult = { type: "absent" };
