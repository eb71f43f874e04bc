/** Properties of resourcesForHost over arbitrary host names and settings maps. */
import type { Resource } from "@tend/core";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { resourcesForHost } from "./host.js";
import { clusterOf, factsFor, fakeChecksums, SEED_GROUP_VARS, seedFacts } from "./testing/seed-cluster.js";
import { resolveVars } from "./vars/resolve.js";

const settingName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,12}$/);
// Braces would start templates; those are covered by the interpolation tests.
const settingValue = fc.oneof(
  fc.string({ maxLength: 20 }).map((s) => s.replaceAll("{", "(")),
  fc.integer(),
  fc.boolean(),
);
const settings = fc.dictionary(settingName, settingValue, { maxKeys: 6 });

const declare = (host: string, user: Record<string, Record<string, unknown>>, reversed: boolean) => {
  // Insertion order of the user's maps must not matter: flags are sorted.
  const order = (m: Record<string, unknown>) =>
    Object.fromEntries(reversed ? Object.entries(m).reverse() : Object.entries(m));
  const vars = resolveVars(
    [
      SEED_GROUP_VARS,
      {
        origin: `host_vars/${host}.yml`,
        vars: Object.fromEntries(Object.entries(user).map(([k, m]) => [k, order(m)])),
      },
    ],
    host,
  );
  if (E.isLeft(vars)) throw new Error(JSON.stringify(vars.left));
  const facts = seedFacts().set(host, factsFor(host, "10.8.0.50"));
  const groups = { k8s_etcd: ["etcd1"], k8s_worker: [host], k8s: ["etcd1", host] };
  return resourcesForHost({
    inventoryHostname: host,
    groups: ["k8s", "k8s_worker"],
    vars: vars.right,
    facts: facts.get(host)!,
    cluster: clusterOf(facts, groups),
    checksums: fakeChecksums(vars.right),
    controllerHome: "/home/u",
    cacheDir: "/home/u/.cache",
  });
};

const ids = (rs: readonly Resource[]) => rs.map((r) => `${r.kind}[${r.name}]`);

describe("resourcesForHost properties", () => {
  it("ids are unique, and the result is the same for the same input whatever the settings' key order", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 0, maxLength: 16 }),
        fc.record({
          dockerd_settings_user: settings,
          flannel_settings_user: settings,
          k8s_worker_kubelet_settings_user: settings,
          k8s_worker_kubeproxy_settings_user: settings,
        }),
        (host, user) => {
          const a = declare(host, user, false);
          const b = declare(host, user, true);
          expect(b).toEqual(a);
          if (E.isLeft(a)) {
            // The only way to fail here is a host name that cannot be a file name.
            expect(a.left.map((e) => e._tag)).toEqual(["InvalidHostName"]);
            return;
          }
          expect(new Set(ids(a.right)).size).toBe(a.right.length);
          // Every declared dependency or notification points at a declared resource.
          const declared = new Set(ids(a.right));
          for (const r of a.right)
            for (const d of [...(r.deps ?? []), ...(r.notify ?? [])]) expect(declared).toContain(d);
        },
      ),
      { numRuns: 200 },
    );
  });
});
