import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { decodePlan } from "@tend/core";
import { describe, expect, it } from "vitest";
import { main } from "./index.js";
import { fileOn, inventoryFile, motdModules, recordingIo, simDeps, simHost } from "./test-support.js";

const TWO_HOSTS =
  "all:\n  children:\n    k8s_worker:\n      hosts:\n        w1:\n        w2:\n          motd: hi w2\n";

describe("tend plan: exit codes follow the contract", () => {
  it("exits 2 with --detailed-exitcode when a fresh host needs changes, and changes nothing", async () => {
    const w1 = simHost("w1");
    const w2 = simHost("w2");
    const io = recordingIo();
    const code = await main(
      ["plan", "-i", inventoryFile("hosts.yml", TWO_HOSTS), "--detailed-exitcode"],
      io,
      simDeps({ w1, w2 }),
    );
    expect(code).toBe(2);
    expect(io.out()).toContain("file[/etc/motd]");
    expect(fileOn(w1, "/etc/motd")).toBeUndefined();
    expect(w1.opLog).toEqual([]);
  });

  it("exits 0 without --detailed-exitcode even when changes are pending", async () => {
    const io = recordingIo();
    const code = await main(
      ["plan", "-i", inventoryFile("hosts.yml", TWO_HOSTS)],
      io,
      simDeps({ w1: simHost("w1"), w2: simHost("w2") }),
    );
    expect(code).toBe(0);
  });

  it("exits 0 with --detailed-exitcode once the hosts match", async () => {
    const hosts = { w1: simHost("w1"), w2: simHost("w2") };
    const inv = inventoryFile("hosts.yml", TWO_HOSTS);
    expect(await main(["apply", "-i", inv, "--yes"], recordingIo(), simDeps(hosts))).toBe(0);
    const io = recordingIo();
    expect(await main(["plan", "-i", inv, "--detailed-exitcode"], io, simDeps(hosts))).toBe(0);
    expect(io.out()).toContain("no changes");
  });

  it("a host that cannot be reached fails alone: the other is planned, the exit code is 1", async () => {
    const io = recordingIo();
    const code = await main(
      ["plan", "-i", inventoryFile("hosts.yml", TWO_HOSTS), "--json"],
      io,
      simDeps({ w2: simHost("w2") }),
    );
    expect(code).toBe(1);
    const plan = decodePlan(io.out());
    if (plan._tag === "Left") throw new Error("--json output is not a plan");
    expect(plan.right.hosts.map((h) => [h.host, h.status])).toEqual([
      ["w1", "error"],
      ["w2", "ready"],
    ]);
    expect(io.err()).toContain("w1: failed");
  });

  it("a host with bad variables stops the whole run before any connection, naming the variable", async () => {
    const inv = inventoryFile("hosts.ini", "[k8s_worker]\nw1 motd=5\nw2\n");
    const io = recordingIo();
    const w2 = simHost("w2");
    const code = await main(
      ["plan", "-i", inv, "--detailed-exitcode"],
      io,
      simDeps({ w1: simHost("w1"), w2 }),
    );
    expect(code).toBe(1);
    expect(io.err()).toMatch(/hosts\.ini:2: motd: expected a string\n {2}host: w1/);
    expect(io.err()).toContain("no host was contacted");
    expect(w2.opLog).toEqual([]);
  });

  it("--limit narrows the hosts planned", async () => {
    const io = recordingIo();
    const code = await main(
      ["plan", "-i", inventoryFile("hosts.yml", TWO_HOSTS), "--limit", "w2", "--json"],
      io,
      simDeps({ w2: simHost("w2") }),
    );
    expect(code).toBe(0);
    const plan = decodePlan(io.out());
    expect(plan._tag === "Right" && plan.right.hosts.map((h) => h.host)).toEqual(["w2"]);
  });

  it("--out saves a plan that `tend apply PLANFILE -i` carries out", async () => {
    const hosts = { w1: simHost("w1"), w2: simHost("w2") };
    const inv = inventoryFile("hosts.yml", TWO_HOSTS);
    const out = join(dirname(inv), "plan.json");
    expect(await main(["plan", "-i", inv, "--out", out], recordingIo(), simDeps(hosts))).toBe(0);
    expect(decodePlan(readFileSync(out, "utf8"))._tag).toBe("Right");
    const io = recordingIo();
    expect(await main(["apply", out, "-i", inv], io, simDeps(hosts))).toBe(0);
    expect(io.out()).toContain("converged");
    expect(fileOn(hosts.w2, "/etc/motd")).toBe("hi w2\n");
  });

  it("a saved plan is refused once its host changed (stale), exit 1", async () => {
    const hosts = { w1: simHost("w1"), w2: simHost("w2") };
    const inv = inventoryFile("hosts.yml", TWO_HOSTS);
    const out = join(dirname(inv), "plan.json");
    await main(["plan", "-i", inv, "--out", out], recordingIo(), simDeps(hosts));
    hosts.w1.mutate((s) => {
      s.files["/etc/motd"] = {
        type: "file",
        content: Buffer.from("edited\n").toString("base64"),
        mode: 0o644,
        owner: "root",
        group: "root",
      };
    });
    const io = recordingIo();
    expect(await main(["apply", out, "-i", inv], io, simDeps(hosts))).toBe(1);
    expect(io.out()).toContain("changed since this plan was made");
    expect(fileOn(hosts.w1, "/etc/motd")).toBe("edited\n");
  });
});

describe("tend apply: asks before changing, and reports convergence", () => {
  it("refuses without --yes when stdin is not a terminal, changing nothing", async () => {
    const w1 = simHost("w1");
    const io = recordingIo({ tty: false });
    const code = await main(
      ["apply", "-i", inventoryFile("hosts.yml", TWO_HOSTS), "--limit", "w1"],
      io,
      simDeps({ w1 }),
    );
    expect(code).toBe(1);
    expect(io.err()).toContain("refusing to apply without --yes");
    expect(fileOn(w1, "/etc/motd")).toBeUndefined();
  });

  it.each([
    ["yes", 0, "hello\n"],
    ["no", 1, undefined],
    ["y", 1, undefined],
  ])('on a terminal, answer "%s" → exit %i', async (answer, code, content) => {
    const w1 = simHost("w1");
    const io = recordingIo({ tty: true, answers: [answer] });
    expect(
      await main(["apply", "-i", inventoryFile("hosts.yml", TWO_HOSTS), "-l", "w1"], io, simDeps({ w1 })),
    ).toBe(code);
    expect(io.prompts).toHaveLength(1);
    expect(fileOn(w1, "/etc/motd")).toBe(content);
  });

  it("an op that fails is reported with host and resource, exit 1", async () => {
    const w1 = simHost("w1");
    w1.mutate((s) => {
      s.files["/etc/motd"] = { type: "dir", mode: 0o755, owner: "root", group: "root" };
    });
    const io = recordingIo();
    const code = await main(
      ["apply", "-i", inventoryFile("hosts.yml", TWO_HOSTS), "-l", "w1", "--yes"],
      io,
      simDeps({ w1 }),
    );
    expect(code).toBe(1);
    expect(io.out()).toContain("w1");
    expect(io.out()).toContain("/etc/motd");
  });

  it("with only an unreachable host left to change, nothing is asked and the exit code is 1", async () => {
    const w2 = simHost("w2");
    const inv = inventoryFile("hosts.yml", TWO_HOSTS);
    expect(await main(["apply", "-i", inv, "-l", "w2", "--yes"], recordingIo(), simDeps({ w2 }))).toBe(0);
    const io = recordingIo({ tty: true, answers: ["yes"] });
    expect(await main(["apply", "-i", inv], io, simDeps({ w2 }))).toBe(1);
    expect(io.prompts).toEqual([]);
  });

  it("--local applies to this machine without an inventory", async () => {
    const me = simHost("thismachine");
    const io = recordingIo();
    expect(await main(["apply", "--local", "--yes"], io, simDeps({ thismachine: me }))).toBe(0);
    expect(fileOn(me, "/etc/motd")).toBe("hello\n");
    expect(io.out()).toContain("converged");
  });
});

describe("--local with an inventory: one host's variables, applied to this machine", () => {
  it("connects through the local transport, whatever the inventory says", async () => {
    const w2 = simHost("w2");
    const base = simDeps({ w2 });
    const types: string[] = [];
    const deps = {
      ...base,
      openTarget: async (c: Parameters<typeof base.openTarget>[0]) => {
        types.push(c.type);
        return base.openTarget(c);
      },
    };
    const inv = inventoryFile(
      "hosts.yml",
      TWO_HOSTS.replace("motd: hi w2", "motd: hi w2\n          ansible_host: 10.9.9.9"),
    );
    expect(await main(["apply", "-i", inv, "--local", "-l", "w2", "--yes"], recordingIo(), deps)).toBe(0);
    expect(types).toEqual(["local"]);
    expect(fileOn(w2, "/etc/motd")).toBe("hi w2\n");
  });

  it("refuses when more than one host is selected", async () => {
    const io = recordingIo();
    expect(
      await main(["plan", "-i", inventoryFile("hosts.yml", TWO_HOSTS), "--local"], io, simDeps({})),
    ).toBe(1);
    expect(io.err()).toContain("2 hosts are selected; pick one with --limit");
  });

  it("a plan saved with --local applies with --local", async () => {
    const me = simHost("thismachine");
    const out = join(dirname(inventoryFile("x", "")), "local-plan.json");
    expect(await main(["plan", "--local", "--out", out], recordingIo(), simDeps({ thismachine: me }))).toBe(
      0,
    );
    const io = recordingIo();
    expect(await main(["apply", out, "--local"], io, simDeps({ thismachine: me }))).toBe(0);
    expect(io.out()).toContain("converged");
    expect(fileOn(me, "/etc/motd")).toBe("hello\n");
  });
});

describe("tend facts", () => {
  it("prints each host's facts as JSON", async () => {
    const io = recordingIo();
    const code = await main(
      ["facts", "-i", inventoryFile("hosts.yml", TWO_HOSTS), "--limit", "w2"],
      io,
      simDeps({ w2: simHost("w2") }),
    );
    expect(code).toBe(0);
    const facts = JSON.parse(io.out()) as Record<string, { hostname: string; os: { family: string } }>;
    expect(Object.keys(facts)).toEqual(["w2"]);
    expect(facts.w2?.os.family).toBe("debian");
  });
});

describe("errors reach the user as one clear line, never a stack trace", () => {
  it.each<[string, string[], string]>([
    [
      "missing inventory",
      ["plan", "-i", "/nonexistent/hosts.yml"],
      "error: /nonexistent/hosts.yml: cannot read inventory: no such file",
    ],
    ["no inventory", ["plan"], "error: no inventory: give -i INVENTORY"],
    [
      "bad --limit",
      ["plan", "-i", "INV", "--limit", "nope"],
      'error: --limit: "nope" matches no host or group',
    ],
    [
      "bad concurrency",
      ["plan", "-i", "INV", "--concurrency", "0"],
      "error: --concurrency: expected a positive integer",
    ],
    ["unknown option", ["plan", "--frobnicate"], "unknown option '--frobnicate'"],
    ["no command", [], "Usage: tend"],
    [
      "plan file without inventory",
      ["apply", "plan.json"],
      "error: plan.json: give -i INVENTORY (or --local)",
    ],
    [
      "unreadable plan file",
      ["apply", "/nonexistent/plan.json", "-i", "INV"],
      "error: /nonexistent/plan.json: cannot read plan: no such file",
    ],
  ])("%s", async (_name, argv, message) => {
    const inv = inventoryFile("hosts.yml", TWO_HOSTS);
    const io = recordingIo();
    const code = await main(
      argv.map((a) => (a === "INV" ? inv : a)),
      io,
      simDeps({}),
    );
    expect(code).toBe(1);
    expect(io.err()).toContain(message);
    expect(io.err()).not.toMatch(/\n\s+at /);
  });

  it("a bug in a module becomes 'internal error: <message>', exit 1", async () => {
    const modules = motdModules({
      resources: () => {
        throw new Error("boom");
      },
    });
    const io = recordingIo();
    const code = await main(
      ["plan", "-i", inventoryFile("hosts.yml", TWO_HOSTS)],
      io,
      simDeps({ w1: simHost("w1"), w2: simHost("w2") }, modules),
    );
    expect(code).toBe(1);
    expect(io.err()).toBe(io.err().replace(/\n\s+at .*/g, ""));
    expect(io.err()).toContain("internal error: boom");
  });

  it("a plan file that is not a plan is refused, naming the file", async () => {
    const inv = inventoryFile("hosts.yml", TWO_HOSTS, { "bad.json": '{"format": "other"}' });
    const io = recordingIo();
    expect(await main(["apply", join(dirname(inv), "bad.json"), "-i", inv], io, simDeps({}))).toBe(1);
    expect(io.err()).toContain("bad.json: not a tend plan");
  });
});

describe("colour only on a terminal and never with NO_COLOR", () => {
  it.each<[boolean, Record<string, string>, string[], boolean]>([
    [true, {}, [], true],
    [false, {}, [], false],
    [true, { NO_COLOR: "1" }, [], false],
    [true, {}, ["--no-color"], false],
  ])("tty=%s env=%j flags=%j → colour %s", async (tty, env, flags, colour) => {
    const io = recordingIo({ tty, env });
    await main(
      ["plan", "-i", inventoryFile("hosts.yml", TWO_HOSTS), "-l", "w1", ...flags],
      io,
      simDeps({ w1: simHost("w1") }),
    );
    expect(io.out().includes("\u001b[")).toBe(colour);
  });
});

describe("help", () => {
  it("--help prints usage to stdout and exits 0", async () => {
    const io = recordingIo();
    expect(await main(["plan", "--help"], io, simDeps({}))).toBe(0);
    expect(io.out()).toContain("--detailed-exitcode");
  });
});
