/** resolveVars: precedence, interpolation, decoding and the errors a user sees. */
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { describeVarError, type VarError } from "../errors.js";
import type { WorkerVars } from "./codec.js";
import type { VarLayer } from "./defaults.js";
import { HOME_MARKER, hostIpMarker } from "./deferred.js";
import { resolveVars } from "./resolve.js";

const layer = (origin: string, vars: Record<string, unknown>): VarLayer => ({ origin, vars });
const ok = (layers: VarLayer[], host = "worker1"): WorkerVars => {
  const r = resolveVars(layers, host);
  if (E.isLeft(r)) throw new Error(r.left.map(describeVarError).join("\n"));
  return r.right;
};
const errs = (layers: VarLayer[], host = "worker1"): VarError[] => {
  const r = resolveVars(layers, host);
  if (E.isRight(r)) throw new Error("expected errors");
  return r.left;
};
const messages = (layers: VarLayer[]) => errs(layers).map(describeVarError);

describe("precedence", () => {
  it("role defaults apply when no layer sets a variable", () => {
    const v = ok([]);
    expect(v.k8s_interface).toBe("tap0");
    expect(v.flannel_ip_range).toBe("10.200.0.0/16");
    expect(v.docker_uid).toBe(666);
  });

  it("a later layer replaces an earlier one: host_vars > group_vars/<group> > group_vars/all > inventory", () => {
    const layers = [
      layer("hosts.yml", { docker_version: "1.0.0", k8s_release: "1.0.0", etcd_client_port: 1 }),
      layer("group_vars/all.yml", { docker_version: "2.0.0", k8s_release: "2.0.0" }),
      layer("group_vars/k8s_worker.yml", { docker_version: "3.0.0" }),
      layer("host_vars/worker1.yml", { k8s_release: "4.0.0" }),
    ];
    const v = ok(layers);
    expect([v.docker_version, v.k8s_release, v.etcd_client_port]).toEqual(["3.0.0", "4.0.0", 1]);
  });

  it("a map in a higher layer replaces the whole map (no deep merge), as in Ansible", () => {
    const v = ok([layer("group_vars/all.yml", { dockerd_settings: { mtu: "1400" } })]);
    expect(v.dockerd_settings).toEqual({ mtu: "1400" });
  });
});

describe("*_settings_user", () => {
  it("user keys win and new keys are added, like combine", () => {
    const v = ok([layer("group_vars/all.yml", { dockerd_settings_user: { mtu: "1450", debug: "" } })]);
    expect(v.dockerd_settings).toEqual({
      host: "unix:///var/run/docker.sock",
      "log-level": "error",
      "storage-driver": "overlay",
      iptables: "false",
      "ip-masq": "false",
      bip: "",
      mtu: "1450",
      debug: "",
    });
    expect("dockerd_settings_user" in v).toBe(false);
  });

  it("numbers and booleans in settings become their text", () => {
    const v = ok([layer("g.yml", { k8s_worker_kubelet_settings_user: { v: 2, "register-node": false } })]);
    expect(v.k8s_worker_kubelet_settings.v).toBe("2");
    expect(v.k8s_worker_kubelet_settings["register-node"]).toBe("false");
  });

  it("a setting name that cannot be a flag is an error naming the key", () => {
    expect(messages([layer("group_vars/all.yml", { flannel_settings_user: { "bad name": "x" } })])).toEqual([
      'flannel_settings_user.bad name in group_vars/all.yml for host worker1: expected a setting name (letters, digits, . _ -), got "bad name"',
    ]);
  });
});

describe("interpolation", () => {
  it("{{ name }} with or without spaces interpolates, recursively", () => {
    const v = ok([
      layer("group_vars/all.yml", {
        k8s_cni_dir: "{{ my_base }}/cni",
        my_base: "{{my_root}}/opt",
        my_root: "/srv",
      }),
    ]);
    expect(v.k8s_cni_dir).toBe("/srv/opt/cni");
    expect(v.k8s_cni_bin_dir).toBe("/srv/opt/cni/bin");
  });

  it("inventory_hostname is the host being resolved", () => {
    const v = ok([layer("g.yml", { docker_download_dir: "/opt/{{ inventory_hostname }}" })], "worker7");
    expect(v.docker_download_dir).toBe("/opt/worker7");
  });

  it("a whole-string reference keeps the referenced type", () => {
    const v = ok([layer("g.yml", { my_port: 4001, etcd_client_port: "{{ my_port }}" })]);
    expect(v.etcd_client_port).toBe(4001);
  });

  it("the seed's own expressions are modelled: expanduser → controller home, hostvars … ipv4.address → the host's address", () => {
    const v = ok([
      layer("group_vars/all.yml", {
        k8s_interface: "wg0",
        k8s_ca_conf_directory: "{{ '~/k8s/certs' | expanduser }}",
        flannel_settings_user: {
          "public-ip": "{{hostvars[inventory_hostname]['ansible_' + k8s_interface].ipv4.address}}",
        },
        k8s_worker_kubelet_settings_user: { "node-ip": "{{ ansible_eth1.ipv4.address }}" },
      }),
    ]);
    expect(v.k8s_ca_conf_directory).toBe(`${HOME_MARKER}/k8s/certs`);
    expect(v.flannel_settings["public-ip"]).toBe(hostIpMarker("wg0"));
    expect(v.k8s_worker_kubelet_settings["node-ip"]).toBe(hostIpMarker("eth1"));
  });

  it("a cycle is an error naming the chain", () => {
    const e = errs([
      layer("group_vars/all.yml", {
        k8s_cni_dir: "{{ k8s_cni_bin_dir }}/x",
        k8s_cni_bin_dir: "{{ k8s_cni_dir }}/bin",
      }),
    ]);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ _tag: "InterpolationCycle", origin: "group_vars/all.yml" });
    expect(describeVarError(e[0]!)).toMatch(
      /interpolation cycle (k8s_cni_dir -> k8s_cni_bin_dir -> k8s_cni_dir|k8s_cni_bin_dir -> k8s_cni_dir -> k8s_cni_bin_dir)/,
    );
  });

  it("filters and other expressions are errors naming the variable, its origin and what is supported", () => {
    const [m] = messages([
      layer("group_vars/k8s.yml", { docker_version: "{{ docker_base | default('18.09') }}" }),
    ]);
    expect(m).toContain(
      "docker_version in group_vars/k8s.yml for host worker1: unsupported expression {{ docker_base | default('18.09') }}",
    );
    expect(m).toContain("a variable name");
    expect(m).toContain("expanduser");
  });

  it("a reference to another host's hostvars is unsupported", () => {
    expect(
      errs([layer("g.yml", { flannel_ip_range: "{{ hostvars['etcd1'].flannel_ip_range }}" })])[0],
    ).toMatchObject({
      _tag: "UnsupportedExpression",
      variable: "flannel_ip_range",
    });
  });

  it("an undefined reference is an error with a suggestion", () => {
    expect(messages([layer("g.yml", { k8s_cni_bin_dir: "{{ k8s_cni_dri }}/bin" })])).toEqual([
      "k8s_cni_bin_dir in g.yml for host worker1: {{ k8s_cni_dri }} names a variable that is not defined (did you mean k8s_cni_dir?)",
    ]);
  });

  it("an unterminated {{ is an error, not text", () => {
    expect(errs([layer("g.yml", { docker_version: "{{ docker_base" })])[0]).toMatchObject({
      _tag: "UnsupportedExpression",
      variable: "docker_version",
    });
  });

  it("references inside lists and maps are interpolated", () => {
    const v = ok([
      layer("g.yml", {
        my_ca: "ca-x.pem",
        etcd_certificates: ["{{ my_ca }}"],
        dockerd_settings_user: { "data-root": "{{ docker_download_dir }}/d" },
      }),
    ]);
    expect(v.etcd_certificates).toEqual(["ca-x.pem"]);
    expect(v.dockerd_settings["data-root"]).toBe("/opt/tmp/d");
  });

  it("Jinja blocks are unsupported", () => {
    expect(errs([layer("g.yml", { docker_version: "{% if x %}1{% endif %}" })])[0]?._tag).toBe(
      "UnsupportedExpression",
    );
  });

  it("a YAML/JSON text config is interpolated, then parsed (the roles' template style)", () => {
    const v = ok([
      layer("g.yml", {
        k8s_worker_kubeproxy_conf_yaml:
          'kind: KubeProxyConfiguration\nclusterCIDR: "{{ flannel_ip_range }}"\n',
        flannel_ip_range: "10.99.0.0/16",
      }),
    ]);
    expect(v.k8s_worker_kubeproxy_conf_yaml).toEqual({
      kind: "KubeProxyConfiguration",
      clusterCIDR: "10.99.0.0/16",
    });
  });
});

describe("decoding errors name file, host, variable and expectation", () => {
  it("docker_uid 'abc'", () => {
    expect(messages([layer("group_vars/all.yml", { docker_uid: "abc" })])).toEqual([
      'docker_uid in group_vars/all.yml for host worker1: expected a user or group id (0-4294967294), got "abc"',
    ]);
  });

  it("a quoted number is accepted for an integer", () => {
    expect(ok([layer("g.yml", { docker_uid: "1001" })]).docker_uid).toBe(1001);
  });

  it("relative paths, bad checksums, bad list items and bad modes each report their own variable", () => {
    const e = errs([
      layer("host_vars/worker1.yml", {
        k8s_conf_dir: "var/lib/kubernetes",
        k8s_cni_plugin_checksum: "abc",
        etcd_certificates: ["ca-etcd.pem", "../x"],
        tend_download_mode: "ftp",
      }),
    ]);
    expect(e.map((x) => [x.variable, x._tag === "BadValue" ? x.expected : ""])).toEqual([
      ["k8s_conf_dir", "an absolute path"],
      ["etcd_certificates[1]", "a file name (no /, not . or ..)"],
      ["k8s_cni_plugin_checksum", "a sha512 digest (128 hex digits)"],
      ["tend_download_mode", '"host" or "controller"'],
    ]);
    expect(e.every((x) => x.origin === "host_vars/worker1.yml" && x.host === "worker1")).toBe(true);
  });

  it("the origin of a bad value is the layer that set it, not a lower one", () => {
    const e = errs([
      layer("group_vars/all.yml", { docker_gid: 1 }),
      layer("host_vars/worker1.yml", { docker_gid: "x" }),
    ]);
    expect(e[0]?.origin).toBe("host_vars/worker1.yml");
  });

  it("the reserved marker character is refused in user values", () => {
    expect(errs([layer("g.yml", { docker_version: "\uE000home\uE000" })])[0]?._tag).toBe("BadValue");
  });
});

describe("unknown variables", () => {
  it("a misspelt variable with our prefix is an error with a suggestion", () => {
    expect(messages([layer("group_vars/all.yml", { dockerd_setings_user: { mtu: "1450" } })])).toEqual([
      "dockerd_setings_user in group_vars/all.yml for host worker1: unknown variable (did you mean dockerd_settings_user?)",
    ]);
  });

  it("an unknown variable far from every known name gets no suggestion", () => {
    const [e] = errs([layer("g.yml", { tend_something_else_entirely: 1 })]);
    expect(e).toMatchObject({ _tag: "UnknownVariable", suggestion: undefined });
  });

  it("the CLI's connection variables (tend_ssh_host_key_policy) are not unknown", () => {
    const r = resolveVars(
      [layer("group_vars/all.yml", { tend_ssh_host_key_policy: "accept-new" })],
      "worker1",
    );
    expect(E.isRight(r)).toBe(true);
  });

  it("ansible_* and other roles' variables are ignored", () => {
    expect(() =>
      ok([layer("g.yml", { ansible_user: "x", wireguard_port: 51820, harden_linux_x: [] })]),
    ).not.toThrow();
  });

  it("every problem is reported, not only the first", () => {
    expect(
      errs([layer("g.yml", { docker_uid: "x", flannel_vershun: "v1", k8s_release: "{{ a | b }}" })]).map(
        (e) => e._tag,
      ),
    ).toEqual(["UnknownVariable", "UnsupportedExpression", "BadValue"]);
  });
});
