/**
 * The plan format `tend-plan/1`: a closed set of actions per host, as data.
 * The codec is the single source of the types; a saved plan decodes back
 * through it, and the renderer only reads it.
 */
import * as t from "io-ts";
import { Op } from "../op.js";
import { Probe } from "../probe.js";

export const PLAN_FORMAT = "tend-plan/1";

/** The closed set of actions. `reload` is the host's one daemon-reload. */
export const ActionType = t.union([
  t.literal("create"),
  t.literal("update"),
  t.literal("delete"),
  t.literal("restart"),
  t.literal("reload"),
]);
export type ActionType = t.TypeOf<typeof ActionType>;

/** A field-level difference; `diff` is a unified text diff or a json-diff delta. */
export const FieldDiff = t.intersection([
  t.type({ field: t.string, before: t.unknown, after: t.unknown }),
  t.partial({
    sensitive: t.boolean,
    diff: t.union([
      t.type({ format: t.literal("unified"), text: t.string }),
      t.type({ format: t.literal("json"), delta: t.unknown }),
    ]),
  }),
]);
export type FieldDiff = t.TypeOf<typeof FieldDiff>;

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

export const ReadyHostPlan = t.type({
  host: t.string,
  status: t.literal("ready"),
  /** sha256 of the host and resource facts the plan was made from (stale-plan check). */
  factsDigest: t.string,
  probes: t.array(Probe),
  actions: t.array(Action),
  resources: t.array(StoredResource),
  blobs: t.record(t.string, BlobEntry),
  summary: Summary,
});
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
]);
export type FailedHostPlan = t.TypeOf<typeof FailedHostPlan>;

export const HostPlan = t.union([ReadyHostPlan, FailedHostPlan]);
export type HostPlan = t.TypeOf<typeof HostPlan>;

export const Plan = t.type({
  format: t.literal(PLAN_FORMAT),
  hosts: t.array(HostPlan),
});
export type Plan = t.TypeOf<typeof Plan>;
