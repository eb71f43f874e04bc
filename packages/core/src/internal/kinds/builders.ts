/**
 * Typed resource builders, one per built-in kind: `file("/etc/x", { content,
 * mode })` instead of `{ kind: "file", name, props: {…} }`. The props type is
 * each kind's codec's declared input (`DeclaredProps`), so a prop typo or a
 * wrong value type is a compile error; `deps` and `notify` take resource ids.
 * The builders only assemble data: the engine still decodes props at plan
 * time (a caller in plain JavaScript gets the same checks, as diagnostics).
 */
import type { Resource } from "../resource.js";
import type { ArchiveProps } from "./archive.js";
import type { DeclaredProps } from "./codec.js";
import type { CommandProps } from "./command.js";
import type { DirectoryProps } from "./directory.js";
import type { DownloadProps } from "./download.js";
import type { EtcdKeyProps } from "./etcdKey.js";
import type { FileProps } from "./file.js";
import type { GroupProps } from "./group.js";
import type { KmodProps } from "./kmod.js";
import type { PackageProps } from "./package.js";
import type { ServiceProps } from "./service.js";
import type { SwapProps } from "./swap.js";
import type { SysctlProps } from "./sysctl.js";
import type { UnitProps } from "./unit.js";
import type { UserProps } from "./user.js";

/** Declared props of each built-in kind, by kind name. */
export interface KindProps {
  readonly archive: DeclaredProps<typeof ArchiveProps>;
  readonly command: DeclaredProps<typeof CommandProps>;
  readonly directory: DeclaredProps<typeof DirectoryProps>;
  readonly download: DeclaredProps<typeof DownloadProps>;
  readonly etcdKey: DeclaredProps<typeof EtcdKeyProps>;
  readonly file: DeclaredProps<typeof FileProps>;
  readonly group: DeclaredProps<typeof GroupProps>;
  readonly kmod: DeclaredProps<typeof KmodProps>;
  readonly package: DeclaredProps<typeof PackageProps>;
  readonly service: DeclaredProps<typeof ServiceProps>;
  readonly swap: DeclaredProps<typeof SwapProps>;
  readonly sysctl: DeclaredProps<typeof SysctlProps>;
  readonly unit: DeclaredProps<typeof UnitProps>;
  readonly user: DeclaredProps<typeof UserProps>;
}

/** A built-in kind's name. */
export type KindName = keyof KindProps;

/** A resource id, `kind[name]`, of a built-in kind. */
export type ResourceId<K extends KindName = KindName> = `${K}[${string}]`;

/** A resource built by a typed builder: its kind is known to the compiler. */
export interface Declared<K extends KindName = KindName> extends Resource {
  readonly kind: K;
  readonly props: KindProps[K];
  readonly deps?: readonly ResourceId[];
  readonly notify?: readonly ResourceId<"service">[];
}

/** Edges and origin of a built resource. */
export interface DeclareOptions {
  /** Resources this one comes after. */
  readonly deps?: readonly ResourceId[];
  /** Services restarted when this resource changes. */
  readonly notify?: readonly ResourceId<"service">[];
  /** Where it was declared (a module's name), named in errors and the plan. */
  readonly origin?: string;
}

/** The id of a built resource, typed by its kind. */
export const idOf = <K extends KindName>(r: { readonly kind: K; readonly name: string }): ResourceId<K> =>
  `${r.kind}[${r.name}]` as ResourceId<K>;

/** Builds a resource of kind `kind`; empty edge lists are left out, as a plan stores them. */
export const declareResource = <K extends KindName>(
  kind: K,
  name: string,
  props: KindProps[K],
  options: DeclareOptions = {},
): Declared<K> => ({
  kind,
  name,
  props,
  ...(options.deps && options.deps.length > 0 ? { deps: options.deps } : {}),
  ...(options.notify && options.notify.length > 0 ? { notify: options.notify } : {}),
  ...(options.origin !== undefined ? { origin: options.origin } : {}),
});

type Builder<K extends KindName> = (
  name: string,
  props: KindProps[K],
  options?: DeclareOptions,
) => Declared<K>;
type OptionalBuilder<K extends KindName> = (
  name: string,
  props?: KindProps[K],
  options?: DeclareOptions,
) => Declared<K>;

/** The builders of every built-in kind, stamping `origin` on what they build (when given). */
export interface Builders {
  readonly archive: Builder<"archive">;
  readonly command: Builder<"command">;
  readonly directory: OptionalBuilder<"directory">;
  readonly download: Builder<"download">;
  readonly etcdKey: Builder<"etcdKey">;
  readonly file: Builder<"file">;
  readonly group: OptionalBuilder<"group">;
  readonly kmod: OptionalBuilder<"kmod">;
  readonly pkg: OptionalBuilder<"package">;
  readonly service: OptionalBuilder<"service">;
  readonly swap: OptionalBuilder<"swap">;
  readonly sysctl: Builder<"sysctl">;
  readonly unit: Builder<"unit">;
  readonly user: OptionalBuilder<"user">;
}

/** Builders that stamp `origin` (a module's name) on every resource they build. */
export const buildersFor = (origin?: string): Builders => {
  const make =
    <K extends KindName>(kind: K) =>
    (name: string, props: KindProps[K], options: DeclareOptions = {}): Declared<K> =>
      declareResource(kind, name, props, origin !== undefined ? { origin, ...options } : options);
  const optional =
    <K extends KindName>(kind: K) =>
    (name: string, props?: KindProps[K], options: DeclareOptions = {}): Declared<K> =>
      make(kind)(name, props ?? ({} as KindProps[K]), options);
  return {
    archive: make("archive"),
    command: make("command"),
    directory: optional("directory"),
    download: make("download"),
    etcdKey: make("etcdKey"),
    file: make("file"),
    group: optional("group"),
    kmod: optional("kmod"),
    pkg: optional("package"),
    service: optional("service"),
    swap: optional("swap"),
    sysctl: make("sysctl"),
    unit: make("unit"),
    user: optional("user"),
  };
};

const plain = buildersFor();

/** `archive[dest]`: an archive unpacked into `dest`, verified by checksum. */
export const archive: Builder<"archive"> = plain.archive;
/** `command[name]`: an argv run unless a guard says it is done. */
export const command: Builder<"command"> = plain.command;
/** `directory[path]`. */
export const directory: OptionalBuilder<"directory"> = plain.directory;
/** `download[path]`: a URL fetched to `path`, verified by checksum. */
export const download: Builder<"download"> = plain.download;
/** `etcdKey[key]`. */
export const etcdKey: Builder<"etcdKey"> = plain.etcdKey;
/** `file[path]`: content from `content`, `contentBase64` or `source`. */
export const file: Builder<"file"> = plain.file;
/** `group[name]`. */
export const group: OptionalBuilder<"group"> = plain.group;
/** `kmod[name]`: a kernel module loaded (and persisted). */
export const kmod: OptionalBuilder<"kmod"> = plain.kmod;
/** `package[name]` (`package` is a reserved word, hence `pkg`). */
export const pkg: OptionalBuilder<"package"> = plain.pkg;
/** `service[name]`: a systemd service, running and enabled by default. */
export const service: OptionalBuilder<"service"> = plain.service;
/** `swap[off]`. */
export const swap: OptionalBuilder<"swap"> = plain.swap;
/** `sysctl[key]`. */
export const sysctl: Builder<"sysctl"> = plain.sysctl;
/** `unit[name.service]`: a systemd unit file. */
export const unit: Builder<"unit"> = plain.unit;
/** `user[name]`. */
export const user: OptionalBuilder<"user"> = plain.user;
