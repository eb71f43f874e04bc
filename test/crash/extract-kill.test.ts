/**
 * Kills inside an archive unpack on a real host (the middle of a multi-step
 * op). The apply that moves an unpacked archive from v1 to v2 (four members,
 * each installed by its own temp file and rename, then the manifest) is
 * SIGKILLed before and after every mv: between members, before the
 * manifest, with a member's temp file written but not renamed (each run
 * moves to the other version). After one more apply every member holds the
 * bytes of the version applied, no temp file is left beside them, and the
 * plan is empty. Found here: a killed extract's member temp files stayed
 * forever (tend_extract now removes them), and an archive whose declared
 * file the plan replaces needed two applies (its source is now unknown).
 */
import { apply, type HostFacts, isConverged, plan, type Resource } from "@tend/core";
import { tarArchive } from "@tend/core/testing";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopHosts } from "../hosts/hosts.js";
import { onHost } from "../targets/real-host.js";
import { arm, type CrashHost, closeCrashHost, disarm, startCrashHost } from "./crash-host.js";

const MEMBERS = ["bin/a", "bin/b", "lib/c.conf", "share/d"];
const archive = (v: number) =>
  tarArchive(
    MEMBERS.map((m) => ({ path: `pkg/${m}`, content: `${m} v${v}\n`, mode: 0o755 })),
    { gzip: true },
  );
const declared = (v: number): Resource[] => [
  { kind: "directory", name: "/opt/tkx", props: { mode: 0o755 } },
  { kind: "file", name: "/opt/tkx/pkg.tgz", props: { source: `/controller/pkg-v${v}.tgz` } },
  {
    kind: "archive",
    name: "/opt/tkx/app",
    props: { archive: "/opt/tkx/pkg.tgz", dest: "/opt/tkx/app", strip: 1 },
    deps: ["file[/opt/tkx/pkg.tgz]"],
  },
];
const readSource = async (path: string) => archive(Number(/pkg-v(\d+)/.exec(path)?.[1] ?? 0));

let h: CrashHost;
let facts: HostFacts;
const planAndApply = async (v: number, killing = false) => {
  const p = await plan(declared(v), h.plain, { facts, readSource });
  return apply(p, killing ? h.killing : h.plain, {
    readSource,
    resources: new Map([[h.plain.host, declared(v)]]),
  });
};

beforeAll(async () => {
  h = await startCrashHost("extract");
  const f = await h.plain.hostFacts();
  if (E.isLeft(f)) throw new Error(JSON.stringify(f.left));
  facts = f.right;
  expect((await planAndApply(1)).hosts[0]).toMatchObject({ status: "applied", verdict: { converged: true } });
});
afterAll(async () => {
  await closeCrashHost(h);
  await stopHosts(h ? [h.host] : []);
});

describe("an archive unpack killed between or inside its members", () => {
  it("SIGKILL before and after every mv of the apply, then one more apply: every member of the applied version, no temp file left, the plan empty", async () => {
    const failures: string[] = [];
    let version = 1;
    let kills = 0;
    for (const mode of ["after", "before"] as const)
      for (let at = 1; ; at++) {
        const next = version === 1 ? 2 : 1;
        await arm(h, at, mode);
        await planAndApply(next, true);
        const { killed, calls } = await disarm(h);
        version = next;
        if (killed === "") break;
        kills++;
        const where = `killed ${mode} call ${at} (${calls[at - 1]})`;
        const r = (await planAndApply(next)).hosts[0];
        if (!r || !isConverged(r)) failures.push(`${where}: ${JSON.stringify(r)}`);
        const state = await onHost(
          h.host,
          `for m in ${MEMBERS.join(" ")}; do printf '%s=%s\\n' "$m" "$(cat /opt/tkx/app/$m)"; done; find /opt/tkx -name '.*.tend-*'`,
        );
        const want = `${MEMBERS.map((m) => `${m}=${m} v${next}`).join("\n")}`;
        if (state.trim() !== want) failures.push(`${where}: ${state.trim().replaceAll("\n", "; ")}`);
        const again = (await plan(declared(next), h.plain, { facts, readSource })).plan.hosts[0];
        if (again?.status !== "ready" || again.actions.length > 0)
          failures.push(`${where}: the plan after is not empty`);
      }
    expect(failures).toEqual([]);
    // Kills landed between the members (four mv each way) and on the manifest.
    expect(kills).toBeGreaterThanOrEqual(10);
  }, 600_000);
});
