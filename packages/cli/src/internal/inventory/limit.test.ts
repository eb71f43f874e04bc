import { describe, expect, it } from "vitest";
import { parseInventory, selectHosts } from "./index.js";

const inv = (() => {
  const r = parseInventory(
    "hosts.ini",
    `[k8s_etcd]
ctl01
ctl02
[k8s_controller]
ctl01
ctl02
[k8s_worker]
worker01
worker02
web03
[k8s:children]
k8s_etcd
k8s_controller
k8s_worker
`,
  );
  if (r._tag === "Left") throw new Error("fixture rejected");
  return r.right;
})();

describe("--limit selects hosts like Ansible's patterns, in inventory order", () => {
  it.each<[string[], string[]]>([
    [["worker01"], ["worker01"]],
    [["k8s_worker"], ["worker01", "worker02", "web03"]],
    [["worker02,ctl01"], ["ctl01", "worker02"]],
    [["k8s,!k8s_worker"], ["ctl01", "ctl02"]],
    [["k8s_worker:!worker02"], ["worker01", "web03"]],
    [["!ctl01"], ["ctl02", "worker01", "worker02", "web03"]],
    [["k8s_worker,&worker*"], ["worker01", "worker02"]],
    [["w*"], ["worker01", "worker02", "web03"]],
    [["~^ctl0[2-9]$"], ["ctl02"]],
    [["all"], ["ctl01", "ctl02", "worker01", "worker02", "web03"]],
    [
      ["k8s_worker", "!web03"],
      ["worker01", "worker02"],
    ],
  ])("%j → %j", (patterns, hosts) => {
    expect(selectHosts(inv, patterns)).toEqual({ _tag: "Right", right: hosts });
  });

  it.each<[string[], string]>([
    [["workr01"], '"workr01" matches no host or group'],
    [["k8s_worker,!nope"], '"nope" matches no host or group'],
    [["k8s_worker,!k8s_worker"], "selects no hosts"],
    [["~("], "invalid regular expression"],
  ])("%j is an error: %s", (patterns, message) => {
    const r = selectHosts(inv, patterns);
    expect(r._tag === "Left" && r.left).toContain(message);
  });
});
