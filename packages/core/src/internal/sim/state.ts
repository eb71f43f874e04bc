/**
 * SimState: the whole of a simulated Linux host as plain, immer-managed data.
 * Everything SimHost answers or changes lives here, so a test can build a
 * host, run ops against it and compare states structurally.
 */

/** A regular file; `content` is base64 so the state stays plain JSON. */
export interface SimRegularFile {
  readonly type: "file";
  readonly content: string;
  readonly mode: number;
  readonly owner: string;
  readonly group: string;
}

/** A directory. Its children are the entries whose path starts with `<path>/`. */
export interface SimDir {
  readonly type: "dir";
  readonly mode: number;
  readonly owner: string;
  readonly group: string;
}

/** A symbolic link; `target` is kept verbatim (absolute or relative to the link's directory). */
export interface SimLink {
  readonly type: "link";
  readonly target: string;
}

export type SimFile = SimRegularFile | SimDir | SimLink;

/** A passwd entry; `groups` are the supplementary groups (kept in step with `SimGroup.members`). */
export interface SimUser {
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
  readonly groups: readonly string[];
}

/** A group entry; `members` lists users that have it as a supplementary group. */
export interface SimGroup {
  readonly gid: number;
  readonly members: readonly string[];
}

export interface SimService {
  readonly active: "active" | "inactive" | "failed";
  readonly enabled: "enabled" | "disabled";
  /** The `history.clock` of its last start or restart (absent: running since before the history). */
  readonly startedAt?: number;
  /** sha256 of the unit systemd had loaded when it last started: the unit it runs with. */
  readonly startedUnit?: string;
}

/**
 * Generations, for checking that no restart is lost: every op that takes
 * effect ticks `clock`; `changedAt` holds the tick at which a path's content
 * was last written or removed (by writeFile, download, extract or remove).
 * A service whose cause changed after its `startedAt` runs stale code or config.
 */
export interface SimHistory {
  readonly clock: number;
  readonly changedAt: Readonly<Record<string, number>>;
}

/** What the host knows about itself: the source of `hostFacts()`. */
export interface SimHostInfo {
  readonly hostname: string;
  readonly os: {
    readonly family: string;
    readonly id: string;
    readonly versionId: string;
    readonly prettyName: string;
  };
  readonly kernel: string;
  readonly arch: string;
  readonly interfaces: readonly { readonly name: string; readonly ipv4: readonly string[] }[];
  readonly init: string;
  readonly downloaders: readonly string[];
  readonly packageManager: "apt" | "dnf" | null;
  readonly user: string;
}

export interface SimState {
  /** Canonical absolute path → entry. Always holds "/" and every parent of every entry. */
  readonly files: Readonly<Record<string, SimFile>>;
  readonly users: Readonly<Record<string, SimUser>>;
  readonly groups: Readonly<Record<string, SimGroup>>;
  /** Installed packages: name → version. */
  readonly packages: Readonly<Record<string, string>>;
  /** What the package repository and the "network" can provide. */
  readonly available: {
    readonly packages: Readonly<Record<string, string>>;
    /** url → base64 body. A url not listed answers 404. */
    readonly urls: Readonly<Record<string, string>>;
  };
  readonly services: Readonly<Record<string, SimService>>;
  /** Unit name → sha256 (hex) of its unit file as of the last daemon-reload. */
  readonly loadedUnits: Readonly<Record<string, string>>;
  /** Op generations (see SimHistory); absent until the first op. */
  readonly history?: SimHistory;
  /** Kernel parameters that exist, with their values. A key not listed does not exist. */
  readonly sysctls: Readonly<Record<string, string>>;
  readonly kmods: {
    readonly loaded: readonly string[];
    readonly builtin: readonly string[];
    /** Modules that modprobe can find (neither loaded nor built in yet). */
    readonly loadable: readonly string[];
  };
  /** Active swap devices. */
  readonly swap: readonly string[];
  readonly host: SimHostInfo;
}

/** Directories systemd reads unit files from, in order of precedence. */
export const UNIT_DIRS = ["/etc/systemd/system", "/lib/systemd/system"] as const;

const rootDir: SimDir = { type: "dir", mode: 0o755, owner: "root", group: "root" };

/**
 * A host with nothing on it but "/": no users (not even root), no packages,
 * no services. Ops that name an owner fail here until the test adds one.
 */
export const emptySimState = (): SimState => ({
  files: { "/": rootDir },
  users: {},
  groups: {},
  packages: {},
  available: { packages: {}, urls: {} },
  services: {},
  loadedUnits: {},
  sysctls: {},
  kmods: { loaded: [], builtin: [], loadable: [] },
  swap: [],
  host: {
    hostname: "sim",
    os: { family: "other", id: "", versionId: "", prettyName: "" },
    kernel: "",
    arch: "",
    interfaces: [],
    init: "unknown",
    downloaders: [],
    packageManager: null,
    user: "root",
  },
});

/** Every proper ancestor of a canonical absolute path, nearest to "/" first ("/a/b/c" → "/", "/a", "/a/b"). */
export const ancestorsOf = (path: string): string[] => {
  const out: string[] = [];
  if (path === "/") return out;
  const parts = path.split("/").filter((p) => p !== "");
  let cur = "";
  out.push("/");
  for (const part of parts.slice(0, -1)) {
    cur = `${cur}/${part}`;
    out.push(cur);
  }
  return out;
};

/** Adds a 0755 root:root directory for every missing parent, so the state keeps its tree invariant. */
export const withParents = (files: Readonly<Record<string, SimFile>>): Record<string, SimFile> => {
  const out: Record<string, SimFile> = { "/": rootDir, ...files };
  for (const path of Object.keys(files)) {
    for (const parent of ancestorsOf(path)) {
      if (out[parent] === undefined) out[parent] = rootDir;
    }
  }
  return out;
};
