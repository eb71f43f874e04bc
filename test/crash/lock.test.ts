/**
 * Lock test (issue 8): two applies on one real systemd host. While one
 * holds the host's lock (an op that waits), another is refused naming the
 * holder, and runs nothing; after the holder's script is SIGKILLed the
 * kernel has dropped the lock and the next apply proceeds and clears what
 * the killed one left. With a lock wait, an apply waits for the holder
 * instead of failing.
 */
import { apply, type HostFacts, plan, type Resource, ShellTarget } from "@tend/core";
import { dockerTransport } from "@tend/transport-docker";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopHosts } from "../hosts/hosts.js";
import { onHost } from "../targets/real-host.js";
import { type CrashHost, closeCrashHost, startCrashHost } from "./crash-host.js";

let h: CrashHost;
let other: ShellTarget;
let facts: HostFacts;
beforeAll(async () => {
  h = await startCrashHost("lock");
  other = new ShellTarget(dockerTransport({ container: h.host.container, host: h.host.name }), {
    timeoutMs: 120_000,
  });
  const f = await h.plain.hostFacts();
  if (E.isLeft(f)) throw new Error(JSON.stringify(f.left));
  facts = f.right;
});
afterAll(async () => {
  await other?.close();
  await closeCrashHost(h);
  await stopHosts(h ? [h.host] : []);
});

/** A command with no guard (it runs on every apply) that holds its apply until `/run/<tag>.release` exists. */
const holding = (tag: string): Resource[] => [
  {
    kind: "command",
    name: `hold-${tag}`,
    props: {
      argv: [
        "sh",
        "-c",
        `echo $$ > /run/${tag}.pid; i=0; while [ ! -e /run/${tag}.release ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done`,
      ],
    },
  },
];
const fileAt = (path: string, content: string): Resource[] => [
  { kind: "file", name: path, props: { content } },
];
const waitOnHost = async (test: string): Promise<void> => {
  for (let i = 0; i < 600; i++) {
    if ((await onHost(h.host, `if ${test}; then echo yes; fi`)).trim() === "yes") return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never true on the host: ${test}`);
};
const planOn = async (target: ShellTarget, resources: Resource[]) => plan(resources, target, { facts });

describe("one apply per real host at a time", () => {
  it("a second apply is refused naming the holder and runs nothing; after the holder is SIGKILLed the next apply proceeds", async () => {
    const a = apply(await planOn(h.plain, holding("hold1")), h.plain, {
      lockHolder: { controller: "ci-7", pid: 4242 },
    });
    await waitOnHost("[ -s /run/hold1.pid ]");

    const b = (await apply(await planOn(other, fileAt("/etc/tk-lock.conf", "b\n")), other)).hosts[0];
    expect(b?.status).toBe("locked");
    expect(b && "error" in b ? b.error : undefined).toMatch(
      new RegExp(
        `^${h.host.name}: another apply holds the lock: controller ci-7 pid 4242 since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`,
      ),
    );
    expect(await onHost(h.host, "test -e /etc/tk-lock.conf && echo exists; true")).toBe("");

    // SIGKILL the holder: its script and every child (the op runs in the script's process group).
    await onHost(h.host, `/bin/kill -KILL -- -$(ps -o pgid= -p $(cat /run/hold1.pid) | tr -d ' ')`);
    const killed = (await a).hosts[0];
    expect(killed?.status).toBe("failed");

    const c = (await apply(await planOn(other, fileAt("/etc/tk-lock.conf", "c\n")), other)).hosts[0];
    expect(c).toMatchObject({ status: "applied", verdict: { converged: true } });
    expect(await onHost(h.host, "cat /etc/tk-lock.conf")).toBe("c\n");
    // The killed apply's temp dir went with the next one, under the lock.
    expect(await onHost(h.host, "ls -A /run/tend/tmp; ls -d /tmp/tmp.* 2>/dev/null; true")).toBe("");
  });

  it("with a lock wait an apply waits for the holder to finish, then runs", async () => {
    const a = apply(await planOn(h.plain, holding("hold2")), h.plain);
    await waitOnHost("[ -s /run/hold2.pid ]");
    const d = apply(await planOn(other, fileAt("/etc/tk-wait.conf", "d\n")), other, { lockWaitMs: 60_000 });
    // Released only once d is waiting in flock on the host.
    await waitOnHost("ps -eo args | grep -q '^flock -w 60 9'");
    expect(await onHost(h.host, "test -e /etc/tk-wait.conf && echo exists; true")).toBe("");
    await onHost(h.host, "touch /run/hold2.release");
    expect((await a).hosts[0]?.status).toBe("applied");
    expect((await d).hosts[0]).toMatchObject({ status: "applied", verdict: { converged: true } });
    expect(await onHost(h.host, "cat /etc/tk-wait.conf")).toBe("d\n");
  });
});
