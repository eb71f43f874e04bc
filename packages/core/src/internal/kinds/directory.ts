/**
 * directory: a directory with mode and owner. Absent → mkdir; other attrs →
 * setAttrs. A regular file or symlink in the way is removed first (the
 * declaration says a directory lives there); anything else (socket, device,
 * fifo) is refused: tend will not guess what removing it would break.
 */
import type * as t from "io-ts";
import type { Op } from "../op.js";
import type { FileFact } from "../probe.js";
import type { FieldChange } from "../resource.js";
import { ownership, propsCodec } from "./codec.js";
import {
  attrChanges,
  diffOf,
  field,
  fieldsOf,
  ownerTokens,
  parentTokens,
  refusedDiff,
  setAttrsOp,
} from "./common.js";
import { absoluteName, defineKind } from "./define.js";

/** Props of `directory[<absolute path>]`. */
export const DirectoryProps = propsCodec(
  "directory",
  ownership,
  {},
  { mode: 0o755, owner: "root", group: "root" },
);
/** Decoded props of the kind, defaults filled: the type comes from the codec only. */
export type DirectoryProps = t.TypeOf<typeof DirectoryProps>;

/** `directory`: see the module comment. */
export const directoryKind = defineKind<DirectoryProps>(
  {
    kind: "directory",
    props: DirectoryProps,
    provides: (_p, name) => [`path:${name}`],
    requires: (p, name) => [...parentTokens(name), ...ownerTokens(p.owner, p.group)],

    probes: (_p, ctx) => [{ type: "file", path: ctx.name }],

    diff: (p, facts, ctx) => {
      const [f] = facts as readonly [FileFact];
      if (f.type === "absent") return diffOf("create", attrChanges(p, undefined));
      if (f.type === "dir") return diffOf("update", attrChanges(p, f));
      const fields: FieldChange[] = [field("type", f.type, "dir"), ...attrChanges(p, undefined)];
      if (f.type === "file" || f.type === "link") return diffOf("update", fields);
      return refusedDiff("update", fields, {
        reason: `${ctx.name} exists and is not a directory, file or link`,
      });
    },

    ops: (p, diff, facts, ctx) => {
      const [f] = facts as readonly [FileFact];
      const changed = fieldsOf(diff);
      const mkdir: Op = { op: "mkdir", path: ctx.name, mode: p.mode, owner: p.owner, group: p.group };
      if (changed.size === 0) return [];
      if (f.type === "absent") return [mkdir];
      if (f.type === "file" || f.type === "link") return [{ op: "remove", path: ctx.name }, mkdir];
      if (f.type === "dir") return setAttrsOp(ctx.name, p, changed);
      return [];
    },
  },
  absoluteName,
);
