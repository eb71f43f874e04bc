/**
 * unit: a systemd unit file (default /etc/systemd/system/<name>), 0644
 * root:root. Written like a file; a change makes the engine daemon-reload
 * the host before its service ops (`reloadsSystemd`).
 */
import * as t from "io-ts";
import { isUnitName, unitName } from "../names.js";
import type { FileFact } from "../probe.js";
import type { ContentSpec, KindContext } from "../resource.js";
import { AbsPath, Mode, propsCodec } from "./codec.js";
import { blobFor, parentTokens, refusedDiff, textBlob } from "./common.js";
import { defineKind, grammarCheck } from "./define.js";
import { type RegularFile, regularFileDiff, regularFileOps } from "./regular.js";

/** Where systemd reads unit files: a unit's `path` is `<one of these>/<its name>`. */
export const UNIT_DIRS = [
  "/etc/systemd/system",
  "/run/systemd/system",
  "/lib/systemd/system",
  "/usr/lib/systemd/system",
  "/usr/local/lib/systemd/system",
] as const;

/** Why `path` is no unit file path (a unit dir, then a unit name), or undefined. */
const pathProblem = (path: string | undefined): string | undefined => {
  if (path === undefined) return undefined;
  const dir = path.slice(0, path.lastIndexOf("/"));
  return (UNIT_DIRS as readonly string[]).includes(dir) && isUnitName(path.slice(dir.length + 1))
    ? undefined
    : `path: expected ${UNIT_DIRS.join(", ")} followed by /<the unit's name>`;
};

/** Props of `unit[<unit name>]`, e.g. `unit[docker.service]`. */
export const UnitProps = propsCodec(
  "unit",
  { mode: Mode },
  { content: t.string, blob: t.string, path: AbsPath },
  { mode: 0o644 },
  (p) =>
    (p.content === undefined) === (p.blob === undefined)
      ? "exactly one of content, blob"
      : pathProblem(p.path),
);
/** Decoded props of the kind, defaults filled: the type comes from the codec only. */
export type UnitProps = t.TypeOf<typeof UnitProps>;

/** Where the unit file lives. */
export const unitPath = (p: UnitProps, name: string): string => p.path ?? `/etc/systemd/system/${name}`;

const content = (p: UnitProps): ContentSpec | undefined =>
  p.blob !== undefined
    ? { blob: p.blob }
    : p.content !== undefined
      ? { inline: textBlob(p.content).bytes }
      : undefined;

const regular = (p: UnitProps, ctx: KindContext): RegularFile => ({
  path: unitPath(p, ctx.name),
  want: { mode: p.mode, owner: "root", group: "root" },
  // The engine's blob when there is one, without making the content's bytes again.
  blob: ctx.blob ?? blobFor(content(p), ctx),
  sensitive: false,
  format: "text",
});

/** `unit`: see the module comment. */
export const unitKind = defineKind<UnitProps>({
  kind: "unit",
  props: UnitProps,
  checkName: grammarCheck(unitName),
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

  diff: (p, facts, ctx) =>
    // A path naming another unit would write that unit's file.
    p.path !== undefined && !p.path.endsWith(`/${ctx.name}`)
      ? refusedDiff("update", [], { reason: `path ${p.path} is not the file of ${ctx.name}` })
      : regularFileDiff(regular(p, ctx), (facts as readonly [FileFact])[0]),

  ops: (p, diff, _facts, ctx) => regularFileOps(regular(p, ctx), diff),
});
