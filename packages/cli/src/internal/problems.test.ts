/** Placing problems: origins read as files and scopes, lines found, order and grouping for people. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../test-support.js";
import { LineFinder, type Problem, placeOf, renderProblems, sortProblems } from "./problems.js";

const file = (name: string, text: string): string => {
  const path = join(tempDir("problems-"), name);
  writeFileSync(path, text);
  return path;
};

describe("a problem's line is where its variable is set", () => {
  it.each([
    [
      "a top-level key of a vars file",
      "all.yml",
      "# c\nk8s_release: x\netcd_client_port: 1\n",
      "",
      "etcd_client_port",
      3,
    ],
    [
      "a key below a map",
      "all.yml",
      "dockerd_settings_user:\n  log-level: x\n  mtu: 1\n",
      "",
      "dockerd_settings_user.mtu",
      3,
    ],
    ["a JSON vars file on one line", "w1.json", '{"a": 1, "k8s_conf_dir": "x"}', "", "k8s_conf_dir", 1],
    ["a host's inline INI variable", "hosts.ini", "[g]\nw0 motd=1\nw1 motd=2\n", " (host w1)", "motd", 3],
    [
      "an INI [group:vars] section",
      "hosts.ini",
      "[g]\nw1 motd=2\n[g:vars]\nmotd=3\n",
      " (group g)",
      "motd",
      4,
    ],
    [
      "a YAML inventory host",
      "hosts.yml",
      "all:\n  hosts:\n    w0:\n      port: 1\n    w1:\n      port: 2\n",
      " (host w1)",
      "port",
      6,
    ],
  ])("%s", async (_name, name, text, scope, variable, line) => {
    const path = file(name, text);
    expect(await new LineFinder().lineOf(placeOf(`${path}${scope}`), variable)).toBe(line);
  });

  it("an origin that is not a file has no file and no line", async () => {
    const place = placeOf("role defaults (@tend/modules)");
    expect(place.file).toBeNull();
    expect(await new LineFinder().lineOf(place, "k8s_conf_dir")).toBeNull();
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
