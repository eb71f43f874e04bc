/**
 * How SimHost answers each probe, read from a SimState. The semantics are the
 * ones ShellTarget's probe script has on a real host (see README.md).
 */
import {
  type CheckFact,
  CONTENT_LIMIT,
  type FactOf,
  type FileFact,
  type KmodFact,
  type ManifestFact,
  type Probe,
  type ProbeResult,
  type UnitFact,
} from "../probe.js";
import { evalReadOnly } from "./commands.js";
import { parseManifest } from "./manifest.js";
import { type SimState, UNIT_DIRS } from "./state.js";
import { digest, fileBytes, filesIn, lookup, own, shownName } from "./vfs.js";

/** Lookup that reports a path it cannot resolve (link loop) as absent, as stat failing does. */
const entryAt = (state: SimState, path: string, follow: boolean) => {
  try {
    return lookup(state.files, path, follow);
  } catch {
    return undefined;
  }
};

/** lstat of a path, with the digest and bytes of a regular file when asked. */
export const fileFact = (
  state: SimState,
  probe: { path: string; hash?: "sha256" | "sha512"; content?: boolean },
): FileFact => {
  const e = entryAt(state, probe.path, false);
  if (e === undefined) return { type: "absent" };
  if (e.type === "link") return { type: "link", target: e.target };
  const owner = shownName(e.owner, state.users, "uid");
  const group = shownName(e.group, state.groups, "gid");
  if (e.type === "dir") return { type: "dir", mode: e.mode, owner, group };
  const bytes = fileBytes(e);
  return {
    type: "file",
    mode: e.mode,
    owner,
    group,
    size: bytes.length,
    ...(probe.hash ? { hash: digest(probe.hash, bytes) } : {}),
    ...(probe.content && bytes.length <= CONTENT_LIMIT ? { contentBase64: e.content } : {}),
  };
};

/** The unit file systemd would load for `unit`, in order of precedence, or undefined. */
export const unitFilePath = (state: SimState, unit: string): string | undefined =>
  UNIT_DIRS.map((d) => `${d}/${unit}`).find((p) => entryAt(state, p, true)?.type === "file");

/**
 * Whether a unit file has nothing to enable: no WantedBy/RequiredBy/UpheldBy/
 * Alias in an [Install] section. systemctl calls such a unit "static" and
 * `enable` leaves it so.
 */
export const isStaticUnit = (state: SimState, unit: string): boolean => {
  const path = unitFilePath(state, unit);
  const e = path === undefined ? undefined : entryAt(state, path, true);
  if (e?.type !== "file") return false;
  let section = "";
  for (const raw of fileBytes(e).toString("utf8").split("\n")) {
    const line = raw.trim();
    if (line.startsWith("[")) section = line;
    else if (section === "[Install]" && /^(WantedBy|RequiredBy|UpheldBy|Alias)\s*=\s*\S/.test(line))
      return false;
  }
  return true;
};

const unitFact = (state: SimState, unit: string): UnitFact => {
  const svc = own(state.services, unit);
  const loaded = unitFilePath(state, unit) !== undefined;
  const enabled = !loaded ? "" : isStaticUnit(state, unit) ? "static" : (svc?.enabled ?? "disabled");
  return { load: loaded ? "loaded" : "not-found", active: svc?.active ?? "inactive", enabled };
};

/** Module names compare with "-" and "_" alike, as modprobe treats them. */
export const kmodName = (name: string): string => name.replace(/-/g, "_");

const kmodFact = (state: SimState, name: string): KmodFact => {
  const n = kmodName(name);
  const has = (list: readonly string[]) => list.some((m) => kmodName(m) === n);
  const persisted = filesIn(state.files, "/etc/modules-load.d")
    .filter((p) => p.endsWith(".conf"))
    .some((p) => {
      const e = entryAt(state, p, true);
      if (e?.type !== "file") return false;
      return fileBytes(e)
        .toString("utf8")
        .split("\n")
        .some((line) => kmodName(line) === n);
    });
  const [loaded, builtin] = [has(state.kmods.loaded), has(state.kmods.builtin)];
  // Like the shell probe: only a module neither loaded nor built in is looked for on disk.
  return { loaded, builtin, persisted, available: loaded || builtin || has(state.kmods.loadable) };
};

/** Parses the manifest at `path` and re-hashes every member on the (simulated) host. */
const manifestFact = (state: SimState, path: string): ManifestFact => {
  const e = entryAt(state, path, true);
  if (e?.type !== "file") return { exists: false };
  const { source, members } = parseManifest(fileBytes(e).toString("utf8"));
  return {
    exists: true,
    source,
    members: members.map((m) => {
      const f = entryAt(state, m.path, true);
      return {
        path: m.path,
        sha256: m.sha256,
        ok: f?.type === "file" && digest("sha256", fileBytes(f)) === m.sha256,
      };
    }),
  };
};

const checkFact = (state: SimState, argv: readonly string[]): CheckFact => {
  const r = evalReadOnly(state, argv);
  // The real probe caps stdout at CONTENT_LIMIT bytes.
  const bytes = Buffer.from(r.stdout, "utf8");
  const stdout = bytes.length > CONTENT_LIMIT ? bytes.subarray(0, CONTENT_LIMIT).toString("utf8") : r.stdout;
  return { exitCode: r.exitCode, stdout };
};

/** Answers one probe from `state`, typed by the probe's kind. Pure. */
export const answerProbe = <P extends Probe>(state: SimState, probe: P): FactOf[P["type"]] =>
  answer(state, probe) as FactOf[P["type"]];

const answer = (state: SimState, probe: Probe): ProbeResult => {
  switch (probe.type) {
    case "file":
      return fileFact(state, probe);
    case "unit":
      return unitFact(state, probe.name);
    case "sysctl":
      // Whitespace runs collapse, as `sysctl -n` shows multi-value keys.
      return { value: own(state.sysctls, probe.key)?.replace(/\s+/g, " ").trim() ?? null };
    case "kmod":
      return kmodFact(state, probe.name);
    case "user": {
      const u = own(state.users, probe.name);
      if (u === undefined) return { exists: false };
      // Supplementary groups in /etc/group order, as `id -Gn` lists them. Ops keep
      // `user.groups` and `group.members` in step; a hand-built state may set either.
      // `id -Gn` minus the primary group, as ShellTarget reads it.
      const primary = Object.entries(state.groups).find(([, g]) => g.gid === u.gid)?.[0];
      const groups = Object.entries(state.groups)
        .filter(([n, g]) => n !== primary && (g.members.includes(probe.name) || u.groups.includes(n)))
        .map(([n]) => n);
      return { exists: true, uid: u.uid, gid: u.gid, home: u.home, shell: u.shell, groups };
    }
    case "group": {
      const g = own(state.groups, probe.name);
      return g === undefined ? { exists: false } : { exists: true, gid: g.gid, members: [...g.members] };
    }
    case "package":
      return { version: own(state.packages, probe.name) ?? null };
    case "swap":
      return { active: [...state.swap] };
    case "manifest":
      return manifestFact(state, probe.path);
    case "check":
      return checkFact(state, probe.argv);
  }
};
