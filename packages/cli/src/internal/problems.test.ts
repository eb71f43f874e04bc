/** Placing problems: origins read as files and scopes, lines carried from the parse, order and grouping for people. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { isLeft } from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { tempDir } from "../test-support.js";
import { loadInventory } from "./inventory/index.js";
import { lineIn, type Problem, placeOf, renderProblems, sortProblems } from "./problems.js";

/** Loads an inventory written into a fresh directory; the layers of `host`. */
const layersOf = async (files: Record<string, string>, inventory: string, host: string) => {
  const dir = tempDir("problems-");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const loaded = await loadInventory(join(dir, inventory));
  if (isLeft(loaded)) throw new Error(loaded.left.map((p) => p.message).join("; "));
  return { dir, layers: loaded.right.layers.get(host) ?? [] };
};

describe("a problem's line is the one the loader carried for its variable", () => {
  const hostsYml = "all:\n  hosts:\n    w0:\n    w1:\n";
  it.each([
    [
      "a top-level key of a vars file",
      { "hosts.yml": hostsYml, "group_vars/all.yml": "# c\nk8s_release: x\netcd_client_port: 1\n" },
      "hosts.yml",
      "group_vars/all.yml",
      "etcd_client_port",
      3,
    ],
    [
      "a key below a map",
      { "hosts.yml": hostsYml, "host_vars/w1.yml": "dockerd_settings_user:\n  log-level: x\n  mtu: 1\n" },
      "hosts.yml",
      "host_vars/w1.yml",
      "dockerd_settings_user.mtu",
      3,
    ],
    [
      "an item of a list, at its list's key",
      { "hosts.yml": hostsYml, "group_vars/all.yml": "a: 1\nntp_servers:\n  - x\n  - y\n" },
      "hosts.yml",
      "group_vars/all.yml",
      "ntp_servers[1]",
      2,
    ],
    [
      "a JSON vars file on one line",
      { "hosts.yml": hostsYml, "host_vars/w1.json": '{"a": 1, "k8s_conf_dir": "x"}' },
      "hosts.yml",
      "host_vars/w1.json",
      "k8s_conf_dir",
      1,
    ],
    [
      "a host's inline INI variable",
      { "hosts.ini": "[g]\nw0 motd=1\nw1 motd=2\n" },
      "hosts.ini",
      "hosts.ini (host w1)",
      "motd",
      3,
    ],
    [
      "an INI [group:vars] section",
      { "hosts.ini": "[g]\nw1 motd=2\n[g:vars]\nmotd=3\n" },
      "hosts.ini",
      "hosts.ini (group g)",
      "motd",
      4,
    ],
    [
      "a YAML inventory host",
      { "hosts.yml": "all:\n  hosts:\n    w0:\n      port: 1\n    w1:\n      port: 2\n" },
      "hosts.yml",
      "hosts.yml (host w1)",
      "port",
      6,
    ],
  ])("%s", async (_name, files, inventory, origin, variable, line) => {
    const { dir, layers } = await layersOf(files, inventory, "w1");
    expect(lineIn(layers, join(dir, origin), variable)).toBe(line);
  });

  it("a variable set in two files is placed in the one named as its origin", async () => {
    const { dir, layers } = await layersOf(
      {
        "hosts.yml": "all:\n  hosts:\n    w1:\n",
        "group_vars/all.yml": "motd: a\n",
        "host_vars/w1.yml": "x: 1\nmotd: b\n",
      },
      "hosts.yml",
      "w1",
    );
    expect(lineIn(layers, join(dir, "group_vars/all.yml"), "motd")).toBe(1);
    expect(lineIn(layers, join(dir, "host_vars/w1.yml"), "motd")).toBe(2);
  });

  it("an origin that is not a file, or a variable no layer sets, has no line", async () => {
    const { dir, layers } = await layersOf(
      { "hosts.yml": "all:\n  hosts:\n    w1:\n      a: 1\n" },
      "hosts.yml",
      "w1",
    );
    expect(placeOf("role defaults (@tend/modules)").file).toBeNull();
    expect(lineIn(layers, "role defaults (@tend/modules)", "k8s_conf_dir")).toBeNull();
    expect(lineIn(layers, join(dir, "hosts.yml (host w1)"), "k8s_conf_dir")).toBeNull();
  });
});

describe("problems for people", () => {
  const p = (host: string | null, file: string | null, line: number | null, message = "bad"): Problem => ({
    host,
    file,
    line,
    variable: "v",
    message,
  });

  it("sort by file, then line with unknown last, then hosts in natural order", () => {
    const sorted = sortProblems([p("w10", "b", 1), p("w2", "b", 1), p("w1", "b", null), p("w1", "a", 9)]);
    expect(sorted.map((x) => [x.host, x.file, x.line])).toEqual([
      ["w1", "a", 9],
      ["w2", "b", 1],
      ["w10", "b", 1],
      ["w1", "b", null],
    ]);
  });

  it("the same problem in a shared file is one message naming every host", () => {
    expect(renderProblems([p("w2", "g.yml", 3), p("w1", "g.yml", 3), p("w1", "h.yml", 1, "other")])).toEqual([
      "g.yml:3: v: bad\n  hosts: w1, w2",
      "h.yml:1: v: other\n  host: w1",
    ]);
  });
});
