import { execFileSync, spawnSync } from "node:child_process";
import type { Resource } from "@tend/core";
import fc from "fast-check";
import { right } from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { main } from "./index.js";
import { dotString } from "./internal/graph-dot.js";
import { inventoryFile, motdModules, recordingIo, simDeps, simHost } from "./test-support.js";

const INVENTORY = "all:\n  children:\n    k8s_worker:\n      hosts:\n        w1:\n        w2:\n";
const hasDot = spawnSync("dot", ["-V"]).error === undefined;
const numRuns = Math.max(1, Math.floor(Number(process.env.TEND_PROP_RUNS ?? 200) / 10));

/** An app: its directory, a config in it that notifies the service, a unit, and the service. */
const APP: Resource[] = [
  { kind: "service", name: "app", props: {}, deps: ["directory[/etc/app]"] },
  { kind: "file", name: "/etc/app/app.conf", props: { content: "port=80\n" }, notify: ["service[app]"] },
  { kind: "unit", name: "app.service", props: { content: "[Service]\nExecStart=/bin/true\n" } },
  { kind: "directory", name: "/etc/app", props: {} },
];

const graphOf = async (resources: readonly Resource[], args: readonly string[] = [], env = process.env) => {
  const io = recordingIo({ env: { ...env } as Record<string, string> });
  const modules = motdModules({ resources: () => right(resources) });
  const w1 = simHost("w1");
  const code = await main(
    ["graph", "-i", inventoryFile("hosts.yml", INVENTORY), "--limit", "w1", ...args],
    io,
    simDeps({ w1, w2: simHost("w2") }, modules),
  );
  return { code, out: io.out(), err: io.err(), w1 };
};

const GOLDEN = `// tend graph of "w1": an edge runs from what comes first to what comes after.
// solid: declared dependency; dashed: implied (provides/requires); bold "notify": restart notification.
digraph "tend: w1" {
  rankdir=LR;
  node [shape=box, style="rounded,filled", fillcolor="#f5f5f5", fontname="monospace", fontsize=10];
  edge [fontname="monospace", fontsize=9];
  "directory[/etc/app]";
  "file[/etc/app/app.conf]";
  "unit[app.service]";
  "service[app]";
  "directory[/etc/app]" -> "file[/etc/app/app.conf]" [style=dashed, color="#7f7f7f"];
  "directory[/etc/app]" -> "service[app]" [style=solid, color="#1f4e79"];
  "file[/etc/app/app.conf]" -> "service[app]" [style=bold, color="#c55a11", fontcolor="#c55a11", label="notify"];
  "unit[app.service]" -> "service[app]" [style=dashed, color="#7f7f7f"];
}
`;

describe("tend graph", () => {
  it("prints the host's resource graph as DOT, in apply order, and changes nothing", async () => {
    const r = await graphOf(APP);
    expect(r.err).not.toContain("error");
    expect(r.code).toBe(0);
    expect(r.out).toBe(GOLDEN);
    expect(r.w1.opLog).toEqual([]);
  });

  it("styles each edge by where it comes from: declared solid, implied dashed, notify bold and labelled", async () => {
    const { out } = await graphOf(APP);
    const style = (from: string, to: string) =>
      out.split("\n").find((l) => l.trimStart().startsWith(`${dotString(from)} -> ${dotString(to)} [`));
    expect(style("directory[/etc/app]", "service[app]")).toContain("style=solid");
    expect(style("unit[app.service]", "service[app]")).toContain("style=dashed");
    expect(style("directory[/etc/app]", "file[/etc/app/app.conf]")).toContain("style=dashed");
    expect(style("file[/etc/app/app.conf]", "service[app]")).toMatch(/style=bold.*label="notify"/);
  });

  it("prints the same bytes whatever order the modules declare in", async () => {
    const a = await graphOf(APP);
    const b = await graphOf([...APP].reverse());
    expect(b.out).toBe(a.out);
  });

  it("refuses a selection of more than one host and says how to pick one", async () => {
    const io = recordingIo();
    const code = await main(
      ["graph", "-i", inventoryFile("hosts.yml", INVENTORY)],
      io,
      simDeps({ w1: simHost("w1"), w2: simHost("w2") }),
    );
    expect(code).toBe(1);
    expect(io.err()).toContain("2 are selected (w1, w2): pick one with --limit HOST");
    expect(io.out()).toBe("");
  });

  it("reports a graph problem (an unknown dependency) naming host and resource, exit 1", async () => {
    const r = await graphOf([{ kind: "directory", name: "/etc/x", props: {}, deps: ["file[/nope]"] }]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("directory[/etc/x]");
    expect(r.err).toContain("file[/nope]");
  });
});

describe("tend graph with hostile names", () => {
  const HOSTILE = [
    '/etc/app/x" -> "pwn"; "y',
    "/etc/app/back\\",
    "/etc/app/<script>alert(1)</script>",
    "/etc/app/a]{}",
  ];
  const hostile: Resource[] = [
    { kind: "directory", name: "/etc/app", props: {} },
    ...HOSTILE.map((name): Resource => ({ kind: "file", name, props: { content: "x\n" } })),
  ];

  it("quotes every name so that no name ends its string early", () => {
    for (const s of ['a"b', "a\\", 'a\\"b', "a\nb"]) {
      const q = dotString(s);
      // Inside the quotes, every quote is escaped by an odd run of backslashes.
      expect(q.slice(1, -1)).not.toMatch(/(^|[^\\])(\\\\)*"/);
      expect(q.slice(1, -1)).not.toContain("\n");
    }
  });

  it.skipIf(!hasDot)("keeps any name one node, named exactly, when Graphviz reads it (property)", () => {
    const char = fc.constantFrom(
      "\\",
      '"',
      "n",
      "r",
      "\n",
      "\r",
      "\t",
      "\u0000",
      "a",
      " ",
      "-",
      ">",
      ";",
      "{",
      "[",
      "<",
      "é",
      "😀",
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ unit: char, minLength: 1 }), { minLength: 1, maxLength: 20 }),
        (names) => {
          const dot = `digraph g {\n${names.map((n) => `  ${dotString(n)};`).join("\n")}\n}\n`;
          const json = JSON.parse(execFileSync("dot", ["-Tjson"], { input: dot }).toString()) as {
            objects: { name: string }[];
          };
          // Graphviz undoes \" and keeps the other escapes in a name; undo those as a label would.
          const read = json.objects.map((o) =>
            o.name.replace(/\\([\\nr])/g, (_m, c: string) => (c === "n" ? "\n" : c === "r" ? "\r" : c)),
          );
          const pictured = (n: string) => n.replaceAll("\u0000", "\u2400").replaceAll("\t", "\u2409");
          expect(read).toEqual(names.map(pictured));
        },
      ),
      { numRuns },
    );
  });

  it.skipIf(!hasDot)("gives Graphviz one node per resource, each named exactly", async () => {
    const { out, code } = await graphOf(hostile);
    expect(code).toBe(0);
    const json = JSON.parse(execFileSync("dot", ["-Tjson"], { input: out }).toString()) as {
      objects: { name: string }[];
      edges?: unknown[];
    };
    // Graphviz keeps the escapes of a quoted name; undo them to compare with the resource ids.
    const names = json.objects.map((o) => o.name.replace(/\\(["\\])/g, "$1")).sort();
    expect(names).toEqual(["directory[/etc/app]", ...HOSTILE.map((n) => `file[${n}]`)].sort());
    expect(json.edges).toHaveLength(HOSTILE.length);
  });

  it.skipIf(!hasDot)("renders SVG with Graphviz, the names as escaped text", async () => {
    const { out, code } = await graphOf(hostile, ["--format", "svg"]);
    expect(code).toBe(0);
    expect(out).toContain("<svg");
    expect(out).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(out).not.toContain("<script");
  });
});

describe("tend graph --format svg without Graphviz", () => {
  it("says that dot is missing and how to get it, exit 1", async () => {
    const r = await graphOf(APP, ["--format", "svg"], { PATH: "/nonexistent-tend-test-path" });
    expect(r.code).toBe(1);
    expect(r.err).toContain("apt-get install graphviz");
    expect(r.out).toBe("");
  });
});
