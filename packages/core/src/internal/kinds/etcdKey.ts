/**
 * etcdKey: a key in etcd holding a value, read and written with etcdctl on
 * the host (v2 or v3 API). The read is a `check` probe (reading is never a
 * change); a differing or missing value → exec set (v2) / put (v3). JSON
 * values are compared structurally, so key order and spacing do not matter.
 */
import * as t from "io-ts";
import { oneOf } from "../names.js";
import type { CheckFact } from "../probe.js";
import type { FieldValue } from "../resource.js";
import { AbsPath, propsCodec } from "./codec.js";
import { diffOf, field } from "./common.js";
import { defineKind } from "./define.js";

const parseJson = (s: string): FieldValue | undefined => {
  try {
    return JSON.parse(s) as FieldValue;
  } catch {
    return undefined;
  }
};

/** Props of `etcdKey[<key>]`. */
export const EtcdKeyProps = propsCodec(
  "etcdKey",
  {
    value: t.string,
    etcdctl: AbsPath,
    endpoints: t.string,
    caFile: t.string,
    certFile: t.string,
    keyFile: t.string,
    api: oneOf("v2", "v3"),
  },
  { format: oneOf("json", "text") },
  {},
  (p) =>
    p.format === "json" && parseJson(p.value) === undefined
      ? "format is json but value is not JSON"
      : undefined,
);
/** Decoded props of the kind, defaults filled: the type comes from the codec only. */
export type EtcdKeyProps = t.TypeOf<typeof EtcdKeyProps>;

/** etcdctl with the API version, endpoints and TLS flags of that API. */
const etcdctl = (p: EtcdKeyProps): string[] => [
  "env",
  `ETCDCTL_API=${p.api === "v2" ? 2 : 3}`,
  p.etcdctl,
  "--endpoints",
  p.endpoints,
  ...(p.api === "v2"
    ? ["--ca-file", p.caFile, "--cert-file", p.certFile, "--key-file", p.keyFile]
    : ["--cacert", p.caFile, "--cert", p.certFile, "--key", p.keyFile]),
];

/** The argv that prints the key's value. */
export const etcdGetArgv = (p: EtcdKeyProps, key: string): string[] =>
  p.api === "v2" ? [...etcdctl(p), "get", key] : [...etcdctl(p), "get", "--print-value-only", key];

/** The argv that writes the key's value. */
export const etcdSetArgv = (p: EtcdKeyProps, key: string): string[] => [
  ...etcdctl(p),
  p.api === "v2" ? "set" : "put",
  key,
  p.value,
];

/** Structural equality of JSON values; object key order does not matter. */
const sameJson = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return (
    ka.length === kb.length &&
    ka.every(
      (k, i) => k === kb[i] && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
};

/** "json" when declared, or when undeclared and the value parses as a JSON object or array. */
const isJson = (p: EtcdKeyProps): boolean => {
  if (p.format !== undefined) return p.format === "json";
  const v = parseJson(p.value);
  return typeof v === "object" && v !== null;
};

/** `etcdKey`: see the module comment. */
export const etcdKeyKind = defineKind<EtcdKeyProps>({
  kind: "etcdKey",
  props: EtcdKeyProps,
  provides: (_p, name) => [`etcdKey:${name}`],
  requires: (p) => [`path:${p.etcdctl}`, `path:${p.caFile}`, `path:${p.certFile}`, `path:${p.keyFile}`],

  probes: (p, ctx) => [{ type: "check", argv: etcdGetArgv(p, ctx.name) }],

  diff: (p, facts) => {
    const [c] = facts as readonly [CheckFact];
    const format = isJson(p) ? "json" : "text";
    // v2 exits non-zero for a missing key; v3 prints nothing. Either way there is no value.
    const have = c.exitCode === 0 && !(p.api === "v3" && c.stdout === "") ? c.stdout.trim() : null;
    const notes = c.exitCode !== 0 ? [`etcdctl get exited ${c.exitCode}: taken as a missing key`] : [];
    if (have === null) return diffOf("create", [{ ...field("value", null, p.value), format }], { notes });
    const same =
      format === "json"
        ? sameJson(parseJson(have), parseJson(p.value)) && parseJson(have) !== undefined
        : have === p.value.trim();
    return diffOf("update", same ? [] : [{ ...field("value", have, p.value), format }]);
  },

  ops: (p, diff, _facts, ctx) =>
    diff.fields.length === 0 ? [] : [{ op: "exec", argv: etcdSetArgv(p, ctx.name) }],
});
