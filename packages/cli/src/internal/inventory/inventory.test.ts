import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test-support.js";
import { describeProblem } from "../decode.js";
import { hostsOfGroup, loadInventory, parseInventory } from "./index.js";

/** Writes files (path → text) into a fresh directory and returns it. */
const tree = (files: Record<string, string>): string => {
  const dir = tempDir("inv-");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
};

const load = async (files: Record<string, string>, inventory: string) => {
  const dir = tree(files);
  const r = await loadInventory(join(dir, inventory));
  if (r._tag === "Left") throw new Error(r.left.map(describeProblem).join("\n"));
  return { dir, ...r.right };
};

const loadErrors = async (files: Record<string, string>, inventory: string) => {
  const dir = tree(files);
  const r = await loadInventory(join(dir, inventory));
  if (r._tag === "Right") throw new Error("expected the inventory to be rejected");
  return r.left.map(describeProblem).map((m) => m.replace(`${dir}/`, ""));
};

/** The effective value of a variable: the highest layer that sets it. */
const effective = (layers: readonly { vars: Record<string, unknown> }[], name: string): unknown =>
  layers.reduce<unknown>((v, l) => (name in l.vars ? l.vars[name] : v), undefined);

const SEED_YAML = `
all:
  vars:
    k8s_interface: tap0
  children:
    k8s:
      vars:
        k8s_interface: wg0
      children:
        k8s_etcd:
          hosts:
            controller01:
            controller02:
        k8s_controller:
          hosts:
            controller01:
              ansible_host: 10.0.0.1
            controller02:
        k8s_worker:
          hosts:
            worker01:
              ansible_port: 2222
            worker02:
`;

const SEED_INI = `
# the seed's inventory in INI form
[k8s_etcd]
controller0[1:2]

[k8s_controller]
controller01 ansible_host=10.0.0.1
controller02

[k8s_worker]
worker01 ansible_port=2222
worker02

[k8s:children]
k8s_etcd
k8s_controller
k8s_worker

[k8s:vars]
k8s_interface=wg0

[all:vars]
k8s_interface=tap0
`;

describe("inventory files: YAML and INI describe the same model", () => {
  it.each([
    ["hosts.yml", SEED_YAML],
    ["hosts", SEED_INI],
  ])("%s keeps inventory order, nested groups and hosts in several groups", async (name, text) => {
    const { inventory } = await load({ [name]: text }, name);
    expect(inventory.hosts).toEqual(["controller01", "controller02", "worker01", "worker02"]);
    expect(hostsOfGroup(inventory, "k8s_etcd")).toEqual(["controller01", "controller02"]);
    expect(hostsOfGroup(inventory, "k8s")).toEqual(["controller01", "controller02", "worker01", "worker02"]);
    expect(inventory.groups.get("k8s_worker")?.parents).toEqual(["k8s"]);
    expect(inventory.groups.get("k8s_worker")?.depth).toBe(2);
    expect(inventory.hostVars.get("controller01")).toEqual({ ansible_host: "10.0.0.1" });
    expect(inventory.hostVars.get("worker01")).toEqual({ ansible_port: 2222 });
  });

  it.each([
    ["worker[01:03]", ["worker01", "worker02", "worker03"]],
    ["node[8:10]", ["node8", "node9", "node10"]],
    ["db-[a:c]", ["db-a", "db-b", "db-c"]],
    ["w[0:6:3]", ["w0", "w3", "w6"]],
  ])("INI host range %s expands in order", (pattern, hosts) => {
    const r = parseInventory("hosts.ini", `[g]\n${pattern}\n`);
    expect(r._tag === "Right" && r.right.hosts).toEqual(hosts);
  });

  it.each([
    ["n=1", 1],
    ['n="1"', "1"],
    ["b=True", true],
    ["b=true", "true"],
    ["s='two words'", "two words"],
    ["f=1.5", 1.5],
    ["p=/usr/bin/python3", "/usr/bin/python3"],
  ])("INI inline value %s reads like Ansible's literal_eval", (assignment, value) => {
    const r = parseInventory("hosts.ini", `h1 ${assignment}\n`);
    expect(r._tag === "Right" && r.right.hostVars.get("h1")).toEqual({ [assignment.split("=")[0]!]: value });
  });

  it("INI host:port sets ansible_port, and hosts outside a section are ungrouped", () => {
    const r = parseInventory("hosts.ini", "bastion:2200\n[web]\nweb1\n");
    if (r._tag === "Left") throw new Error("rejected");
    expect(r.right.hostVars.get("bastion")).toEqual({ ansible_port: 2200 });
    expect(hostsOfGroup(r.right, "ungrouped")).toEqual(["bastion"]);
  });

  it("YAML `yes` is a boolean, as in Ansible's YAML 1.1", () => {
    const r = parseInventory("h.yml", "all:\n  hosts:\n    h1:\n      ansible_become: yes\n");
    expect(r._tag === "Right" && r.right.hostVars.get("h1")).toEqual({ ansible_become: true });
  });

  it("a host, group or variable is named as written, even when YAML 1.1 would read the key as a number, boolean or null", () => {
    const names = ["e5", "1e5", "010", "1.0", "0x1F", "1:20", "yes", "off", "~", "null", ".nan", "-.inf"];
    const text = [
      "all:",
      "  children:",
      "    2024:",
      "      hosts:",
      ...names.map((n) => `        ${n}:\n          yes: ten\n          on: 0x10`),
    ].join("\n");
    const r = parseInventory("h.yml", `${text}\n`);
    if (r._tag === "Left") throw new Error(JSON.stringify(r.left));
    expect(hostsOfGroup(r.right, "2024")).toEqual(names);
    // Keys as written, values as YAML 1.1 reads them (0x10 is 16, as in PyYAML).
    for (const n of names) expect(r.right.hostVars.get(n)).toEqual({ yes: "ten", on: 16 });
  });

  it("a `<<` merge key still merges (it is no plain name)", () => {
    const text =
      "all:\n  hosts:\n    e5: &base\n      ansible_port: 2200\n    w1:\n      <<: *base\n      ansible_user: ops\n";
    const r = parseInventory("h.yml", text);
    if (r._tag === "Left") throw new Error(JSON.stringify(r.left));
    expect(r.right.hostVars.get("w1")).toEqual({ ansible_port: 2200, ansible_user: "ops" });
    expect(r.right.hostVars.get("e5")).toEqual({ ansible_port: 2200 });
  });
});

describe("variable precedence: inventory < group_vars/all < group_vars/<group> < host vars < host_vars", () => {
  const files = {
    "inv/hosts.yml": SEED_YAML,
    "inv/group_vars/all.yml": "k8s_interface: from_all_file\nlevel: all\n",
    "inv/group_vars/k8s.yaml": "level: k8s\n",
    "inv/group_vars/k8s_worker/main.yml": "level: worker\nworker_only: 1\n",
    "inv/group_vars/k8s_worker/zz.json": '{"order": "json after main"}',
    "inv/group_vars/k8s_etcd.yml": "level: etcd\nshared: etcd\n",
    "inv/group_vars/k8s_controller.yml": "shared: controller\n",
    "inv/host_vars/worker01.yml": "ansible_port: 22\n",
  };

  it.each([
    ["worker01", "k8s_interface", "from_all_file"],
    ["worker01", "level", "worker"],
    ["worker01", "worker_only", 1],
    ["worker01", "order", "json after main"],
    ["worker01", "ansible_port", 22],
    ["worker02", "ansible_port", undefined],
    // Both groups are at depth 2: the later name (k8s_etcd > k8s_controller) wins.
    ["controller01", "shared", "etcd"],
    ["controller01", "level", "etcd"],
    ["controller01", "ansible_host", "10.0.0.1"],
  ])("%s: %s = %j", async (host, name, value) => {
    const { layers } = await load(files, "inv/hosts.yml");
    expect(effective(layers.get(host) ?? [], name)).toEqual(value);
  });

  it("layers come lowest first and name their files", async () => {
    const { layers, dir } = await load(files, "inv/hosts.yml");
    const origins = (layers.get("worker01") ?? []).map((l) => l.origin.replace(`${dir}/`, ""));
    expect(origins).toEqual([
      "inv/hosts.yml (group all)",
      "inv/hosts.yml (group k8s)",
      "inv/group_vars/all.yml",
      "inv/group_vars/k8s.yaml",
      "inv/group_vars/k8s_worker/main.yml",
      "inv/group_vars/k8s_worker/zz.json",
      "inv/hosts.yml (host worker01)",
      "inv/host_vars/worker01.yml",
    ]);
  });

  it("inventory group vars: a child group overrides its parent", async () => {
    const { layers } = await load({ "hosts.ini": SEED_INI }, "hosts.ini");
    expect(effective(layers.get("worker02") ?? [], "k8s_interface")).toBe("wg0");
  });

  it("ansible_group_priority reorders groups of equal depth", async () => {
    const { layers } = await load(
      {
        "hosts.yml": `all:
  children:
    a: {hosts: {h: null}, vars: {x: a, ansible_group_priority: 10}}
    b: {hosts: {h: null}, vars: {x: b}}
`,
      },
      "hosts.yml",
    );
    expect(effective(layers.get("h") ?? [], "x")).toBe("a");
  });
});

describe("malformed inventories: the error names the file, the line and the path of the bad value", () => {
  it.each<[string, Record<string, string>, string, string]>([
    [
      "hosts not a mapping",
      { "h.yml": "all:\n  hosts: [a, b]\n" },
      "h.yml",
      "h.yml:2: at all.hosts: expected",
    ],
    [
      "host vars not a mapping",
      { "h.yml": "all:\n  children:\n    web:\n      hosts:\n        w1: 5\n" },
      "h.yml",
      "h.yml:5: at all.children.web.hosts.w1: expected",
    ],
    [
      "misspelt group key",
      { "h.yml": "all:\n  chilren:\n    web: {}\n" },
      "h.yml",
      "h.yml:2: at all.chilren: unexpected key",
    ],
    [
      "bad variable name",
      { "h.yml": "all:\n  vars:\n    bad-name: 1\n" },
      "h.yml",
      'h.yml:3: at all.vars.bad-name: invalid variable name "bad-name"',
    ],
    ["YAML syntax", { "h.yml": "all:\n  hosts: [\n" }, "h.yml", "h.yml:3: invalid YAML: column"],
    [
      "group_vars not a mapping",
      { "h.yml": "all:\n  hosts: {h: null}\n", "group_vars/all.yml": "- a\n" },
      "h.yml",
      "group_vars/all.yml: a vars file must be a mapping",
    ],
    [
      "host_vars bad name",
      {
        "h.yml": "all:\n  hosts: {h: null}\n",
        "host_vars/h/main.yml": "ok: 1\nnested:\n  fine: 1\n9lives: 1\n",
      },
      "h.yml",
      'host_vars/h/main.yml:4: at 9lives: invalid variable name "9lives"',
    ],
    ["INI vars line", { "h.ini": "[g:vars]\nnot an assignment\n" }, "h.ini", "h.ini:2: expected key=value"],
    ["INI section", { "h.ini": "[g:hosts]\n" }, "h.ini", 'h.ini:1: unknown section suffix ":hosts"'],
    [
      "INI inline var",
      { "h.ini": "[g]\nh1 ansible_port\n" },
      "h.ini",
      'h.ini:2: expected key=value after the host name, got "ansible_port"',
    ],
    ["INI range", { "h.ini": "[g]\nw[3:1]\n" }, "h.ini", "h.ini:2: range end is before its start"],
    [
      "cycle",
      { "h.ini": "[a:children]\nb\n[b:children]\na\n" },
      "h.ini",
      "h.ini: groups form a cycle: a -> b -> a",
    ],
    ["missing file", {}, "nope.yml", "nope.yml: cannot read inventory: no such file"],
  ])("%s", async (_name, files, inventory, message) => {
    const errors = await loadErrors(files, inventory);
    expect(errors.join("\n")).toContain(message);
  });
});
