/**
 * The probe script's sha256 cache (`/run/tend/cache/sha256-cache`) on a real
 * systemd Debian host through the Docker transport: a second probe of
 * unchanged files answers identically (answers and stale-check digest) without
 * running sha256sum on them, a same-size rewrite with the mtime set back is
 * seen, a forged record is used only when it is root's and not writable by
 * others, and a file written in the last 2 s is never stored. sha256sum is
 * replaced on the host by a wrapper that logs its argument count, so every
 * run (by PATH or by absolute path) is counted.
 */
import { type Observation, type Op, type Probe, shellArgv, shellQuote } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopHosts } from "../hosts/hosts.js";
import { onHost, type RealHost, startRealHost } from "./real-host.js";

const RECORD = "/run/tend/cache/sha256-cache";
const LOG = "/tmp/sha256sum.log";
const DIR = "/srv/hc";

let h: RealHost;
beforeAll(async () => {
  h = await startRealHost("hashcache");
  await onHost(
    h.host,
    `mv /usr/bin/sha256sum /usr/bin/sha256sum.real && printf '%s\\n' '#!/bin/sh' 'echo "$#" >> ${LOG}' 'exec /usr/bin/sha256sum.real "$@"' > /usr/bin/sha256sum && chmod 755 /usr/bin/sha256sum && mkdir -p ${DIR}`,
  );
}, 300_000);
afterAll(async () => {
  await h?.transport.close();
  await stopHosts(h ? [h.host] : []);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Long enough that files written before it are more than 2 s old in whole seconds (the cache's rule). */
const age = () => sleep(3300);

/** Writes `content` to each path on the host (names passed as arguments, never as script text). */
const write = (paths: readonly string[], content: (i: number) => string) =>
  Promise.all(
    paths.map((p, i) => onHost(h.host, `printf '%s' ${shellQuote(content(i))} > ${shellQuote(p)}`)),
  );

/** The host's own sha256sum (the real one, not logged) of a path. */
const realSum = async (p: string) =>
  (await onHost(h.host, shellArgv(["/usr/bin/sha256sum.real", "--", p]))).replace(/^\\/, "").slice(0, 64);

/** The record's key of a path, as the probe stat's it. */
const keyOf = async (p: string) =>
  (await onHost(h.host, shellArgv(["stat", "-L", "-c", "%d %i %s %.9Y %.9Z", "--", p]))).trim();

/** One observe, and how many sha256sum runs hashed files (had arguments) during it. */
const observe = async (probes: readonly Probe[]): Promise<{ o: Observation; hashed: number }> => {
  await onHost(h.host, `: > ${LOG}`);
  const r = await h.target.observe(probes);
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  const log = await onHost(h.host, `cat ${LOG}`);
  return { o: r.right, hashed: log.split("\n").filter((l) => l !== "" && l !== "0").length };
};

const fileProbe = (path: string): Probe => ({ type: "file", path, hash: "sha256" });
const mkdirOp = (path: string): Op => ({ op: "mkdir", path, mode: 0o755, owner: "root", group: "root" });
const hashOf = (o: Observation, i: number) => (o.results[i] as { hash?: string }).hash;

describe("the host's sha256 cache", () => {
  it("answers a second probe of unchanged files with hostile names and of manifest members identically, hashing none", async () => {
    const names = [
      "a\nb",
      "sp ace",
      "it's",
      'say "hi"',
      "-n",
      "--x",
      "$(touch pwned)",
      "`touch pwned`",
      "back\\slash",
    ];
    const files = names.map((n) => `${DIR}/${n}`);
    await write(files, (i) => `${names[i]} ${i}\n`);
    const members = files.filter((p) => !p.includes("\n"));
    const sums = await Promise.all(files.map(realSum));
    const manifest = `${DIR}/manifest`;
    const memberSums = members.map((p) => sums[files.indexOf(p)] as string);
    await onHost(
      h.host,
      `printf '%s\\n' ${shellArgv(["# source s", ...members.map((p, i) => `${memberSums[i]}  ${p}`)])} > ${manifest}`,
    );
    const probes: Probe[] = [...files.map(fileProbe), { type: "manifest", path: manifest }];
    const want = [
      ...sums.map((hash) => ({ hash })),
      {
        exists: true,
        source: "s",
        members: members.map((p, i) => ({ path: p, sha256: memberSums[i], ok: true })),
      },
    ];
    await age();
    const first = await observe(probes);
    expect(first.o.results).toMatchObject(want);
    expect(first.hashed).toBeGreaterThan(0);
    expect((await onHost(h.host, `stat -c '%U %a' ${RECORD}`)).trim()).toBe("root 600");

    const second = await observe(probes);
    expect(second.o).toEqual(first.o);
    expect(second.hashed).toBe(0);
    // The apply's stale check (answered from the record too) agrees with the plan's digest.
    expect(
      await h.target.run([mkdirOp(`${DIR}/applied`)], new Map(), {
        expect: { probes, digest: second.o.digest },
      }),
    ).toEqual(E.right({ completed: 1 }));
    // Nothing a name held ran: no file "pwned" where the script or a tool could have made it.
    expect(await onHost(h.host, `ls -d /pwned /root/pwned /tmp/pwned ${DIR}/pwned 2>/dev/null; true`)).toBe(
      "",
    );
  });

  it("sees a same-size rewrite whose mtime was set back: only ctime moved", async () => {
    const p = `${DIR}/conf`;
    await write([p], () => "value = 1\n");
    await age();
    const before = (await keyOf(p)).split(" ");
    const planned = (await observe([fileProbe(p)])).o;
    expect(hashOf(planned, 0)).toBe(await realSum(p));
    expect(await onHost(h.host, `cat ${RECORD}`)).toContain(before.join(" "));

    await write([p], () => "value = 2\n");
    await onHost(h.host, shellArgv(["touch", "-m", "-d", `@${before[3]}`, "--", p]));
    const after = (await keyOf(p)).split(" ");
    expect(after.slice(0, 4)).toEqual(before.slice(0, 4));
    expect(after[4]).not.toBe(before[4]);
    // The apply's stale check sees the change too.
    expect(
      await h.target.run([mkdirOp(`${DIR}/stale`)], new Map(), {
        expect: { probes: [fileProbe(p)], digest: planned.digest },
      }),
    ).toMatchObject(E.left({ _tag: "Stale" }));
    const { o, hashed } = await observe([fileProbe(p)]);
    expect(hashOf(o, 0)).toBe(await realSum(p));
    expect(hashOf(o, 0)).not.toBe(before[5]);
    expect(hashed).toBe(1);
  });

  describe("a forged line (the right key, a wrong digest)", () => {
    const forged = "e".repeat(64);
    const forge = async (name: string) => {
      const p = `${DIR}/forged-${name}`;
      await write([p], () => "real\n");
      await age();
      await observe([fileProbe(p)]);
      await onHost(h.host, `printf '%s\\n' ${shellQuote(`v1 ${await keyOf(p)} ${forged}`)} > ${RECORD}`);
      return p;
    };

    it("is answered from a record that is root's and not writable by others (so the cases below test the guard)", async () => {
      const p = await forge("trusted");
      expect(hashOf((await observe([fileProbe(p)])).o, 0)).toBe(forged);
    });

    it.each([
      ["owned by another user", `chown nobody ${RECORD}`],
      ["group-writable", `chmod 660 ${RECORD}`],
      ["under a dir others may write", "chmod 777 /run/tend/cache"],
    ])("is ignored in a record %s: the file is hashed", async (name, spoil) => {
      const p = await forge(name.replaceAll(" ", "-"));
      await onHost(h.host, spoil);
      try {
        const { o, hashed } = await observe([fileProbe(p)]);
        expect(hashOf(o, 0)).toBe(await realSum(p));
        expect(hashed).toBe(1);
      } finally {
        await onHost(h.host, `chmod 700 /run/tend/cache && rm -f ${RECORD}`);
      }
    });
  });

  it("does not store a file written in the last 2 s", async () => {
    const old = `${DIR}/old`;
    const fresh = `${DIR}/fresh`;
    await write([old], () => "old\n");
    await age();
    await write([fresh], () => "fresh\n");
    const { o } = await observe([fileProbe(old), fileProbe(fresh)]);
    expect(o.results).toMatchObject([{ hash: await realSum(old) }, { hash: await realSum(fresh) }]);
    const record = await onHost(h.host, `cat ${RECORD}`);
    expect(record).toContain(await keyOf(old));
    const [dev, ino] = (await keyOf(fresh)).split(" ");
    expect(record).not.toContain(`v1 ${dev} ${ino} `);
    // Probed again within its 2 s, it is hashed again.
    expect((await observe([fileProbe(old), fileProbe(fresh)])).hashed).toBe(1);
  });
});
