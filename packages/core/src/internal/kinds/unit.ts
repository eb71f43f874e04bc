/**
 * unit: a systemd unit file (default /etc/systemd/system/<name>), 0644
 * root:root. Written like a file; a change makes the engine daemon-reload
 * the host before its service ops (`reloadsSystemd`).
 */
import * as t from "io-ts";
import { problem, unitName } from "../names.js";
import type { FileFact } from "../probe.js";
import type { ContentSpec, KindContext } from "../resource.js";
import { AbsPath, Mode, propsCodec } from "./codec.js";
import { blobFor, parentTokens, utf8Bytes } from "./common.js";
import { defineKind } from "./define.js";
import { type RegularFile, regularFileDiff, regularFileOps } from "./regular.js";

/** Props of `unit[<unit name>]`, e.g. `unit[docker.service]`. */
export const UnitProps = propsCodec(
  "unit",
  { mode: Mode },
  { content: t.string, blob: t.string, path: AbsPath },
  { mode: 0o644 },
  (p) => ((p.content === undefined) !== (p.blob === undefined) ? undefined : "exactly one of content, blob"),
);
/** Decoded props of the kind, defaults filled: the type comes from the codec only. */
export type UnitProps = t.TypeOf<typeof UnitProps>;

/** Where the unit file lives. */
export const unitPath = (p: UnitProps, name: string): string => p.path ?? `/etc/systemd/system/${name}`;

const content = (p: UnitProps): ContentSpec | undefined =>
  p.blob !== undefined
    ? { blob: p.blob }
    : p.content !== undefined
      ? { inline: utf8Bytes(p.content) }
      : undefined;

const regular = (p: UnitProps, ctx: KindContext): RegularFile => ({
  path: unitPath(p, ctx.name),
  want: { mode: p.mode, owner: "root", group: "root" },
  blob: blobFor(content(p), ctx),
  sensitive: false,
  format: "text",
});

/** `unit`: see the module comment. */
export const unitKind = defineKind<UnitProps>({
  kind: "unit",
  props: UnitProps,
  checkName: (name) => problem(unitName, name),
  provides: (p, name) => [`unit:${name}`, `path:${unitPath(p, name)}`],
  requires: (p, name) => parentTokens(unitPath(p, name)),
  content,
  withBlob: (p, sha256) => {
    const { content: _c, ...rest } = p;
    return { ...rest, blob: sha256 };
  },
  sensitive: () => false,
  reloadsSystemd: true,

  probes: (p, ctx) => [{ type: "file", path: unitPath(p, ctx.name), hash: "sha256", content: true }],

  diff: (p, facts, ctx) => regularFileDiff(regular(p, ctx), (facts as readonly [FileFact])[0]),

  ops: (p, diff, _facts, ctx) => regularFileOps(regular(p, ctx), diff),
});
