/**
 * What a module is given and how it declares resources. Modules receive the
 * host's variables with deferred values already bound (the host's address
 * and the controller's home are plain strings by then).
 */
import { type Builders, buildersFor, type DeclareOptions, type HostFacts, type ResourceId } from "@tend/core";
import type { WorkerVars } from "./vars/codec.js";
import type { HostVars } from "./vars/host-vars.js";

/** Read-only view of the whole inventory, for facts of OTHER hosts (etcd endpoints). */
export interface Cluster {
  /** Hosts of a group (children included), in inventory order. */
  hostsOf(group: string): readonly string[];
  /** Facts of a host, when they were gathered. */
  factsOf(host: string): HostFacts | undefined;
}

/** Everything `resourcesForHost` needs to declare one host's resources. */
export interface HostContext {
  readonly inventoryHostname: string;
  /** Groups the host belongs to, directly or through children. */
  readonly groups: readonly string[];
  /** The seed's generation or the current roles' (see vars/host-vars.ts). */
  readonly vars: HostVars;
  readonly facts: HostFacts;
  readonly cluster: Cluster;
  /** Fetched checksum files: checksum URL (see `requiredChecksumUrls`) → hex digest. */
  readonly checksums: ReadonlyMap<string, string>;
  /** The controller user's home, for `'~/…' | expanduser`. */
  readonly controllerHome: string;
  /** Controller directory holding `artifactsFor` downloads (download mode "controller"). */
  readonly cacheDir: string;
}

/** The input of one module: the context with variables bound and the host's address. */
export interface ModuleInput {
  readonly host: string;
  readonly vars: WorkerVars;
  readonly facts: HostFacts;
  /** IPv4 address of `k8s_interface` on this host. */
  readonly ip: string;
  readonly cluster: Cluster;
  readonly checksums: ReadonlyMap<string, string>;
  readonly cacheDir: string;
}

/** Optional edges of a declared resource. */
export type Edges = Omit<DeclareOptions, "origin">;

/** The typed resource builders, stamped with the module's origin. */
export const declarer = (origin: string): Builders => buildersFor(origin);

/** Private keys are never shown in plans. */
export const isSecretFile = (name: string): boolean => /-key\.pem$|\.key$/.test(name);

/** Joins a directory and a file name without doubling the slash. */
export const join = (dir: string, name: string): string => `${dir.replace(/\/+$/, "")}/${name}`;

/** Owner and group of everything the roles install. */
export const ROOT = { owner: "root", group: "root" } as const;

/** A service's id, as used in `notify` and `deps`. */
export const serviceId = (name: string): ResourceId<"service"> => `service[${name}]`;
