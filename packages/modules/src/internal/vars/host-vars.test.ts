/**
 * Which generation a host gets, and the version-aware checks of its settings
 * (docs/SPEC-current.md), through the resolver the CLI calls.
 */
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { describeVarError, type VarError } from "../errors.js";
import type { VarLayer } from "./defaults.js";
import { checkWorkerSettings, containerdConfigProblem } from "./flags.js";
import { generationOf, isCurrent, resolveHostVars } from "./host-vars.js";

const layer = (origin: string, vars: Record<string, unknown>): VarLayer => ({ origin, vars });
const errors = (layers: readonly VarLayer[]): string[] => {
  const r = resolveHostVars(layers, "worker1");
  return E.isLeft(r) ? r.left.map((e: VarError) => describeVarError(e)) : [];
};

describe("the generation a host gets", () => {
  it("is the seed's for the seed's inventory, and current once a current-only variable is set", () => {
    expect(generationOf([layer("all.yml", { k8s_interface: "wg0", k8s_release: "1.17.4" })], "w")).toEqual(
      E.right("seed"),
    );
    expect(generationOf([], "w")).toEqual(E.right("seed"));
    for (const name of ["containerd_version", "k8s_worker_release", "runc_version", "cni_version"])
      expect(generationOf([layer("all.yml", { [name]: "1.0.0" })], "w"), name).toEqual(E.right("current"));
  });

  it("follows tend_worker_generation over any guess, and refuses other values naming the file", () => {
    expect(
      generationOf([layer("all.yml", { k8s_release: "1.17.4", tend_worker_generation: "current" })], "w"),
    ).toEqual(E.right("current"));
    expect(errors([layer("group_vars/k8s.yml", { tend_worker_generation: "newest" })])).toEqual([
      'tend_worker_generation in group_vars/k8s.yml for host worker1: expected "seed" or "current", got "newest"',
    ]);
  });

  it("is an error naming both variables and files when both generations' own variables are set", () => {
    expect(
      errors([
        layer("group_vars/all.yml", { docker_version: "18.09.6" }),
        layer("host_vars/worker1.yml", { containerd_version: "2.1.4" }),
      ]),
    ).toEqual([
      "docker_version in group_vars/all.yml for host worker1: a variable of the seed's roles, but containerd_version in host_vars/worker1.yml is one of the current roles'; use one generation's names, or set tend_worker_generation",
    ]);
  });

  it("resolves the current roles' defaults, with the settings_user maps merged", () => {
    const r = resolveHostVars(
      [layer("all.yml", { k8s_worker_release: "1.34.4", k8s_worker_kubelet_settings_user: { v: 2 } })],
      "worker1",
    );
    expect(E.isRight(r) && isCurrent(r.right)).toBe(true);
    if (E.isRight(r) && isCurrent(r.right)) {
      expect(r.right.containerd_version).toBe("2.1.4");
      expect(r.right.k8s_worker_kubelet_settings).toMatchObject({ v: "2", config: expect.any(String) });
      expect(r.right.runc_checksum).toEqual({
        algo: "sha256",
        url: "https://github.com/opencontainers/runc/releases/download/v1.4.0/runc.sha256sum",
      });
    }
  });

  it("reports a misspelt current variable with a suggestion, and leaves other roles' k8s_ variables alone", () => {
    expect(errors([layer("all.yml", { containerd_verison: "2.1.4", k8s_ctl_api_port: 6443 })])).toEqual([
      "containerd_verison in all.yml for host worker1: unknown variable (did you mean containerd_version?)",
    ]);
  });

  it("refuses hostile values: a newline in a unit setting, a relative directory, a bad runc_checksum", () => {
    expect(
      errors([
        layer("all.yml", {
          containerd_version: "2.1.4",
          containerd_service_settings: { ExecStart: "/bin/x\nExecStartPost=/bin/evil" },
          containerd_binary_directory: "usr/local/bin",
          runc_checksum: "md5:abc",
        }),
      ]),
    ).toEqual([
      `containerd_binary_directory in all.yml for host worker1: expected an absolute path (it is relative; start it with / (or '~/' | expanduser)), got "usr/local/bin"`,
      'containerd_service_settings.ExecStart in all.yml for host worker1: expected a one-line string, number or boolean, got "/bin/x\\nExecStartPost=/bin/evil"',
      'runc_checksum in all.yml for host worker1: expected sha256:<64 hex digits> or sha256:<http(s) URL>, got "md5:abc"',
    ]);
  });
});

describe("version-aware settings", () => {
  it("the seed's 1.17 kubelet settings with k8s_release 1.34.4 are errors naming flag, release and replacement", () => {
    expect(errors([layer("group_vars/all.yml", { k8s_interface: "wg0", k8s_release: "1.34.4" })])).toEqual([
      "k8s_worker_kubelet_settings.cni-bin-dir in role defaults (@tend/modules) for host worker1: `cni-bin-dir` was removed in 1.24: the container runtime finds the CNI plugins (containerd_config: bin_dir); drop it (k8s_release is 1.34.4)",
      "k8s_worker_kubelet_settings.cni-conf-dir in role defaults (@tend/modules) for host worker1: `cni-conf-dir` was removed in 1.24: the container runtime reads the CNI configuration (containerd_config: conf_dir); drop it (k8s_release is 1.34.4)",
      "k8s_worker_kubelet_settings.container-runtime in role defaults (@tend/modules) for host worker1: `container-runtime=docker` was removed in 1.24: dockershim is gone: run containerd and set containerRuntimeEndpoint in k8s_worker_kubelet_conf_yaml (k8s_release is 1.34.4)",
      "k8s_worker_kubelet_settings.image-pull-progress-deadline in role defaults (@tend/modules) for host worker1: `image-pull-progress-deadline` was removed in 1.24: only dockershim used it; drop it (k8s_release is 1.34.4)",
      "k8s_worker_kubelet_settings.network-plugin in role defaults (@tend/modules) for host worker1: `network-plugin` was removed in 1.24: CNI is always used; drop it (k8s_release is 1.34.4)",
      "k8s_worker_kubelet_settings.register-node in role defaults (@tend/modules) for host worker1: `register-node` moved into the configuration file in 1.27: set registerNode in the KubeletConfiguration (k8s_worker_kubelet_conf_yaml) and drop the flag (k8s_release is 1.34.4)",
    ]);
  });

  it("the same settings are fine for the release they were written for (1.17.4 and 1.23)", () => {
    expect(errors([layer("all.yml", { k8s_release: "1.17.4" })])).toEqual([]);
    expect(errors([layer("all.yml", { k8s_release: "1.23.17" })])).toEqual([]);
  });

  it("names the file that set the flag: a _user map wins over the defaults", () => {
    expect(
      errors([
        layer("group_vars/all.yml", { k8s_worker_release: "1.34.4" }),
        layer("host_vars/worker1.yml", { k8s_worker_kubelet_settings_user: { "network-plugin": "cni" } }),
      ]),
    ).toEqual([
      "k8s_worker_kubelet_settings.network-plugin in host_vars/worker1.yml for host worker1: `network-plugin` was removed in 1.24: CNI is always used; drop it (k8s_worker_release is 1.34.4)",
    ]);
  });

  it("container-runtime: docker refused from 1.24, any value from 1.27", () => {
    const at = (release: string, value: string) =>
      checkWorkerSettings({
        release,
        releaseVar: "k8s_worker_release",
        kubelet: { "container-runtime": value },
        kubeProxy: {},
        kubeProxyConf: {},
      }).length;
    expect([
      at("1.23.0", "docker"),
      at("1.24.0", "docker"),
      at("1.26.5", "remote"),
      at("1.27.0", "remote"),
    ]).toEqual([0, 1, 0, 1]);
  });

  it("kube-proxy: flags ignored next to --config and the userspace mode from 1.26 are errors", () => {
    const problems = checkWorkerSettings({
      release: "1.34.4",
      releaseVar: "k8s_worker_release",
      kubelet: {},
      kubeProxy: { config: "/x", "proxy-mode": "ipvs" },
      kubeProxyConf: { mode: "userspace" },
    });
    expect(problems.map((p) => p.variable)).toEqual([
      "k8s_worker_kubeproxy_settings.proxy-mode",
      "k8s_worker_kubeproxy_conf_yaml.mode",
    ]);
  });

  it("containerd_config version must be one the chosen containerd reads", () => {
    expect(containerdConfigProblem("2.1.4", "version = 3\n")).toBeUndefined();
    expect(containerdConfigProblem("1.6.20", "version = 2\n")).toBeUndefined();
    expect(containerdConfigProblem("1.6.20", "# x\nversion = 3\n")).toMatch(/needs containerd 2.0 or newer/);
    expect(
      errors([layer("group_vars/all.yml", { containerd_version: "1.6.20", k8s_config_cluster_name: "k8s" })]),
    ).toEqual([
      "containerd_config in current role defaults (@tend/modules) for host worker1: config `version = 3` needs containerd 2.0 or newer, but containerd_version is 1.6.20 (reads versions 1 and 2): give a version 2 config",
    ]);
  });
});
