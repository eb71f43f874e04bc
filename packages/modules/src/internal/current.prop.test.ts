/**
 * Properties of the current generation over arbitrary inputs: hostile unit
 * settings never add a line to containerd.service, every release from 1.24
 * refuses the dockershim-era kubelet flags (and none before), and the seed's
 * inventories resolve exactly as they did before the generations existed.
 */
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { containerdUnit } from "./modules/containerd.js";
import { CURRENT_GROUP_VARS } from "./testing/current-cluster.js";
import { SEED_GROUP_VARS } from "./testing/seed-cluster.js";
import { checkWorkerSettings } from "./vars/flags.js";
import { isCurrent, resolveHostVars } from "./vars/host-vars.js";
import { resolveVars } from "./vars/resolve.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);

describe("containerd_service_settings", () => {
  it("whatever the values, the unit has one [Service] line per accepted setting and nothing else", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,10}$/), fc.string({ maxLength: 30 }), {
          maxKeys: 5,
        }),
        (settings) => {
          const clean = Object.fromEntries(
            Object.entries(settings).map(([k, v]) => [k, v.replaceAll("{", "(")]),
          );
          const r = resolveHostVars(
            [CURRENT_GROUP_VARS, { origin: "host_vars/w.yml", vars: { containerd_service_settings: clean } }],
            "w",
          );
          const multiLine = Object.values(clean).some((v) => /[\r\n\0]/.test(v));
          if (multiLine) {
            expect(E.isLeft(r)).toBe(true);
            return;
          }
          if (E.isLeft(r) || !isCurrent(r.right))
            throw new Error(JSON.stringify(E.isLeft(r) ? r.left : "seed"));
          const unit = containerdUnit(r.right);
          const service = unit.split("\n\n")[1]?.split("\n").slice(1) ?? [];
          expect(service).toHaveLength(Object.keys(clean).length);
          expect(service.map((l) => l.slice(0, l.indexOf("=")))).toEqual(Object.keys(clean).sort());
        },
      ),
      { numRuns },
    );
  });
});

describe("kubelet flags against the release", () => {
  const release = fc
    .tuple(fc.integer({ min: 10, max: 40 }), fc.integer({ min: 0, max: 20 }))
    .map(([minor, patch]) => `1.${minor}.${patch}`);
  it("network-plugin, cni-bin-dir, cni-conf-dir and image-pull-progress-deadline are refused exactly from 1.24", () => {
    fc.assert(
      fc.property(
        release,
        fc.subarray(["network-plugin", "cni-bin-dir", "cni-conf-dir", "image-pull-progress-deadline"]),
        (rel, flags) => {
          const problems = checkWorkerSettings({
            release: rel,
            releaseVar: "k8s_worker_release",
            kubelet: Object.fromEntries(flags.map((f) => [f, "x"])),
            kubeProxy: {},
            kubeProxyConf: {},
          });
          const minor = Number(rel.split(".")[1]);
          expect(problems.map((p) => p.key).sort()).toEqual(minor >= 24 ? [...flags].sort() : []);
          for (const p of problems) expect(p.message).toContain(`was removed in 1.24`);
        },
      ),
      { numRuns },
    );
  });
});

describe("the seed's inventories", () => {
  it("resolve through the generation choice exactly as through the seed's resolver", () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            k8s_interface: fc.constantFrom("wg0", "eth1"),
            flannel_ip_range: fc.constantFrom("10.200.0.0/16", "10.9.0.0/16"),
          },
          { requiredKeys: [] },
        ),
        (extra) => {
          const layers = [SEED_GROUP_VARS, { origin: "host_vars/worker1.yml", vars: extra }];
          expect(resolveHostVars(layers, "worker1")).toEqual(resolveVars(layers, "worker1"));
        },
      ),
      { numRuns: Math.max(1, Math.floor(numRuns / 10)) },
    );
  });
});
