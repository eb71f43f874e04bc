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

export { ArchiveProps, archiveKind, cachePath, manifestPath } from "./archive.js";
export type {
  Builders,
  Declared,
  DeclareOptions,
  KindName,
  KindProps,
  ResourceId,
} from "./builders.js";
export {
  archive,
  buildersFor,
  command,
  declareResource,
  directory,
  download,
  etcdKey,
  file,
  group,
  idOf,
  kmod,
  pkg,
  service,
  swap,
  sysctl,
  unit,
  user,
} from "./builders.js";
export type { DeclaredProps, PropsCodec } from "./codec.js";
export { propsCodec, withDefaults } from "./codec.js";
export { CommandProps, commandKind, NO_GUARD } from "./command.js";
export { downloadRecordPath, refusal, refusedDiff } from "./common.js";
export { defineKind, factsMismatch } from "./define.js";
export { DirectoryProps, directoryKind } from "./directory.js";
export { DownloadProps, downloadKind, NO_CHECKSUM } from "./download.js";
export { EtcdKeyProps, etcdGetArgv, etcdKeyKind, etcdSetArgv } from "./etcdKey.js";
export { FileProps, fileKind } from "./file.js";
export { GroupProps, groupKind } from "./group.js";
export { BUILTIN, KmodProps, kmodFile, kmodKind } from "./kmod.js";
export { managerOf, PackageProps, packageKind } from "./package.js";
export { ServiceProps, serviceKind, serviceUnit } from "./service.js";
export { FSTAB, SwapProps, swapKind, withoutSwap } from "./swap.js";
export { SysctlProps, sysctlFile, sysctlKind } from "./sysctl.js";
export { UnitProps, unitKind, unitPath } from "./unit.js";
export { UserProps, userKind } from "./user.js";

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
