/**
 * swap: no swap (kubelet's failSwapOn). Active swap → swapoff; swap entries
 * in /etc/fstab are commented out so a reboot does not bring swap back. The
 * new fstab depends on the probed one, so the kind hands it to the engine as
 * a derived blob and its writeFile references that blob.
 */
import type * as t from "io-ts";
import type { Op } from "../op.js";
import type { FileFact, ProbeResult, SwapFact } from "../probe.js";
import type { FieldChange } from "../resource.js";
import { propsCodec } from "./codec.js";
import { asText, diffOf, field, fieldsOf, fromBase64, refusedDiff, textBlob } from "./common.js";
import { defineKind } from "./define.js";

/** Props of `swap[off]`: none. */
export const SwapProps = propsCodec("swap", {}, {}, {});
/** Decoded props of the kind, defaults filled: the type comes from the codec only. */
export type SwapProps = t.TypeOf<typeof SwapProps>;

/** The fstab tend manages. */
export const FSTAB = "/etc/fstab";

/** Whether an fstab line mounts swap (its third field is "swap"). */
export const isSwapLine = (line: string): boolean => {
  const fields = line.trim().split(/\s+/);
  return !line.trimStart().startsWith("#") && fields[2] === "swap";
};

/** The fstab with every swap line commented out; other lines unchanged. */
export const withoutSwap = (fstab: string): string =>
  fstab
    .split("\n")
    .map((l) => (isSwapLine(l) ? `#${l}` : l))
    .join("\n");

/** The probed fstab's text: null when absent, undefined when it could not be read as text. */
const fstabText = (f: FileFact): string | null | undefined => {
  if (f.type === "absent") return null;
  if (f.type !== "file" || f.contentBase64 === undefined) return undefined;
  return asText(fromBase64(f.contentBase64));
};

/** The new fstab when it must change, else undefined. */
const desiredFstab = (facts: readonly ProbeResult[]): string | undefined => {
  const [, f] = facts as readonly [SwapFact, FileFact];
  const text = fstabText(f);
  if (text === null || text === undefined) return undefined;
  const next = withoutSwap(text);
  return next === text ? undefined : next;
};

/** `swap`: see the module comment. */
export const swapKind = defineKind<SwapProps>(
  {
    kind: "swap",
    props: SwapProps,
    provides: () => ["swap:off", `path:${FSTAB}`],
    requires: () => [],

    probes: () => [{ type: "swap" }, { type: "file", path: FSTAB, hash: "sha256", content: true }],

    derivedBlobs: (_p, facts) => {
      const next = desiredFstab(facts);
      return next === undefined ? [] : [textBlob(next).bytes];
    },

    diff: (_p, facts) => {
      const [s, f] = facts as readonly [SwapFact, FileFact];
      const fields: FieldChange[] = [];
      if (s.active.length > 0) fields.push(field("active", [...s.active], []));
      const text = fstabText(f);
      const next = desiredFstab(facts);
      if (text !== undefined && text !== null && next !== undefined)
        fields.push({ ...field("fstab", text, next), format: "text" });
      // An fstab that is not readable text (or too large to read) cannot be rewritten safely.
      if (text === undefined)
        return refusedDiff("update", [...fields, field("fstab", null, null)], {
          reason: `${FSTAB} could not be read as text; remove its swap lines by hand`,
        });
      return diffOf("update", fields);
    },

    ops: (_p, diff, facts) => {
      const [, f] = facts as readonly [SwapFact, FileFact];
      const changed = fieldsOf(diff);
      const next = desiredFstab(facts);
      const ops: Op[] = changed.has("active") ? [{ op: "swapoff" }] : [];
      if (changed.has("fstab") && next !== undefined && f.type === "file")
        ops.push({
          op: "writeFile",
          path: FSTAB,
          blob: textBlob(next).sha256,
          mode: f.mode,
          owner: f.owner,
          group: f.group,
        });
      return ops;
    },
  },
  { name: { expected: 'the name "off"', test: (n) => n === "off" } },
);
