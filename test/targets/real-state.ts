/**
 * The real side of the differential test: the state of a real host read with
 * its own tools (find, sha256sum, getent, id, systemctl, dpkg-query) through
 * a Transport, in the shape of `comparableState` from @tend/core/testing, and
 * a SimState seeded from the same host so both sides start equal.
 */
import type { Transport } from "@tend/core";
import {
  type ComparableFile,
  type ComparableHostState,
  freshDebianHost,
  type SimState,
} from "@tend/core/testing";
import * as E from "fp-ts/lib/Either.js";

/** What to read: files at or under `paths`, and the named accounts, units and packages. */
export interface ReadScope {
  readonly paths: readonly string[];
  readonly users: readonly string[];
  readonly groups: readonly string[];
  readonly units: readonly string[];
  readonly packages: readonly string[];
}

const exec = async (t: Transport, script: string, env: Record<string, string> = {}): Promise<string> => {
  const r = await t.exec({ script, env, timeoutMs: 120_000 });
  if (E.isLeft(r)) throw new Error(`${t.host}: ${JSON.stringify(r.left)}`);
  if (r.right.exitCode !== 0)
    throw new Error(`${t.host}: exit ${r.right.exitCode}: ${Buffer.from(r.right.stderr).toString()}`);
  return Buffer.from(r.right.stdout).toString("utf8");
};

/** Fixed sh text: backslashes kept as written, `\${` written for sh's own `${`; takes no substitutions. */
const sh = (s: TemplateStringsArray): string => s.raw.join("").replaceAll("\\${", "${");

// Names travel in env vars (space separated; the tests use plain names), never spliced into the script.
const READ = sh`
for p in $R_PATHS; do
  if [ -e "$p" ] || [ -L "$p" ]; then
    find "$p" -printf 'F\t%p\t%y\t%m\t%u\t%g\t%l\n'
    find "$p" -type f -exec sha256sum {} + | sed 's/^\([0-9a-f]*\)  /H\t\1\t/'
  fi
done
for u in $R_USERS; do
  if e=$(getent passwd "$u"); then printf 'U\t%s\t%s\t%s\n' "$e" "$(id -gn "$u")" "$(id -Gn "$u")"; fi
done
for g in $R_GROUPS; do
  if e=$(getent group "$g"); then printf 'G\t%s\n' "$e"; fi
done
for u in $R_UNITS; do
  printf 'S\t%s\t%s\t%s\n' "$u" "$(systemctl show -p ActiveState --value "$u")" "$(systemctl is-enabled "$u" 2>/dev/null)"
done
for p in $R_PKGS; do
  v=$(dpkg-query -W -f '\${Status} \${Version}' "$p" 2>/dev/null | sed -n 's/^install ok installed //p')
  if [ -n "$v" ]; then printf 'P\t%s\t%s\n' "$p" "$v"; fi
done
`;

const byKey = <V>(entries: [string, V][]): Record<string, V> =>
  Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Reads `scope` from the host in one exec, shaped like comparableState's result. */
export const readRealState = async (t: Transport, scope: ReadScope): Promise<ComparableHostState> => {
  const out = await exec(t, READ, {
    R_PATHS: scope.paths.join(" "),
    R_USERS: scope.users.join(" "),
    R_GROUPS: scope.groups.join(" "),
    R_UNITS: scope.units.join(" "),
    R_PKGS: scope.packages.join(" "),
  });
  const rows = out
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("\t"));
  const hashes = new Map(rows.filter((r) => r[0] === "H").map((r) => [r[2] as string, r[1] as string]));
  const files: [string, ComparableFile][] = rows
    .filter((r) => r[0] === "F")
    .map(([, path = "", type, mode = "", owner = "", group = "", target = ""]): [string, ComparableFile] => {
      const attrs = { mode: Number.parseInt(mode, 8), owner, group };
      if (type === "l") return [path, { type: "link", target }];
      if (type === "d") return [path, { type: "dir", ...attrs }];
      if (type === "f") return [path, { type: "file", sha256: hashes.get(path) ?? "?", ...attrs }];
      throw new Error(`unexpected file type ${type} at ${path}`);
    });
  const users = rows
    .filter((r) => r[0] === "U")
    .map(([, entry = "", primary = "", all = ""]) => {
      const [name = "", , uid, gid, , home = "", shell = ""] = entry.split(":");
      const groups = [...new Set(all.split(" ").filter((g) => g !== "" && g !== primary))].sort();
      return [name, { uid: Number(uid), gid: Number(gid), home, shell, groups }] as [
        string,
        ComparableHostState["users"][string],
      ];
    });
  const groups = rows
    .filter((r) => r[0] === "G")
    .map(([, entry = ""]) => {
      const [name = "", , gid, members = ""] = entry.split(":");
      return [
        name,
        {
          gid: Number(gid),
          members: members
            .split(",")
            .filter((m) => m !== "")
            .sort(),
        },
      ] as [string, ComparableHostState["groups"][string]];
    });
  const services = rows
    .filter((r) => r[0] === "S")
    .map(
      ([, unit = "", active = "", enabled = ""]) =>
        [unit, { active, enabled: enabled === "not-found" ? "" : enabled }] as [
          string,
          { active: string; enabled: string },
        ],
    );
  const packages = rows
    .filter((r) => r[0] === "P")
    .map(([, name = "", version = ""]) => [name, version] as [string, string]);
  return {
    files: byKey(files),
    users: byKey(users),
    groups: byKey(groups),
    services: byKey(services),
    packages: byKey(packages),
  };
};

const SEED = sh`
getent passwd | sed 's/^/U\t/'
getent group | sed 's/^/G\t/'
dpkg-query -W -f '\${Package}\t\${Status}\t\${Version}\n' | sed -n 's/^\([^\t]*\)\tinstall ok installed\t/I\t\1\t/p'
cat /var/lib/apt/lists/*_Packages | sed -n -e 's/^Package: /A\t/p' -e 's/^Version: /V\t/p'
find /etc/skel -type f | while IFS= read -r f; do printf 'K\t%s\t%s\t%s\n' "$f" "$(stat -c %a "$f")" "$(base64 -w0 < "$f")"; done
for k in $R_SYSCTLS; do printf 'S\t%s\t%s\n' "$k" "$(cat "/proc/sys/$(printf '%s' "$k" | tr . /)")"; done
`;

/**
 * A SimState that holds what the real host holds of what the differential
 * test touches: every account (so id allocation starts from the same place),
 * the files of /etc/skel,
 * installed and installable packages with their real versions, and the
 * current values of `sysctls`. The rest is freshDebianHost's.
 */
export const seedFromReal = async (t: Transport, sysctls: readonly string[]): Promise<SimState> => {
  const rows = (await exec(t, SEED, { R_SYSCTLS: sysctls.join(" ") }))
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("\t"));
  const members = new Map<string, string[]>();
  const groups: SimState["groups"] = Object.fromEntries(
    rows
      .filter((r) => r[0] === "G")
      .map(([, e = ""]) => {
        const [name = "", , gid, list = ""] = e.split(":");
        const m = list.split(",").filter((x) => x !== "");
        for (const u of m) members.set(u, [...(members.get(u) ?? []), name]);
        return [name, { gid: Number(gid), members: m }];
      }),
  );
  const users: SimState["users"] = Object.fromEntries(
    rows
      .filter((r) => r[0] === "U")
      .map(([, e = ""]) => {
        const [name = "", , uid, gid, , home = "", shell = ""] = e.split(":");
        return [name, { uid: Number(uid), gid: Number(gid), home, shell, groups: members.get(name) ?? [] }];
      }),
  );
  const installed = Object.fromEntries(rows.filter((r) => r[0] === "I").map(([, n = "", v = ""]) => [n, v]));
  const available: Record<string, string> = {};
  let pkg: string | undefined;
  for (const [tag, value = ""] of rows) {
    if (tag === "A") pkg = value;
    else if (tag === "V" && pkg !== undefined) available[pkg] = value;
  }
  const values = Object.fromEntries(rows.filter((r) => r[0] === "S").map(([, k = "", v = ""]) => [k, v]));
  const base = freshDebianHost();
  // useradd -m copies /etc/skel: the sim's stand-ins give way to the real bytes.
  const files = Object.fromEntries(Object.entries(base.files).filter(([p]) => !p.startsWith("/etc/skel/")));
  for (const [, path = "", mode = "", b64 = ""] of rows.filter((r) => r[0] === "K"))
    files[path] = {
      type: "file",
      content: b64,
      mode: Number.parseInt(mode, 8),
      owner: "root",
      group: "root",
    };
  return {
    ...base,
    files,
    users,
    groups,
    packages: installed,
    available: { ...base.available, packages: { ...available, ...installed } },
    sysctls: { ...base.sysctls, ...values },
  };
};
