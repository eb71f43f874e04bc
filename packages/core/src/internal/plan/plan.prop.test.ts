/**
 * The plan format's promises over arbitrary plans: a saved plan reads back
 * as the same value and renders byte for byte like the plan it was saved
 * from; no input makes the decoder throw or print a JavaScript value name.
 */
import fc from "fast-check";
import { isLeft, isRight } from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { stringify as toYaml } from "yaml";
import type { Op } from "../op.js";
import type { Probe } from "../probe.js";
import type { FieldValue } from "../resource.js";
import { decodePlan, describePlanDecodeError, encodePlan } from "./codec.js";
import { type Action, type FieldDiff, type HostPlan, PLAN_FORMAT, type Plan, SENSITIVE } from "./format.js";
import { renderPlan } from "./render.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);

/** JSON values (-0 has no JSON form, so it is read back as 0: values go through JSON once). */
const jsonValue: fc.Arbitrary<FieldValue> = fc
  .jsonValue({ maxDepth: 3 })
  .map((v) => JSON.parse(JSON.stringify(v)) as FieldValue);

/** An object whose keys come in an arbitrary insertion order. */
const shuffledObject: fc.Arbitrary<Record<string, FieldValue>> = fc
  .dictionary(fc.string({ maxLength: 6 }), jsonValue, { maxKeys: 6 })
  .chain((o) => fc.shuffledSubarray(Object.entries(o), { minLength: Object.keys(o).length }))
  .map((entries) => Object.fromEntries(entries));

const contentField = (field: string): fc.Arbitrary<FieldDiff> =>
  fc.oneof(
    fc.record({
      field: fc.constant(field),
      before: fc.oneof(
        fc.constant(null),
        shuffledObject.map((o) => JSON.stringify(o, null, 2)),
      ),
      after: shuffledObject.map((o) => JSON.stringify(o)),
      format: fc.constant("json" as const),
    }),
    fc.record({
      field: fc.constant(field),
      before: shuffledObject.map((o) => toYaml(o)),
      after: shuffledObject.map((o) => toYaml(o)),
      format: fc.constant("yaml" as const),
    }),
    fc.record({
      field: fc.constant(field),
      before: fc.oneof(fc.constant(null), fc.string()),
      after: fc.oneof(fc.constant(null), fc.string()),
      format: fc.constantFrom("text" as const, "binary" as const),
    }),
  );

const fieldDiff: fc.Arbitrary<FieldDiff> = fc.oneof(
  fc.record({ field: fc.string(), before: jsonValue, after: jsonValue }),
  fc.record({ field: fc.string(), before: shuffledObject, after: shuffledObject }),
  contentField("content"),
  fc.record({
    field: fc.string(),
    sensitive: fc.constant(true as const),
    before: fc.constantFrom(null, SENSITIVE),
    after: fc.constantFrom(null, SENSITIVE),
  }),
);

// Ops must pass the refined op codecs (op.ts): absolute normalised paths, account and unit names by their grammars.
const segment = fc
  .stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,11}$/)
  .filter((s) => s !== "." && s !== "..");
const absPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((segs) => `/${segs.join("/")}`);
const account = fc.stringMatching(/^[a-z_][a-z0-9_-]{0,15}$/);
const unitName = fc.stringMatching(/^[a-z][a-z0-9_-]{0,15}$/).map((n) => `${n}.service`);

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant("mkdir" as const),
    path: absPath,
    mode: fc.nat(0o7777),
    owner: account,
    group: account,
  }),
  fc.record({ op: fc.constant("remove" as const), path: absPath }),
  fc.record({
    op: fc.constant("systemctl" as const),
    verb: fc.constantFrom("enable" as const, "restart" as const),
    unit: unitName,
  }),
  fc.constant({ op: "swapoff" as const }),
);

const probe: fc.Arbitrary<Probe> = fc.oneof(
  fc.record({ type: fc.constant("file" as const), path: fc.string() }),
  fc.record({ type: fc.constant("unit" as const), name: fc.string() }),
);

const action: fc.Arbitrary<Action> = fc.record({
  id: fc.string(),
  action: fc.constantFrom("create", "update", "delete", "restart", "reload"),
  reasons: fc.array(fc.string(), { maxLength: 2 }),
  fields: fc.array(fieldDiff, { maxLength: 4 }),
  notes: fc.array(fc.string(), { maxLength: 2 }),
  unknown: fc.array(fc.string(), { maxLength: 1 }),
  ops: fc.array(op, { maxLength: 3 }),
  after: fc.array(fc.string(), { maxLength: 2 }),
});

const count = fc.nat(9);
const hostPlan: fc.Arbitrary<HostPlan> = fc.oneof(
  fc.record({
    host: fc.string(),
    status: fc.constant("ready" as const),
    factsDigest: fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 64, maxLength: 64 }),
    probes: fc.array(probe, { maxLength: 2 }),
    actions: fc.array(action, { maxLength: 4 }),
    resources: fc.array(
      fc.record(
        { kind: fc.string(), name: fc.string(), props: shuffledObject },
        { requiredKeys: ["kind", "name", "props"] },
      ),
      { maxLength: 2 },
    ),
    blobs: fc.dictionary(
      fc.string({ unit: fc.constantFrom(..."0123456789abcdef") }),
      fc.oneof(fc.record({ base64: fc.base64String() }), fc.record({ redacted: fc.constant(true as const) })),
    ),
    summary: fc.record({ create: count, update: count, delete: count, restart: count, reload: count }),
  }),
  fc.record({
    host: fc.string(),
    status: fc.constant("error" as const),
    errors: fc.array(fc.string(), { maxLength: 2 }),
  }),
);

const planArb: fc.Arbitrary<Plan> = fc.record({
  format: fc.constant(PLAN_FORMAT),
  hosts: fc.array(hostPlan, { maxLength: 3 }),
});

describe("tend-plan/2 round trip", () => {
  it("decode(encode(plan)) is the plan, and renders byte-identically to it", () => {
    fc.assert(
      fc.property(planArb, fc.boolean(), (plan, color) => {
        const decoded = decodePlan(encodePlan(plan));
        if (isLeft(decoded)) throw new Error(describePlanDecodeError(decoded.left, "saved"));
        expect(decoded.right).toEqual(plan);
        expect(renderPlan(decoded.right, { color })).toBe(renderPlan(plan, { color }));
      }),
      { numRuns },
    );
  });

  it("encoding is deterministic: the decoded plan encodes to the same bytes", () => {
    fc.assert(
      fc.property(planArb, (plan) => {
        const text = encodePlan(plan);
        const decoded = decodePlan(Buffer.from(text, "utf8"));
        expect(isRight(decoded) && encodePlan(decoded.right)).toBe(text);
      }),
      { numRuns },
    );
  });
});

const NO_JS_NAMES = /undefined|\[object Object\]/;
/** A message without the input it quotes (a quoted string, or what follows "got"), which may say anything. */
const ownWords = (m: string): string =>
  m
    .split("\n")
    .map((l) => l.replace(/, got .*$/, "").replace(/"(?:[^"\\]|\\.)*"/g, '""'))
    .join("\n");

describe("the plan decoder on hostile input", () => {
  it("arbitrary bytes: never throws; refused with one message naming the file, without JavaScript value names", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const r = decodePlan(bytes);
        if (isLeft(r)) {
          const m = describePlanDecodeError(r.left, "p.json");
          expect(m.startsWith("p.json: ")).toBe(true);
          expect(ownWords(m)).not.toMatch(NO_JS_NAMES);
        }
      }),
      { numRuns },
    );
  });

  it("non-UTF-8 bytes are refused exactly when a strict UTF-8 decoder refuses them, at the first bad byte", () => {
    const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })), {
          maxLength: 12,
        }),
        (codes) => {
          const bytes = Uint8Array.from([0x22, ...codes]); // a leading `"`: never a BOM
          let valid = true;
          try {
            strict.decode(bytes);
          } catch {
            valid = false;
          }
          const r = decodePlan(bytes);
          expect(isLeft(r) && r.left._tag === "NotUtf8").toBe(!valid);
          if (isLeft(r) && r.left._tag === "NotUtf8") {
            const at = r.left.offset;
            expect(() => strict.decode(bytes.subarray(0, at))).not.toThrow();
          }
        },
      ),
      { numRuns },
    );
  });

  it("arbitrary JSON documents: never throw; refused with messages without JavaScript value names", () => {
    const doc = fc.oneof(
      fc.jsonValue(),
      fc.record({
        format: fc.constant(PLAN_FORMAT),
        hosts: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 2 }),
      }),
      planArb.chain((p) =>
        fc.jsonValue({ maxDepth: 2 }).map((junk) => {
          const copy = JSON.parse(encodePlan(p)) as { hosts: { actions?: { ops?: unknown[] }[] }[] };
          const ops = copy.hosts[0]?.actions?.[0]?.ops;
          if (ops) ops.push(junk);
          return copy;
        }),
      ),
    );
    fc.assert(
      fc.property(doc, (d) => {
        const r = decodePlan(JSON.stringify(d));
        if (isLeft(r)) expect(ownWords(describePlanDecodeError(r.left, "p.json"))).not.toMatch(NO_JS_NAMES);
      }),
      { numRuns },
    );
  });
});
