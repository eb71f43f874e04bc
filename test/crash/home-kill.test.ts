/**
 * A home the user kind makes itself, on a real host. useradd -m makes the
 * account, then the home from /etc/skel; a kill between the two leaves the
 * account without a home, and the next apply makes the home. That home
 * must be what useradd -m would have made: /etc/skel's files (a nested
 * directory and a symbolic link too), with their modes, all the user's,
 * compared with a reference user that useradd -m made on the same host.
 * And it lands whole: the apply that makes it is SIGKILLed before and
 * after every mv, and after each kill the home is either absent or
 * complete, and one more apply leaves it complete with no temp dir beside;
 * and when the user is then dropped, the next apply of anything else
 * removes the temp home a kill before its rename left.
 */
import { apply, type HostFacts, isConverged, plan, type Resource } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopHosts } from "../hosts/hosts.js";
import { onHost } from "../targets/real-host.js";
import { arm, type CrashHost, closeCrashHost, disarm, startCrashHost } from "./crash-host.js";

const USER = "tkhome";
const HOME = `/home/${USER}`;
const declared: Resource[] = [{ kind: "user", name: USER, props: { home: HOME, shell: "/bin/sh" } }];

let h: CrashHost;
let facts: HostFacts;
/** What `useradd -m` made of /etc/skel for the reference user: one line per entry, relative path, type, mode, owner as "user"/"root". */
let reference: string;

/** Every entry of a home: relative path, type, mode, and whether user and group are `user`'s (or else who). */
const listing = (home: string, user: string): Promise<string> =>
  onHost(
    h.host,
    `cd '${home}' && find . -printf '%P %y %m %u:%g\\n' | LC_ALL=C sort | sed 's/ ${user}:${user}$/ USER/'`,
  );

const applyWith = async (killing: boolean) => {
  const p = await plan(declared, h.plain, { facts });
  return apply(p, killing ? h.killing : h.plain, { resources: new Map([[h.plain.host, declared]]) });
};

/** The state a kill between useradd's account and its home leaves: the account, no home. */
const accountWithoutHome = () =>
  onHost(h.host, `userdel ${USER} 2>/dev/null; rm -rf ${HOME}; useradd -M -d ${HOME} -s /bin/sh ${USER}`);

beforeAll(async () => {
  h = await startCrashHost("home");
  const f = await h.plain.hostFacts();
  if (E.isLeft(f)) throw new Error(JSON.stringify(f.left));
  facts = f.right;
  // Skel with more than Debian's dot files: a nested private directory, a file in it, a link.
  await onHost(
    h.host,
    "mkdir -p /etc/skel/.config/tk && chmod 700 /etc/skel/.config && echo 'tk=1' > /etc/skel/.config/tk/tk.conf && chmod 600 /etc/skel/.config/tk/tk.conf && ln -sfn .config/tk /etc/skel/tk-link",
  );
  await onHost(h.host, "useradd -m -d /home/tkref -s /bin/sh tkref");
  reference = await listing("/home/tkref", "tkref");
  expect(reference).toContain(".config/tk/tk.conf f 600 USER");
  expect(reference).toContain("tk-link l 777");
  expect(reference.split("\n").filter((l) => l !== "" && !l.endsWith("USER"))).toEqual([]);
});
afterAll(async () => {
  await closeCrashHost(h);
  await stopHosts(h ? [h.host] : []);
});

describe("a home made after a kill between useradd's account and its home", () => {
  it("has /etc/skel's files with their modes, all the user's, as useradd -m makes it; the plan after is empty", async () => {
    await accountWithoutHome();
    const r = (await applyWith(false)).hosts[0];
    expect(r, JSON.stringify(r)).toMatchObject({ status: "applied", verdict: { converged: true } });
    expect(await listing(HOME, USER)).toBe(reference);
    expect(await onHost(h.host, `stat -c '%a %U:%G' ${HOME}`)).toBe(`755 ${USER}:${USER}\n`);
  });

  it("SIGKILL before and after every mv of the apply that makes it: the home is absent or whole, and one more apply makes it whole with no temp dir left", async () => {
    const failures: string[] = [];
    let kills = 0;
    for (const mode of ["after", "before"] as const)
      for (let at = 1; ; at++) {
        await accountWithoutHome();
        await arm(h, at, mode);
        await applyWith(true);
        const { killed, calls } = await disarm(h);
        if (killed === "") break;
        kills++;
        const where = `killed ${mode} call ${at} (${calls[at - 1]})`;
        const now = await onHost(h.host, `[ -d ${HOME} ] && echo home || echo none`);
        if (now.trim() === "home" && (await listing(HOME, USER)) !== reference)
          failures.push(`${where}: a half-made home: ${(await listing(HOME, USER)).replaceAll("\n", "; ")}`);
        const r = (await applyWith(false)).hosts[0];
        if (!r || !isConverged(r)) failures.push(`${where}: ${JSON.stringify(r)}`);
        const made = await listing(HOME, USER);
        if (made !== reference) failures.push(`${where}: the home after is ${made.replaceAll("\n", "; ")}`);
        const left = await onHost(h.host, "find /home -maxdepth 1 -name '.*.tend-*'");
        if (left !== "") failures.push(`${where}: left ${left.trim()}`);
      }
    expect(failures).toEqual([]);
    // At least the rename of the home was a kill point, both ways.
    expect(kills).toBeGreaterThanOrEqual(2);
  }, 600_000);

  it("killed before the home's rename, then the user dropped: the next apply (of anything else) removes the temp home", async () => {
    // The user gone from what is declared: no op makes that home again, so tend_mkhome's own sweep never runs.
    const dropped: Resource[] = [{ kind: "file", name: "/etc/tk-dropped", props: { content: "x\n" } }];
    let leftByKill = 0;
    const failures: string[] = [];
    for (let at = 1; ; at++) {
      await accountWithoutHome();
      await onHost(h.host, "rm -f /etc/tk-dropped");
      await arm(h, at, "before");
      await applyWith(true);
      const { killed, calls } = await disarm(h);
      if (killed === "") break;
      const left = await onHost(h.host, "find /home -maxdepth 1 -name '.*.tend-*'");
      if (left === "") continue;
      leftByKill++;
      const p = await plan(dropped, h.plain, { facts });
      const r = (await apply(p, h.plain, { resources: new Map([[h.plain.host, dropped]]) })).hosts[0];
      if (!r || !isConverged(r))
        failures.push(`killed before call ${at} (${calls[at - 1]}): ${JSON.stringify(r)}`);
      const after = await onHost(
        h.host,
        "find /home -maxdepth 1 -name '.*.tend-*'; ls /var/lib/tend/tmp 2>/dev/null",
      );
      if (after !== "") failures.push(`killed before call ${at} (${calls[at - 1]}): left ${after.trim()}`);
    }
    expect(failures).toEqual([]);
    // The kill before the home's rename left one: the case this is about happened.
    expect(leftByKill).toBeGreaterThanOrEqual(1);
  }, 600_000);
});
