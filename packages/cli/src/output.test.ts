/**
 * Output for people, through main() on SimHosts: colour only where it can be
 * seen and is not refused; a host no module applies to is explained; apply
 * prints the plan once, then progress; a sensitive file's attributes are
 * shown and its content never; durations per host and in the summaries.
 * Durations are checked for presence and form, never for their values.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { decodePlan } from "@tend/core";
import { freshDebianHost, SimHost } from "@tend/core/testing";
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
        // A dumb terminal cannot erase a line: it gets the log's lines, without any escape.
        if (env.TERM === "dumb") expect(io.err().includes(ESC)).toBe(false);
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

  it("tend graph --local prints the (empty) graph on stdout and the explanation on stderr", async () => {
    const io = recordingIo();
    const code = await main(
      ["graph", "--local"],
      io,
      simDeps({ thismachine: simHost("thismachine") }, workerModules),
    );
    expect(code).toBe(0);
    expect(io.out()).toMatch(/^digraph /m);
    expect(io.err()).toContain("Nothing is declared for thismachine");
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

/** recordingIo that also keeps both streams interleaved, in the order they were written. */
const interleavedIo = (options: Parameters<typeof recordingIo>[0] = {}) => {
  const io = recordingIo(options);
  let both = "";
  return {
    ...io,
    stdout: (t: string) => {
      both += t;
      io.stdout(t);
    },
    stderr: (t: string) => {
      both += t;
      io.stderr(t);
    },
    both: () => both,
  };
};

const count = (text: string, part: string): number => text.split(part).length - 1;

/** The plan is in the output once, complete before the first apply progress line, and the outcome comes after. */
const expectPlanOnceThenProgress = (both: string): void => {
  expect(count(both, "# file[/etc/motd] will be created")).toBe(2);
  expect(count(both, "+ hi w2")).toBe(1);
  expect(count(both, "Plan: 2 to create")).toBe(1);
  const planEnd = both.indexOf("Plan: 2 to create");
  const firstApply = both.search(/^w[12]: (checking|applying)/m);
  expect(firstApply).toBeGreaterThan(planEnd);
  expect(both.lastIndexOf("converged")).toBeGreaterThan(firstApply);
};

describe("apply prints the plan once, then progress", () => {
  it("apply -i --yes off a terminal", async () => {
    const io = interleavedIo();
    const hosts = { w1: simHost("w1"), w2: simHost("w2") };
    expect(
      await main(["apply", "-i", inventoryFile("hosts.yml", TWO_HOSTS), "--yes"], io, simDeps(hosts)),
    ).toBe(0);
    expectPlanOnceThenProgress(io.both());
  });

  it("apply -i on a terminal, confirmed: the plan, the question, then progress", async () => {
    const io = interleavedIo({ tty: true, answers: ["yes"] });
    const hosts = { w1: simHost("w1"), w2: simHost("w2") };
    expect(
      await main(["apply", "-i", inventoryFile("hosts.yml", TWO_HOSTS), "--no-color"], io, simDeps(hosts)),
    ).toBe(0);
    expect(io.prompts).toHaveLength(1);
    expect(count(io.both(), "# file[/etc/motd] will be created")).toBe(2);
    expect(count(io.both(), "Plan: 2 to create")).toBe(1);
  });

  it("apply PLANFILE: the saved plan as reviewed, once, before its progress", async () => {
    const hosts = { w1: simHost("w1"), w2: simHost("w2") };
    const inv = inventoryFile("hosts.yml", TWO_HOSTS);
    const out = join(dirname(inv), "plan.json");
    expect(await main(["plan", "-i", inv, "--out", out], recordingIo(), simDeps(hosts))).toBe(0);
    const io = interleavedIo();
    expect(await main(["apply", out, "-i", inv], io, simDeps(hosts))).toBe(0);
    expectPlanOnceThenProgress(io.both());
  });

  it("apply --batch: the plan once, then the rollout", async () => {
    const io = interleavedIo();
    const hosts = { w1: simHost("w1"), w2: simHost("w2") };
    const inv = inventoryFile("hosts.yml", TWO_HOSTS);
    expect(await main(["apply", "-i", inv, "--yes", "--batch", "1"], io, simDeps(hosts))).toBe(0);
    expect(count(io.both(), "# file[/etc/motd] will be created")).toBe(2);
    expect(count(io.both(), "Plan: 2 to create")).toBe(1);
    expect(io.both().indexOf("Batch 1/2")).toBeGreaterThan(io.both().indexOf("Plan: 2 to create"));
  });

  it("with --json stdout is the report alone: no plan text", async () => {
    const io = recordingIo();
    const hosts = { w1: simHost("w1"), w2: simHost("w2") };
    await main(["apply", "-i", inventoryFile("hosts.yml", TWO_HOSTS), "--yes", "--json"], io, simDeps(hosts));
    expect(() => JSON.parse(io.out())).not.toThrow();
    expect(io.out()).not.toContain("will be created");
  });

  it("with --json a run with nothing to change still prints its report, every host unchanged, and runs nothing", async () => {
    const hosts = { w1: simHost("w1"), w2: simHost("w2") };
    const inv = inventoryFile("hosts.yml", TWO_HOSTS);
    expect(await main(["apply", "-i", inv, "--yes"], recordingIo(), simDeps(hosts))).toBe(0);
    const ops = hosts.w1.opLog.length + hosts.w2.opLog.length;
    for (const extra of [[], ["--batch", "1"]]) {
      const io = recordingIo();
      expect(await main(["apply", "-i", inv, "--json", ...extra], io, simDeps(hosts))).toBe(0);
      const report = JSON.parse(io.out()) as { hosts: { host: string }[] };
      expect(report.hosts.map((h) => h.host).sort(), extra.join(" ")).toEqual(["w1", "w2"]);
    }
    expect(hosts.w1.opLog.length + hosts.w2.opLog.length).toBe(ops);
  });
});

describe("a sensitive file: mode, owner and group changes are shown, only the content is secret", () => {
  const SECRET = "tendsecret-5f1c0a9e77d24b3a";
  const keyModules = motdModules({
    resources: () =>
      right([
        {
          kind: "file",
          name: "/etc/tend/key.pem",
          props: { content: `${SECRET} new\n`, sensitive: true, mode: 0o640, owner: "root", group: "daemon" },
        },
      ]),
  });
  const keyHost = () =>
    new SimHost(
      freshDebianHost({
        host: { hostname: "w1" },
        files: {
          "/etc/tend/key.pem": {
            type: "file",
            content: Buffer.from(`${SECRET} old\n`).toString("base64"),
            mode: 0o600,
            owner: "root",
            group: "root",
          },
        },
      }),
      { name: "w1" },
    );

  it("plan text, --json and --html show the mode and group change and hold no byte of the content", async () => {
    const inv = inventoryFile("hosts.yml", TWO_HOSTS);
    const page = join(dirname(inv), "plan.html");
    const io = recordingIo();
    const code = await main(
      ["plan", "-i", inv, "-l", "w1", "--html", page],
      io,
      simDeps({ w1: keyHost() }, keyModules),
    );
    expect(code).toBe(0);
    const json = recordingIo();
    await main(["plan", "-i", inv, "-l", "w1", "--json"], json, simDeps({ w1: keyHost() }, keyModules));
    const html = readFileSync(page, "utf8");
    for (const out of [io.out(), io.err(), json.out(), json.err(), html]) {
      expect(out).not.toContain(SECRET);
      expect(out).not.toContain(Buffer.from(`${SECRET} new\n`).toString("base64"));
    }
    expect(io.out()).toContain('~ mode: "0600" → "0640"');
    expect(io.out()).toContain('~ group: "root" → "daemon"');
    expect(io.out()).toContain("~ content: (sensitive value changed)");
    expect(io.out()).not.toContain("owner");
    expect(html).toContain("mode: &quot;0600&quot; → &quot;0640&quot;");
    const plan = decodePlan(json.out());
    if (plan._tag === "Left" || plan.right.hosts[0]?.status !== "ready") throw new Error("no plan");
    expect(plan.right.hosts[0].actions[0]?.fields).toContainEqual({
      field: "mode",
      before: "0600",
      after: "0640",
    });
  });

  it("apply prints the same: the attributes, never the content", async () => {
    const io = recordingIo();
    const host = keyHost();
    const code = await main(
      ["apply", "-i", inventoryFile("hosts.yml", TWO_HOSTS), "-l", "w1", "--yes"],
      io,
      simDeps({ w1: host }, keyModules),
    );
    expect(code).toBe(0);
    expect(io.out() + io.err()).not.toContain(SECRET);
    expect(io.out()).toContain('~ mode: "0600" → "0640"');
    expect(host.state.files["/etc/tend/key.pem"]).toMatchObject({ mode: 0o640, group: "daemon" });
  });
});

/** A duration as the output prints it: only its presence and form are checked, never its value. */
const DUR = String.raw`(\d+ms|\d+\.\ds|\d+m\d\ds)`;
const isDuration = (v: unknown): boolean => typeof v === "number" && Number.isInteger(v) && v >= 0;

describe("durations per host and in the summary, for plan and apply, text and --json", () => {
  const inv = () => inventoryFile("hosts.yml", TWO_HOSTS);
  const fresh = () => simDeps({ w1: simHost("w1"), w2: simHost("w2") });

  it("plan text: each host with changes, each group's slowest host, and the whole plan", async () => {
    const io = recordingIo();
    await main(["plan", "-i", inv()], io, fresh());
    for (const h of ["w1", "w2"]) expect(io.out()).toMatch(new RegExp(`^${h}: 1 action \\(${DUR}\\)$`, "m"));
    expect(io.out()).toMatch(new RegExp(`^k8s_worker \\(2 hosts\\): .*; slowest w[12] \\(${DUR}\\)$`, "m"));
    expect(io.out()).toMatch(new RegExp(`^Plan: .* Planning 2 hosts took ${DUR}\\.$`, "m"));
  });

  it("a host that cannot be planned has its time too", async () => {
    const io = recordingIo();
    await main(["plan", "-i", inv()], io, simDeps({ w2: simHost("w2") }));
    expect(io.out()).toMatch(new RegExp(`^✗ w1: cannot plan \\(${DUR}\\)$`, "m"));
  });

  it("plan --json: durationMs on every host and on the plan; a saved plan keeps them and still applies", async () => {
    const io = recordingIo();
    const hosts = { w1: simHost("w1"), w2: simHost("w2") };
    await main(["plan", "-i", inv(), "--json"], io, simDeps(hosts));
    const decoded = decodePlan(io.out());
    if (decoded._tag === "Left") throw new Error("not a plan");
    expect(isDuration(decoded.right.durationMs)).toBe(true);
    for (const h of decoded.right.hosts) expect(isDuration(h.durationMs)).toBe(true);
    const file = inventoryFile("plan.json", io.out());
    const applied = recordingIo();
    expect(await main(["apply", file, "-i", inv()], applied, simDeps(hosts))).toBe(0);
  });

  it("apply text: each host's apply, each group's slowest, and the whole apply", async () => {
    const io = recordingIo();
    await main(["apply", "-i", inv(), "--yes"], io, fresh());
    const report = io.out().slice(io.out().indexOf("Plan:"));
    for (const h of ["w1", "w2"])
      expect(report).toMatch(new RegExp(`^✓ ${h}: applied 1 ops; converged \\(${DUR}\\)$`, "m"));
    expect(report).toMatch(
      new RegExp(
        `^k8s_worker \\(2 hosts\\): 0 unchanged, 2 changed, 0 failed; 2 ops run; slowest w[12] \\(${DUR}\\)$`,
        "m",
      ),
    );
    expect(report).toMatch(
      new RegExp(`^Apply: 2 changed, 0 unchanged, 0 failed; 2 ops run in ${DUR}\\.$`, "m"),
    );
  });

  it("apply --json: durationMs on every host and on the report", async () => {
    const io = recordingIo();
    await main(["apply", "-i", inv(), "--yes", "--json"], io, fresh());
    const report = JSON.parse(io.out()) as { durationMs: unknown; hosts: { durationMs: unknown }[] };
    expect(isDuration(report.durationMs)).toBe(true);
    expect(report.hosts).toHaveLength(2);
    for (const h of report.hosts) expect(isDuration(h.durationMs)).toBe(true);
  });

  it("the rollout report (--batch): each host, text and --json, and the whole rollout", async () => {
    const text = recordingIo();
    await main(["apply", "-i", inv(), "--yes", "--batch", "1"], text, fresh());
    for (const h of ["w1", "w2"])
      expect(text.out()).toMatch(new RegExp(`^ {2}✓ ${h}: applied 1 ops, converged \\(${DUR}\\)$`, "m"));
    expect(text.out()).toMatch(new RegExp(`^Rollout finished: 2 done, .*\\), in ${DUR}\\.$`, "m"));
    const json = recordingIo();
    await main(["apply", "-i", inv(), "--yes", "--batch", "1", "--json"], json, fresh());
    const report = JSON.parse(json.out()) as { durationMs: unknown; hosts: { durationMs: unknown }[] };
    expect(isDuration(report.durationMs)).toBe(true);
    for (const h of report.hosts) expect(isDuration(h.durationMs)).toBe(true);
  });
});
