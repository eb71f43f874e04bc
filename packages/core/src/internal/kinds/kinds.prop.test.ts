/**
 * Properties of every kind family:
 * - minimality: when the facts already match the props, diff is noop and
 *   there are no ops;
 * - ops are empty iff the action is noop (or the change is refused);
 * - for the path and account kinds, applying the ops to a model of the host
 *   and diffing again gives noop (the ops fix every difference).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Op } from "../op.js";
import type { FileFact, GroupFact, ManifestFact, ProbeResult, UserFact } from "../probe.js";
import { archiveKind } from "./archive.js";
import { commandKind } from "./command.js";
import { refusal, sha256Hex, under, utf8Bytes } from "./common.js";
import { directoryKind } from "./directory.js";
import { downloadKind } from "./download.js";
import { etcdKeyKind } from "./etcdKey.js";
import { type Evaluation, evaluate, regularFact } from "./evaluate.js";
import { fileKind } from "./file.js";
import { groupKind } from "./group.js";
import { kmodKind } from "./kmod.js";
import { packageKind } from "./package.js";
import { serviceKind } from "./service.js";
import { swapKind, withoutSwap } from "./swap.js";
import { sysctlKind } from "./sysctl.js";
import { unitKind } from "./unit.js";
import { userKind } from "./user.js";

/** The shared promise: no change ⇔ no ops, except a refused change, which has none either. */
const opsIffChange = (r: Evaluation): void => {
  if (refusal(r.diff) !== undefined) expect(r.ops).toEqual([]);
  else expect(r.ops.length === 0).toBe(r.diff.action === "noop");
  expect(r.diff.action === "noop").toBe(r.diff.fields.length === 0);
};

const noop = (r: Evaluation): void => {
  expect(r.diff.action).toBe("noop");
  expect(r.diff.fields).toEqual([]);
  expect(r.ops).toEqual([]);
};

const mode = fc.constantFrom(0o600, 0o640, 0o644, 0o700, 0o750, 0o755);
const who = fc.constantFrom("root", "kube", "docker");
const attrs = fc.record({ mode, owner: who, group: who });
const text = fc.string({ maxLength: 40 });
const path = fc.constantFrom("/etc/x.conf", "/var/lib/kubelet/config.yaml", "/opt/cni/net.json");

const fileFact = fc.oneof(
  fc.constant<FileFact>({ type: "absent" }),
  fc.constant<FileFact>({ type: "link", target: "/elsewhere" }),
  fc.constant<FileFact>({ type: "other" }),
  attrs.map((a): FileFact => ({ type: "dir", ...a })),
  fc.tuple(text, attrs).map(([c, a]) => regularFact(c, a) as FileFact),
);

/** A one-path host model: what the file ops leave at that path. */
const applyFileOps = (fact: FileFact, ops: readonly Op[], blobs: ReadonlyMap<string, string>): FileFact => {
  let f = fact;
  for (const op of ops) {
    if (op.op === "remove") f = { type: "absent" };
    else if (op.op === "mkdir") f = { type: "dir", mode: op.mode, owner: op.owner, group: op.group };
    else if (op.op === "writeFile") f = regularFact(blobs.get(op.blob) ?? "", op) as FileFact;
    else if (op.op === "setAttrs" && (f.type === "file" || f.type === "dir"))
      f = {
        ...f,
        ...(op.mode !== undefined ? { mode: op.mode } : {}),
        ...(op.owner ? { owner: op.owner } : {}),
        ...(op.group ? { group: op.group } : {}),
      };
    else throw new Error(`unexpected op ${op.op}`);
  }
  return f;
};

describe("path kinds", () => {
  it("directory: matching facts → noop; any facts → ops iff change; ops converge", () => {
    fc.assert(
      fc.property(attrs, path, fileFact, (a, p, f) => {
        noop(evaluate(directoryKind, p, a, [{ type: "dir", ...a }]));
        const r = evaluate(directoryKind, p, a, [f]);
        opsIffChange(r);
        if (refusal(r.diff) === undefined)
          noop(evaluate(directoryKind, p, a, [applyFileOps(f, r.ops, new Map())]));
      }),
    );
  });

  it("file: matching facts → noop; any facts → ops iff change; ops converge", () => {
    fc.assert(
      fc.property(attrs, text, path, fc.boolean(), fileFact, (a, c, p, sensitive, f) => {
        const props = { ...a, content: c, sensitive };
        noop(evaluate(fileKind, p, props, [regularFact(c, { ...a, read: !sensitive })]));
        const r = evaluate(fileKind, p, props, [f]);
        opsIffChange(r);
        if (refusal(r.diff) === undefined) {
          const after = applyFileOps(f, r.ops, new Map([[sha256Hex(utf8Bytes(c)), c]]));
          noop(evaluate(fileKind, p, props, [after]));
        }
      }),
    );
  });

  it("unit: matching facts → noop; any facts → ops iff change", () => {
    fc.assert(
      fc.property(text, fileFact, (c, f) => {
        noop(evaluate(unitKind, "x.service", { content: c }, [regularFact(c)]));
        opsIffChange(evaluate(unitKind, "x.service", { content: c }, [f]));
      }),
    );
  });

  it("download: matching facts → noop; any facts → ops iff change", () => {
    fc.assert(
      fc.property(
        attrs,
        text,
        fc.boolean(),
        fc.webUrl(),
        fileFact,
        fileFact,
        (a, c, checked, url, f, rec) => {
          const checksum = checked ? { algo: "sha256", hex: sha256Hex(c) } : null;
          const props = { ...a, url, checksum };
          noop(
            evaluate(downloadKind, "/usr/local/bin/x", props, [regularFact(c, a), regularFact(`${url}\n`)]),
          );
          opsIffChange(evaluate(downloadKind, "/usr/local/bin/x", props, [f, rec]));
        },
      ),
    );
  });

  it("archive: a manifest of this source with every declared member intact → noop; any manifest → ops iff change", () => {
    const member = fc.constantFrom("docker", "dockerd", "runc", "bin/ctr");
    const manifestOf = (source: string, paths: string[], ok: boolean[]): ManifestFact => ({
      exists: true,
      source,
      members: paths.map((p, i) => ({ path: p, sha256: "0".repeat(64), ok: ok[i] ?? true })),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(member, { minLength: 1 }),
        fc.boolean(),
        fc.array(fc.boolean()),
        fc.constantFrom("a".repeat(64), "b".repeat(64)),
        (ms, declare, oks, recorded) => {
          const props = {
            dest: "/usr/local/bin",
            url: "http://127.0.0.1/x.tgz",
            checksum: { algo: "sha256", hex: "a".repeat(64) },
            ...(declare ? { members: ms } : {}),
          };
          const paths = ms.map((m) => under("/usr/local/bin", m));
          noop(evaluate(archiveKind, "docker", props, [manifestOf("a".repeat(64), paths, [])]));
          opsIffChange(evaluate(archiveKind, "docker", props, [manifestOf(recorded, paths.slice(1), oks)]));
          opsIffChange(evaluate(archiveKind, "docker", props, [{ exists: false }]));
        },
      ),
    );
  });
});

/** An account model: what useradd/usermod/groupadd/groupmod leave. */
const applyUserOps = (u: UserFact, ops: readonly Op[], gids: ReadonlyMap<string, number>): UserFact => {
  let f = u;
  for (const op of ops) {
    // A mkdir makes the declared home: the home fact, not the account.
    if (op.op === "mkdir") continue;
    if (op.op !== "useradd" && op.op !== "usermod") throw new Error(`unexpected op ${op.op}`);
    const base: UserFact = f.exists
      ? f
      : { exists: true, uid: 1000, gid: 1000, home: "/home/u", shell: "/bin/sh", groups: [] };
    f = {
      ...base,
      ...(op.uid !== undefined ? { uid: op.uid } : {}),
      ...(op.group !== undefined ? { gid: gids.get(op.group) ?? -1 } : {}),
      ...(op.groups !== undefined ? { groups: op.groups } : {}),
      ...(op.shell !== undefined ? { shell: op.shell } : {}),
      ...(op.home !== undefined ? { home: op.home } : {}),
    };
  }
  return f;
};

describe("account kinds", () => {
  const groupName = fc.constantFrom("docker", "adm", "kube");
  const userProps = fc.record(
    {
      uid: fc.integer({ min: 0, max: 2000 }),
      group: groupName,
      groups: fc.uniqueArray(groupName),
      shell: fc.constantFrom("/bin/sh", "/usr/sbin/nologin"),
      home: fc.constantFrom("/home/u", "/var/lib/docker"),
    },
    { requiredKeys: [] },
  );
  const userFact = fc.oneof(
    fc.constant<UserFact>({ exists: false }),
    fc.record({
      exists: fc.constant(true as const),
      uid: fc.integer({ min: 0, max: 2000 }),
      gid: fc.constantFrom(10, 666, 1000),
      home: fc.constantFrom("/home/u", "/var/lib/docker"),
      shell: fc.constantFrom("/bin/sh", "/usr/sbin/nologin"),
      groups: fc.uniqueArray(groupName),
    }),
  );
  const gids = new Map([
    ["docker", 666],
    ["adm", 10],
    ["kube", 1000],
  ]);
  const groupFactOf = (g: string | undefined): GroupFact[] =>
    g === undefined ? [] : [{ exists: true, gid: gids.get(g) ?? 0, members: [] }];
  /** The group facts a user probes: its primary group, else each listed group. */
  const groupFactsOf = (p: { group?: string; groups?: string[] }): GroupFact[] =>
    p.group !== undefined ? groupFactOf(p.group) : (p.groups ?? []).flatMap(groupFactOf);

  /** The answer about a declared home: a directory, or absent (the account was made without it). */
  const homeFactOf = (p: { home?: string }, exists: boolean): ProbeResult[] =>
    p.home === undefined
      ? []
      : [exists ? { type: "dir", mode: 0o755, owner: "u", group: "u" } : { type: "absent" }];

  it("user: any facts → ops iff change, and the ops converge", () => {
    fc.assert(
      fc.property(userProps, userFact, fc.boolean(), (p, u, home) => {
        const facts: ProbeResult[] = [u, ...groupFactsOf(p), ...homeFactOf(p, home)];
        const r = evaluate(userKind, "u", p, facts);
        opsIffChange(r);
        // useradd -m and the mkdir both leave the home there.
        const made = home || r.ops.some((o) => o.op === "useradd" || o.op === "mkdir");
        noop(
          evaluate(userKind, "u", p, [
            applyUserOps(u, r.ops, gids),
            ...groupFactsOf(p),
            ...homeFactOf(p, made),
          ]),
        );
      }),
    );
  });

  it("group: a group with the declared gid → noop; any facts → ops iff change", () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 0, max: 70000 }), { nil: undefined }),
        fc.integer({ min: 0, max: 70000 }),
        fc.boolean(),
        (gid, have, exists) => {
          const props = gid === undefined ? {} : { gid };
          noop(evaluate(groupKind, "g", props, [{ exists: true, gid: gid ?? have, members: [] }]));
          opsIffChange(
            evaluate(groupKind, "g", props, [
              exists ? { exists: true, gid: have, members: [] } : { exists: false },
            ]),
          );
        },
      ),
    );
  });
});

describe("system kinds", () => {
  const active = fc.constantFrom("active", "inactive", "failed", "activating", "reloading");
  const enabled = fc.constantFrom("enabled", "disabled", "static", "");

  it("service: the state it declares → noop; any state → ops iff change", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.constantFrom("running", "stopped"), active, enabled, (en, state, a, e) => {
        const props = { enabled: en, state };
        const matching = {
          load: "loaded",
          active: state === "running" ? "active" : "inactive",
          enabled: en ? "enabled" : "disabled",
        };
        noop(evaluate(serviceKind, "s", props, [matching]));
        opsIffChange(evaluate(serviceKind, "s", props, [{ load: "loaded", active: a, enabled: e }]));
      }),
    );
  });

  it("sysctl: runtime and file at the value → noop; anything else → ops iff change", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9]{1,5}$/),
        fc.boolean(),
        fc.option(fc.stringMatching(/^[0-9]{1,5}$/), { nil: null }),
        fileFact,
        (v, persist, have, f) => {
          const key = "net.ipv4.ip_forward";
          const props = { value: v, persist };
          const file = persist ? [regularFact(`${key} = ${v}\n`)] : [];
          noop(evaluate(sysctlKind, key, props, [{ value: v }, ...file]));
          opsIffChange(evaluate(sysctlKind, key, props, [{ value: have }, ...(persist ? [f] : [])]));
        },
      ),
    );
  });

  it("kmod: loaded (or built in) with its file → noop; anything else → ops iff change", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.boolean(), fileFact, (persist, loaded, builtin, f) => {
        const file = persist ? [regularFact("m\n")] : [];
        noop(evaluate(kmodKind, "m", { persist }, [{ loaded: true, builtin, persisted: persist }, ...file]));
        opsIffChange(
          evaluate(kmodKind, "m", { persist }, [
            { loaded, builtin, persisted: false },
            ...(persist ? [f] : []),
          ]),
        );
      }),
    );
  });

  it("swap: no active swap and no swap lines → noop; any fstab → ops iff change", () => {
    const line = fc.constantFrom(
      "UUID=1 / ext4 defaults 0 1",
      "/swapfile none swap sw 0 0",
      "# comment",
      "",
      "/dev/sdb2 none swap defaults 0 0",
    );
    fc.assert(
      fc.property(fc.array(line), fc.array(fc.constantFrom("/swapfile", "/dev/sdb2")), (lines, act) => {
        const fstab = lines.join("\n");
        noop(evaluate(swapKind, "off", {}, [{ active: [] }, regularFact(withoutSwap(fstab))]));
        const r = evaluate(swapKind, "off", {}, [{ active: act }, regularFact(fstab)]);
        opsIffChange(r);
        // Every writeFile names a blob the kind derived.
        for (const op of r.ops) if (op.op === "writeFile") expect(r.derived.has(op.blob)).toBe(true);
      }),
    );
  });

  it("package: installed → noop; not installed → one install", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("apt", "dnf"),
        fc.option(fc.constantFrom("1.0", "2:4.1-1"), { nil: null }),
        (m, v) => {
          noop(evaluate(packageKind, "socat", { manager: m }, [{ version: "1.0" }]));
          opsIffChange(evaluate(packageKind, "socat", { manager: m }, [{ version: v }]));
        },
      ),
    );
  });
});

describe("exec kinds", () => {
  const json = fc.dictionary(
    fc.constantFrom("Network", "Backend", "Type"),
    fc.oneof(fc.string({ maxLength: 5 }), fc.integer()),
    { minKeys: 1 },
  );

  it("etcdKey: the value read back (re-ordered, re-spaced JSON) → noop; any read → ops iff change", () => {
    const props = (value: string, api: string) => ({
      value,
      api,
      etcdctl: "/bin/etcdctl",
      endpoints: "https://127.0.0.1:2379",
      caFile: "a",
      certFile: "b",
      keyFile: "c",
    });
    fc.assert(
      fc.property(
        json,
        fc.constantFrom("v2", "v3"),
        fc.integer({ min: 0, max: 4 }),
        fc.string(),
        (obj, api, code, out) => {
          const value = JSON.stringify(obj);
          const reordered = JSON.stringify(Object.fromEntries(Object.entries(obj).reverse()), null, 2);
          noop(evaluate(etcdKeyKind, "/k", props(value, api), [{ exitCode: 0, stdout: `${reordered}\n` }]));
          opsIffChange(evaluate(etcdKeyKind, "/k", props(value, api), [{ exitCode: code, stdout: out }]));
        },
      ),
    );
  });

  it("command: any guard that holds → noop; all guards for running → one exec", () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 2 }),
        fc.boolean(),
        (u, o, c, ue, oe, exists) => {
          const props = {
            argv: ["x"],
            ...(u ? { unless: ["u"] } : {}),
            ...(o ? { onlyIf: ["o"] } : {}),
            ...(c ? { creates: "/c" } : {}),
          };
          const facts: ProbeResult[] = [
            ...(u ? [{ exitCode: ue, stdout: "" }] : []),
            ...(o ? [{ exitCode: oe, stdout: "" }] : []),
            ...(c ? [exists ? regularFact("") : ({ type: "absent" } as const)] : []),
          ];
          const r = evaluate(commandKind, "c", props, facts);
          opsIffChange(r);
          const runs = (!u || ue !== 0) && (!o || oe === 0) && (!c || !exists);
          expect(r.ops).toEqual(runs ? [{ op: "exec", argv: ["x"] }] : []);
        },
      ),
    );
  });
});
