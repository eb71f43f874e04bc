/**
 * Property: ShellTarget and SimHost agree on every invalid op. A valid op
 * with one field replaced by a hostile value is refused by both, identically
 * (same index, same message, exit code -1), and ShellTarget sends no script.
 * Only ops the codec refuses are generated, so nothing runs on this machine.
 */
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Op, opProblems } from "./op.js";
import { ShTransport, tempDir } from "./shell/sh-transport.test.js";
import { ShellTarget } from "./shell/target.js";
import { SimHost } from "./sim/simhost.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);
const own = { owner: "root", group: "root" };

/** One valid op of each shape; the property breaks one field of one of them. */
const templates: Record<string, unknown>[] = [
  { op: "mkdir", path: "/srv/x", mode: 0o755, ...own },
  { op: "writeFile", path: "/etc/x", blob: "ab", mode: 0o644, ...own },
  { op: "setAttrs", path: "/etc/x", mode: 0o600 },
  { op: "remove", path: "/etc/x" },
  { op: "download", url: "https://h/x", checksum: null, path: "/x", record: "/r", mode: 0o644, ...own },
  {
    op: "extract",
    archive: "/a.tgz",
    dest: "/opt",
    members: ["bin/x"],
    strip: 1,
    manifest: "/m",
    source: "s",
    mode: 0o755,
    ...own,
  },
  { op: "systemctl", verb: "restart", unit: "docker.service" },
  { op: "sysctl", key: "net.ipv4.ip_forward", value: "1" },
  { op: "modprobe", name: "br_netfilter" },
  { op: "groupadd", name: "docker", gid: 999 },
  { op: "useradd", name: "etcd", groups: ["docker"], shell: "/bin/false", home: "/var/lib/etcd" },
  { op: "packages", manager: "apt", install: ["curl"] },
  { op: "exec", argv: ["/bin/true"] },
];

const hostileString = fc.oneof(
  fc.string(),
  fc.constantFrom("", "..", "/a/../b", "a\0b", "-r", "--all", "a\nb", "/etc/", "\uD800", "file:///x", "a b"),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer({ min: -70000, max: 70000 }),
  fc.double(),
  fc.constantFrom(null, true, [], {}, ["a\0"], ["-x"]),
);

const brokenOp = fc
  .tuple(fc.constantFrom(...templates), fc.nat(), hostileValue)
  .map(([t, k, v]) => {
    const keys = Object.keys(t);
    return { ...t, [keys[k % keys.length] as string]: v };
  })
  .filter((op) => opProblems(op).length > 0);

let root: { dir: string; cleanup: () => void };
beforeAll(() => {
  root = tempDir("tend-op-prop-");
});
afterAll(() => root.cleanup());

describe("both targets refuse the same invalid ops, identically and before anything runs", () => {
  it("a batch with one broken op is refused at its index by ShellTarget and SimHost alike", async () => {
    await fc.assert(
      fc.asyncProperty(brokenOp, fc.nat({ max: 2 }), async (bad, at) => {
        const batch = [0, 1, 2].map((i) =>
          i === at ? bad : { op: "mkdir", path: `${root.dir}/never-${i}`, mode: 0o755, ...own },
        ) as Op[];
        const transport = new ShTransport();
        const shell = await new ShellTarget(transport).run(batch, new Map());
        const sim = await new SimHost().run(batch, new Map());
        expect(transport.scripts).toEqual([]);
        expect(E.isLeft(shell) && E.isLeft(sim)).toBe(true);
        if (E.isLeft(shell) && E.isLeft(sim)) {
          expect({ ...shell.left, host: "h" }).toEqual({ ...sim.left, host: "h" });
          expect(shell.left).toMatchObject({ _tag: "OpFailed", index: at, exitCode: -1 });
        }
      }),
      { numRuns },
    );
  });
});
