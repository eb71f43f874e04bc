/**
 * Resources and resource kinds. A resource is declared state, identified as
 * `kind[name]`. A kind is one file with the same four parts: a props codec,
 * the probes it needs, a pure diff over their answers, and the ops that fix
 * each difference.
 */
import type * as t from "io-ts";
import type { HostFacts } from "./facts.js";
import type { Op } from "./op.js";
import type { Probe, ProbeResult } from "./probe.js";

/** A declared resource. `props` is decoded by its kind's codec during planning. */
export interface Resource {
  readonly kind: string;
  readonly name: string;
  readonly props: unknown;
  /** Ids (`kind[name]`) this resource must come after. */
  readonly deps?: readonly string[];
  /** Ids of services to restart when this resource changes (implies an ordering edge). */
  readonly notify?: readonly string[];
  /** Where it was declared (module, file), named in errors. */
  readonly origin?: string;
}

/** `kind[name]`, typed by the kind when the compiler knows it (a typed builder's resource). */
export const resourceId = <K extends string>(r: {
  readonly kind: K;
  readonly name: string;
}): `${K}[${string}]` => `${r.kind}[${r.name}]`;

/** Marks a value only apply can know. */
export interface Unknown {
  readonly unknown: string;
}
export type FieldValue =
  | null
  | boolean
  | number
  | string
  | readonly FieldValue[]
  | { readonly [k: string]: FieldValue };

export interface FieldChange {
  readonly field: string;
  readonly before: FieldValue;
  readonly after: FieldValue;
  /** For contents: how to diff before/after (json and yaml structurally, text as a unified diff). */
  readonly format?: "text" | "json" | "yaml" | "binary";
  /** The values are secret: the plan shows only that they changed. */
  readonly sensitive?: boolean;
}

export type ChangeAction = "create" | "update" | "delete" | "noop";

/** The pure result of a kind's diff. */
export interface Diff {
  readonly action: ChangeAction;
  readonly fields: readonly FieldChange[];
  /** Things the reader of the plan should know (e.g. "no checksum given"). */
  readonly notes?: readonly string[];
  /** What only apply can tell (e.g. "archive members: known after download"). */
  readonly unknown?: readonly string[];
  /**
   * Set when tend will not carry the change out (a directory where a file
   * should be, a module the kernel cannot load): such a diff gets no ops and
   * fails the host's plan.
   */
  readonly refusal?: Refusal;
}

/** Why a change is refused, and the variable that would fix it, where one would. */
export interface Refusal {
  readonly reason: string;
  readonly variable?: string;
}

/** Content a resource writes, resolved by the engine into a blob before diffing. */
export type ContentSpec =
  | { readonly inline: Uint8Array }
  | { readonly source: string }
  | { readonly blob: string };

/** A resolved blob: its digest, and its bytes where they are at hand. */
export interface Blob {
  readonly sha256: string;
  readonly bytes?: Uint8Array;
  /** Controller-side source path, when the content came from a file. */
  readonly source?: string;
}

export interface KindContext {
  /** The resource's name (its path for file kinds, its key for sysctl, ...): probes, diff and ops need it. */
  readonly name: string;
  readonly host: HostFacts;
  /** The resolved content, for kinds with `content`. */
  readonly blob?: Blob;
  /**
   * At diff time: ids of the resources this one runs after that change in
   * this plan (their diffs were made first). A service reads whether its unit
   * file changes.
   */
  readonly changing?: ReadonlySet<string>;
}

/** What a service does when notified, given its own diff. */
export type NotifyResponse =
  | { readonly restart: readonly Op[] }
  /** The service's own ops already (re)start it after the causes; no restart needed. */
  | { readonly subsumed: string };

export interface ResourceKind<P> {
  readonly kind: string;
  /** Decodes raw props (after `defaults`); the single source of the props type. */
  readonly props: t.Type<P, unknown, unknown>;
  /** Tokens this resource provides (`path:/etc/x`, `unit:docker.service`, `user:docker`). */
  provides(p: P, name: string): readonly string[];
  /** Tokens it needs; a declared provider becomes an implicit dependency. */
  requires(p: P, name: string): readonly string[];
  /** Content to resolve into a blob. */
  content?(p: P): ContentSpec | undefined;
  /** Props with the content replaced by a blob reference (how the plan stores the resource). */
  withBlob?(p: P, sha256: string): P;
  /** Whether contents are secret (never shown in plans or logs). */
  sensitive?(p: P): boolean;
  probes(p: P, ctx: KindContext): readonly Probe[];
  /** Contents that depend on facts (e.g. /etc/fstab without swap lines), registered as blobs after probing. */
  derivedBlobs?(p: P, facts: readonly ProbeResult[], ctx: KindContext): readonly Uint8Array[];
  /** Pure: declared props + answers to `probes` (same order) → what differs. */
  diff(p: P, facts: readonly ProbeResult[], ctx: KindContext): Diff;
  /** The ops that carry out `diff`. */
  ops(p: P, diff: Diff, facts: readonly ProbeResult[], ctx: KindContext): readonly Op[];
  /** A changed unit file makes the host daemon-reload before its service ops. */
  readonly reloadsSystemd?: boolean;
  /** Why `name` does not fit the kind's grammar ("expected …, got …"), or undefined when it does. */
  checkName?(name: string): string | undefined;
  /** Services only: the systemd unit name this resource controls. */
  unitName?(p: P, name: string): string;
  /** Services only: how to honour a notification. */
  onNotify?(p: P, diff: Diff, facts: readonly ProbeResult[], ctx: KindContext): NotifyResponse;
}

/** A kind with its props type erased, as the registry holds it. */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds kinds of every props type
export type AnyKind = ResourceKind<any>;
