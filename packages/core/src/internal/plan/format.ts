/**
 * The plan format `tend-plan/2`: a closed set of actions per host, as data.
 * The codec is the single source of the types; a saved plan decodes back
 * through it, and the renderer only reads it.
 *
 * tend-plan/2 differs from tend-plan/1 in its field diffs only: they keep
 * `before`/`after` and a content `format` hint, and no precomputed diff (the
 * renderer computes diffs), so a saved plan renders like the plan it was
 * saved from.
 */
import * as t from "io-ts";
import { HealthGatesCodec } from "../health/gate-codec.js";
import { Op } from "../op.js";
import { Probe } from "../probe.js";
import type { FieldValue } from "../resource.js";

/** The format this tend writes and reads; older or newer plan files are refused by name. */
export const PLAN_FORMAT = "tend-plan/2";

/** The closed set of actions. `reload` is the host's one daemon-reload. */
export const ActionType = t.union([
  t.literal("create"),
  t.literal("update"),
  t.literal("delete"),
  t.literal("restart"),
  t.literal("reload"),
]);
export type ActionType = t.TypeOf<typeof ActionType>;

/** A JSON value, as a field's before and after are stored. */
export const PlanValue: t.Type<FieldValue> = t.recursion("a JSON value", () =>
  t.union([
    t.null,
    t.boolean,
    t.number,
    t.string,
    t.readonlyArray(PlanValue),
    t.readonly(t.record(t.string, PlanValue)),
  ]),
);

/** Stands for a secret value in a plan: the plan shows only that it changed. */
export const SENSITIVE = "(sensitive)";

/** How the renderer compares a content field: json and yaml structurally, text as a unified diff. */
export const ContentFormat = t.union([
  t.literal("text"),
  t.literal("json"),
  t.literal("yaml"),
  t.literal("binary"),
]);
export type ContentFormat = t.TypeOf<typeof ContentFormat>;

/** A secret field's change: whether a value was there before and after, never the value. */
export const SecretFieldDiff = t.type({
  field: t.string,
  sensitive: t.literal(true),
  before: t.union([t.null, t.literal(SENSITIVE)]),
  after: t.union([t.null, t.literal(SENSITIVE)]),
});
export type SecretFieldDiff = t.TypeOf<typeof SecretFieldDiff>;

/** An ordinary field's change: both values as they are; the renderer decides how to show them. */
export const ValueFieldDiff = t.intersection([
  t.type({ field: t.string, before: PlanValue, after: PlanValue }),
  t.partial({ format: ContentFormat }),
]);
export type ValueFieldDiff = t.TypeOf<typeof ValueFieldDiff>;

/** A field-level difference. No diff is stored: the renderer computes it from before and after. */
export const FieldDiff = t.union([SecretFieldDiff, ValueFieldDiff]);
export type FieldDiff = t.TypeOf<typeof FieldDiff>;

/** True for a secret field's change (checked on the value, so a hand-edited plan cannot unhide one). */
export const isSecretField = (f: FieldDiff): f is SecretFieldDiff =>
  (f as { sensitive?: unknown }).sensitive === true;

export const Action = t.type({
  /** `kind[name]`, or `systemd[daemon-reload]` for the host's reload. */
  id: t.string,
  action: ActionType,
  /** Why it happens, for display only (e.g. "notified by unit[docker.service]"). */
  reasons: t.array(t.string),
  fields: t.array(FieldDiff),
  notes: t.array(t.string),
  /** What only apply can know. */
  unknown: t.array(t.string),
  ops: t.array(Op),
  /** Ids of actions this one runs after. */
  after: t.array(t.string),
});
export type Action = t.TypeOf<typeof Action>;

/** How a writeFile's bytes are found at apply: inline, re-read from a controller source, or withheld. */
export const BlobEntry = t.union([
  t.type({ base64: t.string }),
  t.type({ source: t.string }),
  t.type({ redacted: t.literal(true) }),
]);
export type BlobEntry = t.TypeOf<typeof BlobEntry>;

/** A declared resource as the plan keeps it (contents replaced by blob references). */
export const StoredResource = t.intersection([
  t.type({ kind: t.string, name: t.string, props: t.unknown }),
  t.partial({ deps: t.array(t.string), notify: t.array(t.string), origin: t.string }),
]);
export type StoredResource = t.TypeOf<typeof StoredResource>;

export const Summary = t.type({
  create: t.number,
  update: t.number,
  delete: t.number,
  restart: t.number,
  reload: t.number,
});
export type Summary = t.TypeOf<typeof Summary>;

/** Wall-clock milliseconds, as the caller measured them: finite and not negative. */
export const DurationMs = t.refinement(
  t.number,
  (n) => Number.isFinite(n) && n >= 0,
  "a duration in milliseconds (a number, 0 or more)",
);

/**
 * How long something took, when the caller measured it (the CLI does; the
 * engine has no clock). Display data only: nothing decides on it.
 */
export const Timing = t.partial({ durationMs: DurationMs });
export type Timing = t.TypeOf<typeof Timing>;

export const ReadyHostPlan = t.intersection([
  t.type({
    host: t.string,
    status: t.literal("ready"),
    /** sha256 of the host and resource facts the plan was made from (stale-plan check). */
    factsDigest: t.string,
    probes: t.array(Probe),
    actions: t.array(Action),
    resources: t.array(StoredResource),
    blobs: t.record(t.string, BlobEntry),
    summary: Summary,
  }),
  /** How long connecting, gathering facts and planning this host took. */
  Timing,
  /**
   * The health gates a rollout of this plan waits for on this host (the
   * modules' and tend_health_checks). Absent in plans saved before they were
   * kept: such a plan applies, but a rollout refuses it.
   */
  t.partial({ gates: HealthGatesCodec }),
]);
export type ReadyHostPlan = t.TypeOf<typeof ReadyHostPlan>;

export const FailedHostPlan = t.intersection([
  t.type({
    host: t.string,
    status: t.literal("error"),
    /** One line per problem, naming the resource, file or op. */
    errors: t.array(t.string),
  }),
  /** Changes refused on the facts (a module the kernel lacks, no package manager), as data. */
  t.partial({
    refusals: t.array(
      t.intersection([t.type({ id: t.string, reason: t.string }), t.partial({ variable: t.string })]),
    ),
  }),
  /** How long the host took until it failed. */
  Timing,
]);
export type FailedHostPlan = t.TypeOf<typeof FailedHostPlan>;

export const HostPlan = t.union([ReadyHostPlan, FailedHostPlan]);
export type HostPlan = t.TypeOf<typeof HostPlan>;

export const Plan = t.intersection([
  t.type({
    format: t.literal(PLAN_FORMAT),
    hosts: t.array(HostPlan),
  }),
  /** How long planning every host took, wall clock. */
  Timing,
]);
export type Plan = t.TypeOf<typeof Plan>;
