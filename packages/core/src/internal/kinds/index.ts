/**
 * The built-in resource kinds, one file each (see README.md), and the
 * registry the engine looks kinds up in.
 */
import type { AnyKind } from "../resource.js";
import { archiveKind } from "./archive.js";
import { commandKind } from "./command.js";
import { directoryKind } from "./directory.js";
import { downloadKind } from "./download.js";
import { etcdKeyKind } from "./etcdKey.js";
import { fileKind } from "./file.js";
import { groupKind } from "./group.js";
import { kmodKind } from "./kmod.js";
import { packageKind } from "./package.js";
import { serviceKind } from "./service.js";
import { swapKind } from "./swap.js";
import { sysctlKind } from "./sysctl.js";
import { unitKind } from "./unit.js";
import { userKind } from "./user.js";

export { archiveKind, ArchiveProps, cachePath, manifestPath } from "./archive.js";
export { commandKind, CommandProps, NO_GUARD } from "./command.js";
export { directoryKind, DirectoryProps } from "./directory.js";
export { downloadKind, DownloadProps, NO_CHECKSUM } from "./download.js";
export { etcdGetArgv, etcdKeyKind, EtcdKeyProps, etcdSetArgv } from "./etcdKey.js";
export { fileKind, FileProps } from "./file.js";
export { groupKind, GroupProps } from "./group.js";
export { BUILTIN, kmodFile, kmodKind, KmodProps } from "./kmod.js";
export { managerOf, packageKind, PackageProps } from "./package.js";
export { serviceKind, ServiceProps, serviceUnit } from "./service.js";
export { FSTAB, swapKind, SwapProps, withoutSwap } from "./swap.js";
export { sysctlFile, sysctlKind, SysctlProps } from "./sysctl.js";
export { unitKind, unitPath, UnitProps } from "./unit.js";
export { userKind, UserProps } from "./user.js";
export { downloadRecordPath, REFUSED, refusal } from "./common.js";
export { withDefaults, propsCodec } from "./codec.js";
export { defineKind, factsMismatch } from "./define.js";

/** Every built-in kind, in alphabetical order of kind name. */
export const builtinKinds: readonly AnyKind[] = [
  archiveKind,
  commandKind,
  directoryKind,
  downloadKind,
  etcdKeyKind,
  fileKind,
  groupKind,
  kmodKind,
  packageKind,
  serviceKind,
  swapKind,
  sysctlKind,
  unitKind,
  userKind,
];

/** Kinds by name; a later kind of the same name replaces an earlier one (so callers can override a built-in). */
export const kindRegistry = (kinds: readonly AnyKind[]): ReadonlyMap<string, AnyKind> =>
  new Map(kinds.map((k) => [k.kind, k]));
