/**
 * Output for people, through main(): colour only where it can be seen, and
 * only when not asked otherwise.
 */
import { decodePlan } from "@tend/core";
import { K8S_GROUPS } from "@tend/modules";
import { right } from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { main } from "./index.js";
import { workerModules } from "./internal/engine-bridge.js";
import { inventoryFile, motdModules, recordingIo, simDeps, simHost } from "./test-support.js";

const TWO_HOSTS =
  "all:\n  children:\n    k8s_worker:\n      hosts:\n        w1:\n        w2:\n          motd: hi w2\n";
const ESC = "\u001b";
/** A colour (SGR) sequence; a terminal's progress line also redraws with ESC [K, which is not colour. */
const SGR = new RegExp(`${ESC}\\[[0-9;]*m`);

describe("colour: a terminal, NO_COLOR, FORCE_COLOR and TERM=dumb", () => {
  it.each<[boolean, Record<string, string>, boolean]>([
    [false, {}, false],
    [false, { FORCE_COLOR: "1" }, true],
    [false, { FORCE_COLOR: "true" }, true],
    [true, { FORCE_COLOR: "0" }, false],
    [true, { FORCE_COLOR: "false" }, false],
    [false, { NO_COLOR: "1", FORCE_COLOR: "1" }, false],
    [true, { TERM: "dumb" }, false],
    [true, { NO_COLOR: "" }, true],
  ])(
    "stdout and stderr terminals=%s env=%j → colour %s, on plan and apply alike",
    async (tty, env, colour) => {
      for (const argv of [["plan"], ["apply", "--yes"]]) {
        const io = recordingIo({ tty, env });
        await main(
          [...argv, "-i", inventoryFile("hosts.yml", TWO_HOSTS)],
          io,
          simDeps({ w1: simHost("w1"), w2: simHost("w2") }),
        );
        expect(io.out().includes(ESC)).toBe(colour);
        // Off a terminal every progress line names its host in bold; a terminal's status line has colour only for failures.
        if (!colour) expect(SGR.test(io.err())).toBe(false);
        if (!tty) expect(io.err().includes(ESC)).toBe(colour);
      }
    },
  );
});

describe("a host that no module applies to: plan says why it gets nothing and how to give it a group", () => {
  it("tend plan --local without an inventory names the modules' groups and shows an inventory that picks one", async () => {
    const io = recordingIo();
    const code = await main(
      ["plan", "--local"],
      io,
      simDeps({ thismachine: simHost("thismachine") }, workerModules),
    );
    expect(code).toBe(0);
    const out = io.out();
    expect(out).toContain("Nothing is declared for thismachine");
    expect(out).toContain("it is in no inventory group");
    for (const g of K8S_GROUPS) expect(out).toContain(g);
    expect(out).toContain("  [k8s_worker]\n  thismachine ansible_connection=local\n");
    expect(out).toContain("tend plan -i hosts.ini");
  });

  it("tend apply --local --yes says the same, and changes nothing", async () => {
    const host = simHost("thismachine");
    const io = recordingIo();
    expect(await main(["apply", "--local", "--yes"], io, simDeps({ thismachine: host }, workerModules))).toBe(
      0,
    );
    expect(io.out()).toContain("Nothing is declared for thismachine");
    expect(host.opLog).toEqual([]);
  });

  it("a host of another group is told which groups to put it in, and in which inventory file", async () => {
    const inv = inventoryFile("hosts.ini", "[web]\nweb1\nweb2\n");
    const io = recordingIo();
    const code = await main(
      ["plan", "-i", inv],
      io,
      simDeps({ web1: simHost("web1"), web2: simHost("web2") }, workerModules),
    );
    expect(code).toBe(0);
    expect(io.out()).toContain("Nothing is declared for web1, web2");
    expect(io.out()).toContain("their group web is not one of them");
    expect(io.out()).toContain(`k8s_controller or k8s_worker in ${inv}`);
  });

  it("with --json the plan alone goes to stdout and the explanation to stderr", async () => {
    const io = recordingIo();
    await main(
      ["plan", "--local", "--json"],
      io,
      simDeps({ thismachine: simHost("thismachine") }, workerModules),
    );
    expect(decodePlan(io.out())._tag).toBe("Right");
    expect(io.err()).toContain("Nothing is declared for thismachine");
  });

  it("says nothing for a host in a module's group, even when it has nothing to do", async () => {
    const modules = motdModules({
      groups: ["k8s_worker"],
      resources: (host) =>
        right(host === "w1" ? [] : [{ kind: "file", name: "/etc/motd", props: { content: "x\n" } }]),
    });
    const io = recordingIo();
    await main(
      ["plan", "-i", inventoryFile("hosts.yml", TWO_HOSTS)],
      io,
      simDeps({ w1: simHost("w1"), w2: simHost("w2") }, modules),
    );
    expect(io.out()).toContain("k8s_worker (2 hosts)");
    expect(io.out()).not.toContain("Nothing is declared");
  });
});
