/**
 * The kinds against SimHost through the real engine: a worker-shaped set of
 * resources on a fresh Debian host converges in one apply (a second plan is
 * empty), and an installed archive member that is altered is planned again.
 */
import { describe, expect, it } from "vitest";
import { apply } from "../engine/apply.js";
import { plan } from "../engine/plan.js";
import { errorOf, type PlannedRun, pendingOf, planOf } from "../engine/report.fixture.js";
import type { Plan } from "../plan/format.js";
import type { Resource } from "../resource.js";
import { freshDebianHost } from "../sim/debian.js";
import { SimHost } from "../sim/simhost.js";
import { tarArchive } from "../sim/tar.js";
import { sha256Hex } from "./common.js";

const tgz = tarArchive(
  [
    { path: "docker/dockerd", content: "#!/bin/sh\necho dockerd\n", mode: 0o755 },
    { path: "docker/runc", content: "#!/bin/sh\necho runc\n", mode: 0o755 },
  ],
  { gzip: true },
);
const b64 = (b: Uint8Array | string) => Buffer.from(b).toString("base64");
const archiveUrl = "http://127.0.0.1:8080/docker.tgz";
const binUrl = "http://127.0.0.1:8080/flanneld";
const unit = "[Service]\nExecStart=/usr/local/bin/dockerd\n[Install]\nWantedBy=multi-user.target\n";

const host = () =>
  new SimHost(
    freshDebianHost({
      available: {
        urls: { [archiveUrl]: b64(tgz), [binUrl]: b64("flanneld-bin") },
      },
      swap: ["/swapfile"],
      files: {
        "/etc/fstab": {
          type: "file",
          content: b64("UUID=1 / ext4 defaults 0 1\n/swapfile none swap sw 0 0\n"),
          mode: 0o644,
          owner: "root",
          group: "root",
        },
      },
    }),
  );

const resources: Resource[] = [
  { kind: "group", name: "docker", props: { gid: 666 } },
  { kind: "user", name: "docker", props: { uid: 666, group: "docker", shell: "/usr/sbin/nologin" } },
  { kind: "directory", name: "/var/lib/kubernetes", props: { mode: 0o700 } },
  { kind: "file", name: "/var/lib/kubernetes/ca.pem", props: { content: "CA\n", mode: 0o640 } },
  {
    kind: "file",
    name: "/var/lib/kubelet/kubeconfig",
    props: { content: "secret\n", mode: 0o600, sensitive: true },
  },
  { kind: "directory", name: "/var/lib/kubelet", props: { mode: 0o700 } },
  {
    kind: "download",
    name: "/usr/local/sbin/flanneld",
    props: { url: binUrl, checksum: { algo: "sha256", hex: sha256Hex("flanneld-bin") }, mode: 0o750 },
  },
  {
    kind: "archive",
    name: "docker",
    props: { dest: "/usr/local/bin", url: archiveUrl, members: ["dockerd", "runc"], strip: 1 },
    notify: ["service[docker]"],
  },
  { kind: "unit", name: "docker.service", props: { content: unit }, notify: ["service[docker]"] },
  { kind: "service", name: "docker", props: {} },
  { kind: "package", name: "socat", props: {} },
  { kind: "sysctl", name: "net.ipv4.ip_forward", props: { value: "1" } },
  { kind: "kmod", name: "ip_vs", props: {} },
  { kind: "kmod", name: "overlay", props: {} },
  { kind: "swap", name: "off", props: {} },
];

const actionsOf = (p: Plan | PlannedRun) => {
  const h = planOf(p).hosts[0];
  if (h?.status !== "ready") throw new Error(`plan failed: ${JSON.stringify(h)}`);
  return h.actions;
};

describe("kinds on SimHost", () => {
  it("a worker-shaped resource set converges in one apply", async () => {
    const sim = host();
    const first = await plan(resources, sim);
    expect(actionsOf(first).length).toBeGreaterThan(0);
    const report = await apply(first, sim);
    expect(errorOf(report.hosts[0]!)).toBeUndefined();
    expect(pendingOf(report.hosts[0]!)).toEqual([]);
    expect(actionsOf(await plan(resources, sim))).toEqual([]);
    const s = sim.state;
    const text = (path: string) => {
      const f = s.files[path];
      return f?.type === "file" ? Buffer.from(f.content, "base64").toString("utf8") : undefined;
    };
    expect(text("/etc/fstab")).toBe("UUID=1 / ext4 defaults 0 1\n#/swapfile none swap sw 0 0\n");
    expect(s.swap).toEqual([]);
    expect(text("/usr/local/bin/runc")).toBe("#!/bin/sh\necho runc\n");
    expect(text("/etc/sysctl.d/60-tend-net.ipv4.ip_forward.conf")).toBe("net.ipv4.ip_forward = 1\n");
    expect(text("/etc/modules-load.d/ip_vs.conf")).toBe("ip_vs\n");
    expect(s.files["/etc/modules-load.d/overlay.conf"]).toBeUndefined();
    // State never depends on leftovers: the fetched archive is gone.
    expect(Object.keys(s.files).filter((f) => f.startsWith("/var/lib/tend/cache/"))).toEqual([]);
  });

  it("an altered archive member is planned again", async () => {
    const sim = host();
    await apply(await plan(resources, sim), sim);
    const [sha, bytes] = [sha256Hex("tampered\n"), new TextEncoder().encode("tampered\n")];
    await sim.run(
      [
        {
          op: "writeFile",
          path: "/usr/local/bin/runc",
          blob: sha,
          mode: 0o755,
          owner: "root",
          group: "root",
        },
      ],
      new Map([[sha, bytes]]),
    );
    const again = actionsOf(await plan(resources, sim));
    expect(again.map((a) => a.id)).toContain("archive[docker]");
  });
});
