/**
 * What the CLI needs from the layers it wires together, as one injectable
 * record. engine-bridge.ts fills it from @tend/modules and the transports;
 * tests fill it with a SimHost-backed target and a small resource list.
 */
import type { HealthGate, HostFacts, Resource, Target } from "@tend/core";
import type { Either } from "fp-ts/lib/Either.js";
import type { Artifact, Fetch } from "./artifacts.js";
import type { Connection } from "./connect.js";
import type { Inventory, VarLayer } from "./inventory/index.js";

/** What other hosts know, for resources that depend on the cluster (etcd endpoints). */
export interface ClusterInput {
  readonly inventory: Inventory;
  /** Resolved vars and gathered facts of every host that has them. */
  readonly hosts: ReadonlyMap<string, { readonly vars?: unknown; readonly facts?: HostFacts }>;
  /** Checksum file url → the hex digest it holds, for each that could be fetched. */
  readonly checksums: ReadonlyMap<string, string>;
  /** url → controller path of each artifact downloaded into the cache. */
  readonly artifacts: ReadonlyMap<string, string>;
  /** The controller cache the artifacts are in. */
  readonly cacheDir: string;
}

/**
 * A problem the modules found in a host's variables, before any connection:
 * the variable (a path below it, e.g. `dockerd_settings_user.mtu`), the
 * layer that set it (a VarLayer origin), and what is wrong and expected.
 */
export interface VarProblem {
  readonly variable?: string;
  readonly origin?: string;
  readonly message: string;
}

/** A file on the controller that a host's resources will read, and the variable that names it. */
export interface ControllerFile {
  readonly path: string;
  readonly variable: string;
  /** The variable listing the file, when it comes from a list. */
  readonly listedIn?: string;
}

/** What the modules can tell about a host before connecting, beyond decoding its variables. */
export interface Preflight {
  readonly problems: readonly VarProblem[];
  /** Controller files to check for existence and readability. */
  readonly files: readonly ControllerFile[];
}

/** The modules, reduced to what the CLI calls. */
export interface Modules {
  /**
   * The inventory groups whose hosts the modules declare resources for: a
   * host in none of them is declared nothing, and plan says so, naming these.
   */
  readonly groups?: readonly string[];
  /** A host's variables from its layers (lowest first), or every problem in them. */
  resolveVars(layers: readonly VarLayer[], host: string): Either<readonly VarProblem[], unknown>;
  /**
   * Checks that need the host's groups and resolved variables but no
   * connection (host name rules, controller files); absent when there are none.
   */
  preflight?(host: string, groups: readonly string[], vars: unknown): Preflight;
  /** Checksum files the controller fetches before planning this host (in these inventory groups). */
  checksumUrls(vars: unknown, groups: readonly string[]): readonly string[];
  /** Artifacts the controller downloads for this host (tend_download_mode: controller), else none. */
  controllerArtifacts(
    vars: unknown,
    checksums: ReadonlyMap<string, string>,
    groups: readonly string[],
  ): readonly Artifact[];
  /** Hosts whose facts the given hosts' resources need (e.g. every k8s_etcd host). */
  factHosts(
    inventory: Inventory,
    hosts: readonly string[],
    layersOf: (host: string) => readonly VarLayer[],
  ): readonly string[];
  /** The resources of one host. */
  resources(host: string, cluster: ClusterInput): Either<readonly string[], readonly Resource[]>;
  /** The health gates the modules declare for a host with these resources (a rollout waits for them). */
  healthGates?(host: string, cluster: ClusterInput, resources: readonly Resource[]): readonly HealthGate[];
}

/** Opens the target for a connection; the error is one line naming the host. */
export type OpenTarget = (connection: Connection) => Promise<Either<string, Target>>;

/** Everything main() depends on beyond its arguments and io. */
export interface Deps {
  readonly modules: Modules;
  readonly openTarget: OpenTarget;
  readonly fetch: Fetch;
  /** Controller-side cache for artifacts. */
  readonly cacheDir: string;
  /** The login user when ansible_user is not set. */
  readonly user: string;
  /** The name of the machine tend runs on (for --local without an inventory). */
  readonly localHost: string;
  /** Waits between health gate retries (default: real time); tests pass one that does not wait. */
  readonly sleep?: (ms: number) => Promise<void>;
}
