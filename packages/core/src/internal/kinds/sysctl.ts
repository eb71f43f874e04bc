/**
 * sysctl: a kernel parameter, set at runtime and (with `persist`) in its own
 * file under /etc/sysctl.d so a reboot keeps it. Runtime differs → sysctl op;
 * the persisted file differs → writeFile of `key = value\n`. A key that does
 * not exist yet is still set: a module loaded earlier in the same apply
 * (br_netfilter for net.bridge.*) may provide it.
 */
import * as t from "io-ts";
import { sysctlKey } from "../names.js";
import type { Op } from "../op.js";
import type { FileFact, SysctlFact } from "../probe.js";
import type { FieldChange, KindContext } from "../resource.js";
import { AbsPath, propsCodec } from "./codec.js";
import { diffOf, field, fieldsOf, parentTokens, type TextBlob, textBlob } from "./common.js";
import { defineKind, grammarCheck } from "./define.js";
import { type RegularFile, regularFileDiff, regularFileOps } from "./regular.js";

/** Props of `sysctl[<key>]`, e.g. `sysctl[net.ipv4.ip_forward]`. */
export const SysctlProps = propsCodec(
  "sysctl",
  { value: t.string, persist: t.boolean },
  { file: AbsPath },
  { persist: true },
);
/** Decoded props of the kind, defaults filled: the type comes from the codec only. */
export type SysctlProps = t.TypeOf<typeof SysctlProps>;

/** The file that persists it (a key written with slashes is named with dots, so it stays in /etc/sysctl.d). */
export const sysctlFile = (p: SysctlProps, key: string): string =>
  p.file ?? `/etc/sysctl.d/60-tend-${key.replaceAll("/", ".")}.conf`;

/** The persisted file's bytes and digest (shared: not to be mutated). */
const sysctlFileBlob = (p: SysctlProps, key: string): TextBlob => textBlob(`${key} = ${p.value}\n`);

// The kernel prints multi-value keys with tabs (ip_local_port_range "32768\t60999").
const normal = (v: string): string => v.trim().split(/\s+/).join(" ");

const persisted = (p: SysctlProps, ctx: KindContext): RegularFile => {
  const { bytes, sha256 } = sysctlFileBlob(p, ctx.name);
  return {
    path: sysctlFile(p, ctx.name),
    want: { mode: 0o644, owner: "root", group: "root" },
    blob: { sha256, bytes },
    sensitive: false,
    format: "text",
    contentField: "persisted",
  };
};

/** `sysctl`: see the module comment. */
export const sysctlKind = defineKind<SysctlProps>({
  kind: "sysctl",
  props: SysctlProps,
  checkName: grammarCheck(sysctlKey),
  provides: (p, name) => [`sysctl:${name}`, ...(p.persist ? [`path:${sysctlFile(p, name)}`] : [])],
  requires: (p, name) => (p.persist ? parentTokens(sysctlFile(p, name)) : []),

  probes: (p, ctx) => [
    { type: "sysctl", key: ctx.name },
    ...(p.persist
      ? [{ type: "file" as const, path: sysctlFile(p, ctx.name), hash: "sha256" as const, content: true }]
      : []),
  ],

  // The persisted file's bytes follow from props and name; the engine registers them as a blob.
  derivedBlobs: (p, _facts, ctx) => (p.persist ? [sysctlFileBlob(p, ctx.name).bytes] : []),

  diff: (p, facts, ctx) => {
    const [s, f] = facts as readonly [SysctlFact, FileFact | undefined];
    const fields: FieldChange[] = [];
    const notes: string[] = [];
    if (s.value === null) notes.push(`${ctx.name} does not exist yet (a kernel module may provide it)`);
    if (s.value === null || normal(s.value) !== normal(p.value))
      fields.push(field("value", s.value, p.value));
    const file = p.persist && f ? regularFileDiff(persisted(p, ctx), f) : undefined;
    return diffOf("update", [...fields, ...(file?.fields ?? [])], {
      notes: [...notes, ...(file?.notes ?? [])],
    });
  },

  ops: (p, diff, _facts, ctx) => {
    const ops: Op[] = fieldsOf(diff).has("value") ? [{ op: "sysctl", key: ctx.name, value: p.value }] : [];
    return p.persist ? [...ops, ...regularFileOps(persisted(p, ctx), diff)] : ops;
  },
});
