/**
 * kmod: a kernel module that must be available. Built into the kernel →
 * nothing to do. Otherwise modprobe when not loaded, and (with `persist`)
 * /etc/modules-load.d/<name>.conf so it loads at boot.
 */
import * as t from "io-ts";
import { kmodName } from "../names.js";
import type { Op } from "../op.js";
import type { FileFact, KmodFact } from "../probe.js";
import type { KindContext } from "../resource.js";
import { propsCodec } from "./codec.js";
import { diffOf, field, fieldsOf, parentTokens, refusedDiff, textBlob } from "./common.js";
import { defineKind, grammarCheck } from "./define.js";
import { type RegularFile, regularFileDiff, regularFileOps } from "./regular.js";

/** Props of `kmod[<module name>]`. */
export const KmodProps = propsCodec("kmod", { persist: t.boolean }, {}, { persist: true });
/** Decoded props of the kind, defaults filled: the type comes from the codec only. */
export type KmodProps = t.TypeOf<typeof KmodProps>;

/** The modules-load.d file of a module. */
export const kmodFile = (name: string): string => `/etc/modules-load.d/${name}.conf`;

/** Said in the plan when the module is compiled in. */
export const BUILTIN = "built into the kernel";

const persisted = (ctx: KindContext): RegularFile => {
  const { bytes, sha256 } = textBlob(`${ctx.name}\n`);
  return {
    path: kmodFile(ctx.name),
    want: { mode: 0o644, owner: "root", group: "root" },
    blob: { sha256, bytes },
    sensitive: false,
    format: "text",
    contentField: "persisted",
  };
};

/** `kmod`: see the module comment. */
export const kmodKind = defineKind<KmodProps>({
  kind: "kmod",
  props: KmodProps,
  checkName: grammarCheck(kmodName),
  provides: (_p, name) => [`kmod:${name}`],
  requires: (p, name) => (p.persist ? parentTokens(kmodFile(name)) : []),

  probes: (p, ctx) => [
    { type: "kmod", name: ctx.name },
    ...(p.persist
      ? [{ type: "file" as const, path: kmodFile(ctx.name), hash: "sha256" as const, content: true }]
      : []),
  ],

  derivedBlobs: (p, facts, ctx) => {
    const [k] = facts as readonly [KmodFact];
    return p.persist && !k.builtin ? [textBlob(`${ctx.name}\n`).bytes] : [];
  },

  diff: (p, facts, ctx) => {
    const [k, f] = facts as readonly [KmodFact, FileFact | undefined];
    if (k.builtin) return diffOf("update", [], { notes: [BUILTIN] });
    if (!k.loaded && k.available === false)
      return refusedDiff("update", [field("loaded", false, true)], {
        reason: `kernel module ${ctx.name} is neither built into kernel ${ctx.host.kernel} nor present under /lib/modules/${ctx.host.kernel}; install it or remove it from the list`,
        variable: "tend_kernel_modules",
      });
    const file = p.persist && f ? regularFileDiff(persisted(ctx), f) : undefined;
    return diffOf("update", [...(k.loaded ? [] : [field("loaded", false, true)]), ...(file?.fields ?? [])], {
      notes: file?.notes ?? [],
    });
  },

  ops: (p, diff, _facts, ctx) => {
    const ops: Op[] = fieldsOf(diff).has("loaded") ? [{ op: "modprobe", name: ctx.name }] : [];
    return p.persist && diff.fields.length > 0 ? [...ops, ...regularFileOps(persisted(ctx), diff)] : ops;
  },
});
