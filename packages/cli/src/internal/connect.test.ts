import { describe, expect, it } from "vitest";
import { connectionOf, describeConnectionVarError, parseSshArgs } from "./connect.js";

const defaults = { user: "operator" };
const conn = (vars: Record<string, unknown>, host = "w1") =>
  connectionOf(host, [{ origin: "hosts.yml (host w1)", vars }], defaults);

describe("connection variables map to a transport like Ansible's", () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    [
      "ssh by default, inventory name as address, controller user, port 22",
      {},
      {
        type: "ssh",
        host: "w1",
        address: "w1",
        port: 22,
        username: "operator",
        become: false,
        hostKeyPolicy: "strict",
      },
    ],
    [
      "ansible_host/port/user/key/become",
      {
        ansible_host: "10.0.0.5",
        ansible_port: "2222",
        ansible_user: "deploy",
        ansible_ssh_private_key_file: "~/.ssh/k8s",
        ansible_become: "yes",
        ansible_become_user: "root",
      },
      {
        type: "ssh",
        address: "10.0.0.5",
        port: 2222,
        username: "deploy",
        privateKeyPath: "~/.ssh/k8s",
        become: true,
        becomeUser: "root",
      },
    ],
    [
      "legacy ansible_ssh_host/port",
      { ansible_ssh_host: "h.example", ansible_ssh_port: 23 },
      { address: "h.example", port: 23 },
    ],
    [
      "ProxyCommand, quoted",
      { ansible_ssh_common_args: '-o ProxyCommand="ssh -W %h:%p -q bastion"' },
      { proxyCommand: "ssh -W %h:%p -q bastion" },
    ],
    [
      "ProxyCommand with the whole option quoted",
      { ansible_ssh_common_args: "-o 'ProxyCommand=docker exec -i c1 /usr/sbin/sshd -i'" },
      { proxyCommand: "docker exec -i c1 /usr/sbin/sshd -i" },
    ],
    [
      "ProxyJump becomes ssh -W",
      { ansible_ssh_common_args: "-J jump@bastion:2200" },
      { proxyCommand: "ssh -l jump -p 2200 -W %h:%p bastion" },
    ],
    [
      "StrictHostKeyChecking=no with /dev/null known_hosts",
      { ansible_ssh_common_args: "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null" },
      { hostKeyPolicy: "accept-new", knownHostsPath: "/dev/null" },
    ],
    ["tend_ssh_host_key_policy", { tend_ssh_host_key_policy: "accept-new" }, { hostKeyPolicy: "accept-new" }],
    ["local", { ansible_connection: "local", ansible_host: "ignored" }, { type: "local", host: "w1" }],
    [
      "docker: container from ansible_host",
      { ansible_connection: "docker", ansible_host: "tend-w1" },
      { type: "docker", container: "tend-w1" },
    ],
    [
      "docker: container defaults to the inventory name",
      { ansible_connection: "docker" },
      { type: "docker", container: "w1" },
    ],
  ])("%s", (_name, vars, expected) => {
    const r = conn(vars);
    if (r._tag === "Left") throw new Error(r.left.map(describeConnectionVarError).join("\n"));
    expect(r.right).toMatchObject(expected);
  });

  it("a higher layer wins", () => {
    const r = connectionOf(
      "w1",
      [
        { origin: "group_vars/all.yml", vars: { ansible_user: "a", ansible_port: 1 } },
        { origin: "host_vars/w1.yml", vars: { ansible_user: "b" } },
      ],
      defaults,
    );
    expect(r._tag === "Right" && r.right).toMatchObject({ username: "b", port: 1 });
  });

  it.each<[Record<string, unknown>, string]>([
    [
      { ansible_port: "ssh" },
      'w1: ansible_port (from hosts.yml (host w1)): expected a TCP port, an integer from 1 to 65535, got "ssh"',
    ],
    [{ ansible_port: 70000 }, "expected a TCP port, an integer from 1 to 65535, got 70000"],
    [
      { ansible_become: "maybe" },
      'w1: ansible_become (from hosts.yml (host w1)): expected a boolean (true/false, yes/no, on/off, 1/0), got "maybe"',
    ],
    [{ ansible_connection: "winrm" }, 'unsupported connection "winrm"'],
    [{ ansible_connection: "toString" }, 'unsupported connection "toString"'],
    [
      { ansible_host: "{{ lookup('env', 'X') }}" },
      "ansible_host (from hosts.yml (host w1)): templated connection variables",
    ],
    [{ ansible_user: ["a"] }, "ansible_user (from hosts.yml (host w1)): expected a string, got a list"],
    [{ tend_ssh_host_key_policy: "yolo" }, 'expected "strict" or "accept-new"'],
    [
      { ansible_ssh_common_args: "-o 'ProxyCommand=ssh" },
      "ansible_ssh_common_args (from hosts.yml (host w1)): unterminated single quote",
    ],
    [
      { ansible_ssh_common_args: "-J jump@bastion:70000" },
      'jump host port: expected a TCP port, an integer from 1 to 65535, got "70000"',
    ],
    [
      { ansible_ssh_common_args: "-J jump@bastion:22x" },
      'jump host port: expected a TCP port, an integer from 1 to 65535, got "22x"',
    ],
    [
      { ansible_become: true, ansible_become_method: "doas" },
      'ansible_become_method (from hosts.yml (host w1)): tend becomes another user through sudo or su, got "doas"',
    ],
  ])("%j is refused naming host, variable and file", (vars, message) => {
    const r = conn(vars);
    expect(r._tag === "Left" && r.left.map(describeConnectionVarError).join("\n")).toContain(message);
  });
});

describe("parseSshArgs reads ProxyCommand however it is written", () => {
  it.each<[string, string | undefined]>([
    ["-o ProxyCommand=nc\\ %h\\ %p", "nc %h %p"],
    ['-o "ProxyCommand=sh -c \\"nc %h %p\\""', 'sh -c "nc %h %p"'],
    ['-o "ProxyCommand ssh -W %h:%p b"', "ssh -W %h:%p b"],
    ["-oProxyCommand=/usr/bin/proxy", "/usr/bin/proxy"],
    ["-o proxycommand='a b'", "a b"],
    ["-o ServerAliveInterval=5", undefined],
  ])("%s", (args, proxy) => {
    const r = parseSshArgs(args);
    expect(typeof r === "object" && r.proxyCommand).toBe(proxy ?? (undefined as unknown));
  });
});

describe("one problem per variable", () => {
  it("a templated ansible_host is refused once, as templated", () => {
    const r = conn({ ansible_host: "{{ inventory_hostname }}.example" });
    expect(r._tag === "Left" && r.left.map((e) => e.variable)).toEqual(["ansible_host"]);
    expect(r._tag === "Left" && r.left[0]?.message).toMatch(/templated/);
  });
});
