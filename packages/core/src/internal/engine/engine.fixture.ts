/**
 * fast-check arbitraries for engine property tests: resource sets drawn from
 * a small pool (so they collide and depend on each other) and initial
 * SimHost states that already hold some of that pool, right or wrong.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import { downloadRecordPath } from "../kinds/common.js";
import type { Resource } from "../resource.js";
import { freshDebianHost, type SimStateOverrides } from "../sim/debian.js";
import type { SimFile, SimState } from "../sim/state.js";

export const DIRS = ["/srv/t", "/srv/t/a", "/srv/t/a/b", "/srv/t/c"] as const;
export const FILE_NAMES = ["f1", "f2.json", "f3.yaml", "f4"] as const;
export const SERVICES = ["alpha", "beta"] as const;
/** Binaries fetched by downloads, each in three versions served at their own url. */
export const TOOLS = ["tool1", "tool2"] as const;
const toolUrl = (tool: string, variant: number): string => `http://artifacts.example/${tool}-v${variant}`;
const toolBody = (tool: string, variant: number): string => `#!/bin/sh\necho ${tool} v${variant}\n`;
const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");
const MODES = [0o644, 0o600, 0o640, 0o755] as const;

/** A string marked so a leaked secret is easy to find in plan output. */
export const secretArb = fc.string({ minLength: 1, maxLength: 20 }).map((s) => `SECRET<${s}>`);

const contentArb = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.integer()).map((o) => JSON.stringify(o)),
);

export interface Scenario {
  readonly resources: readonly Resource[];
  readonly initial: SimState;
  /** Contents of sensitive files, which must never appear in plan output. */
  readonly secrets: readonly string[];
}

/** A unit file; a static one has no [Install] section (systemd cannot enable it, dependants start it). */
const unitText = (svc: string, variant: number, isStatic = false): string =>
  `[Unit]\nDescription=${svc} v${variant}\n\n[Service]\nExecStart=/usr/local/bin/${svc}\n${isStatic ? "" : "\n[Install]\nWantedBy=multi-user.target\n"}`;

const fileArb = fc.record({
  dir: fc.constantFrom(...DIRS),
  name: fc.constantFrom(...FILE_NAMES),
  content: contentArb,
  secret: fc.option(secretArb, { nil: undefined }),
  mode: fc.constantFrom(...MODES),
  ownedBySvc: fc.boolean(),
  notify: fc.option(fc.constantFrom(...SERVICES), { nil: undefined }),
});

const declaredArb = fc.record({
  dirs: fc
    .subarray([...DIRS])
    .chain((ds) =>
      fc.tuple(
        fc.constant(ds),
        fc.array(fc.constantFrom(...MODES), { minLength: ds.length, maxLength: ds.length }),
      ),
    ),
  files: fc.uniqueArray(fileArb, { maxLength: 6, selector: (f) => `${f.dir}/${f.name}` }),
  svcAccount: fc.boolean(),
  services: fc.uniqueArray(
    fc.record({
      name: fc.constantFrom(...SERVICES),
      variant: fc.nat(2),
      running: fc.boolean(),
      enabled: fc.boolean(),
      isStatic: fc.boolean(),
    }),
    { maxLength: 2, selector: (s) => s.name },
  ),
  downloads: fc.uniqueArray(
    fc.record({
      tool: fc.constantFrom(...TOOLS),
      variant: fc.nat(2),
      checksum: fc.boolean(),
      notify: fc.option(fc.constantFrom(...SERVICES), { nil: undefined }),
    }),
    { maxLength: 2, selector: (d) => d.tool },
  ),
  forward: fc.option(fc.constantFrom("0", "1"), { nil: undefined }),
  packages: fc.subarray(["socat", "ebtables"]),
  kmods: fc.subarray(["overlay", "nf_conntrack"]),
  swapOff: fc.boolean(),
});

const initialArb = fc.record({
  files: fc.array(
    fc.record({
      dir: fc.constantFrom(...DIRS),
      name: fc.constantFrom(...FILE_NAMES),
      content: contentArb,
      mode: fc.constantFrom(...MODES),
    }),
    { maxLength: 4 },
  ),
  dirModes: fc.array(fc.tuple(fc.constantFrom(...DIRS), fc.constantFrom(...MODES)), { maxLength: 2 }),
  unitVariant: fc.array(fc.tuple(fc.constantFrom(...SERVICES), fc.nat(2), fc.boolean(), fc.boolean()), {
    maxLength: 2,
  }),
  forward: fc.constantFrom("0", "1"),
  swap: fc.boolean(),
  svcGroupGid: fc.option(fc.constantFrom(700, 701), { nil: undefined }),
  pending: fc.subarray(SERVICES.map((s) => `${s}.service`)),
  /** The record's format: a bare unit per line (earlier versions) or stamped intents, maybe with a reload. */
  pendingFormat: fc.constantFrom("bare", "stamped", "stamped+reload"),
  /** Units enabled by a link left behind while their unit file is gone. */
  leftoverEnabled: fc.subarray(SERVICES.map((s) => `${s}.service`)),
  /** Tools already installed, at some version (recorded, as a download leaves them). */
  tools: fc.array(fc.tuple(fc.constantFrom(...TOOLS), fc.nat(2)), { maxLength: 2 }),
});

const textFile = (content: string, mode = 0o644): SimFile => ({
  type: "file",
  content: Buffer.from(content, "utf8").toString("base64"),
  mode,
  owner: "root",
  group: "root",
});

/** A scenario: declared resources and a host that already holds some of them. */
export const scenarioArb: fc.Arbitrary<Scenario> = fc.tuple(declaredArb, initialArb).map(([d, init]) => {
  const resources: Resource[] = [];
  const secrets: string[] = [];
  const declaredServices = new Set(d.services.map((s) => s.name));
  d.dirs[0].forEach((path, i) => {
    resources.push({ kind: "directory", name: path, props: { mode: d.dirs[1][i] } });
  });
  if (d.svcAccount || d.files.some((f) => f.ownedBySvc)) {
    resources.push({ kind: "group", name: "svc", props: { gid: 700 } });
    resources.push({
      kind: "user",
      name: "svc",
      props: { uid: 700, group: "svc", shell: "/usr/sbin/nologin" },
    });
  }
  for (const f of d.files) {
    const content = f.secret ?? f.content;
    if (f.secret) secrets.push(f.secret);
    resources.push({
      kind: "file",
      name: `${f.dir}/${f.name}`,
      props: {
        content,
        mode: f.mode,
        ...(f.ownedBySvc ? { owner: "svc", group: "svc" } : {}),
        ...(f.secret ? { sensitive: true } : {}),
      },
      ...(f.notify && declaredServices.has(f.notify) ? { notify: [`service[${f.notify}]`] } : {}),
    });
  }
  for (const s of d.services) {
    resources.push({
      kind: "unit",
      name: `${s.name}.service`,
      props: { content: unitText(s.name, s.variant, s.isStatic) },
      notify: [`service[${s.name}]`],
    });
    resources.push({
      kind: "service",
      name: s.name,
      props: { enabled: s.enabled, state: s.running ? "running" : "stopped" },
    });
  }
  for (const dl of d.downloads) {
    resources.push({
      kind: "download",
      name: `/opt/bin/${dl.tool}`,
      props: {
        url: toolUrl(dl.tool, dl.variant),
        checksum: dl.checksum ? { algo: "sha256", hex: sha256(toolBody(dl.tool, dl.variant)) } : null,
        mode: 0o755,
      },
      ...(dl.notify && declaredServices.has(dl.notify) ? { notify: [`service[${dl.notify}]`] } : {}),
    });
  }
  if (d.forward) resources.push({ kind: "sysctl", name: "net.ipv4.ip_forward", props: { value: d.forward } });
  for (const p of d.packages) resources.push({ kind: "package", name: p, props: {} });
  for (const m of d.kmods) resources.push({ kind: "kmod", name: m, props: {} });
  if (d.swapOff) resources.push({ kind: "swap", name: "off", props: {} });

  const files: Record<string, SimFile> = {};
  for (const [dir, mode] of init.dirModes) files[dir] = { type: "dir", mode, owner: "root", group: "root" };
  for (const f of init.files) files[`${f.dir}/${f.name}`] = textFile(f.content, f.mode);
  const services: Record<string, { active: "active" | "inactive"; enabled: "enabled" | "disabled" }> = {};
  for (const [svc, variant, active, isStatic] of init.unitVariant) {
    files[`/etc/systemd/system/${svc}.service`] = textFile(unitText(svc, variant, isStatic));
    services[`${svc}.service`] = {
      active: active ? "active" : "inactive",
      enabled: active ? "enabled" : "disabled",
    };
  }
  if (init.swap)
    files["/etc/fstab"] = textFile(
      "# /etc/fstab\n/dev/vda1 / ext4 defaults 0 1\n/swapfile none swap sw 0 0\n",
    );
  for (const u of init.leftoverEnabled)
    if (!services[u]) services[u] = { active: "inactive", enabled: "enabled" };
  for (const [tool, variant] of init.tools) {
    files[`/opt/bin/${tool}`] = textFile(toolBody(tool, variant), 0o755);
    files[downloadRecordPath(`/opt/bin/${tool}`)] = textFile(`${toolUrl(tool, variant)}\n`);
  }
  const pendingUnits = init.pending.filter((u) => files[`/etc/systemd/system/${u}`]);
  const stamp = "2026-01-01T00:00:00Z unit[earlier]";
  const lines = [
    ...pendingUnits.map((u) => (init.pendingFormat === "bare" ? u : `restart ${u} ${stamp}`)),
    ...(init.pendingFormat === "stamped+reload" ? [`daemon-reload ${stamp}`] : []),
  ];
  if (lines.length > 0) files["/var/lib/tend/pending-restarts"] = textFile(`${lines.join("\n")}\n`);
  const overrides: SimStateOverrides = {
    files,
    services,
    sysctls: { "net.ipv4.ip_forward": init.forward },
    swap: init.swap ? ["/swapfile"] : [],
    available: {
      urls: Object.fromEntries(
        TOOLS.flatMap((t) =>
          [0, 1, 2].map((v) => [toolUrl(t, v), Buffer.from(toolBody(t, v)).toString("base64")]),
        ),
      ),
    },
    ...(init.svcGroupGid ? { groups: { svc: { gid: init.svcGroupGid, members: [] } } } : {}),
  };
  return { resources, initial: freshDebianHost(overrides), secrets };
});

/** Runs per property: 200 in CI, more through TEND_PROP_RUNS. */
export const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);
