/**
 * Contract with @tend/core: every resource the modules declare, in every mode
 * we support, is of a built-in kind and its props decode through that kind's
 * codec (which rejects unknown props, so a typo here fails the test).
 */
import { builtinKinds, type Resource } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { resourcesForHost } from "./host.js";
import { SEED_GROUP_VARS, seedContext, varsFor } from "./testing/seed-cluster.js";

const kinds = new Map(builtinKinds.map((k) => [k.kind, k]));

const variants: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  ["seed defaults", {}],
  ["controller downloads", { tend_download_mode: "controller" }],
  [
    "registry CA certificates and checksums",
    {
      docker_ca_certificates: ["registry.crt"],
      docker_checksum: "ab".repeat(32),
      flannel_checksum: "cd".repeat(32),
    },
  ],
];

describe.each(variants)("with %s", (_label, extra) => {
  it.each(["etcd1", "controller1", "worker1"])(
    "every resource of %s decodes through its kind's props codec",
    (host) => {
      const vars = varsFor(host, [SEED_GROUP_VARS, { origin: "host_vars.yml", vars: extra }]);
      const r = resourcesForHost(seedContext(host, { vars }));
      if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
      const problems = r.right.flatMap((res: Resource) => {
        const kind = kinds.get(res.kind);
        if (!kind) return [`${res.kind}[${res.name}]: no such kind`];
        const d = kind.props.decode(res.props);
        return E.isLeft(d)
          ? [
              `${res.kind}[${res.name}]: ${d.left.map((e) => e.message ?? e.context.map((c) => c.key).join(".")).join("; ")}`,
            ]
          : [];
      });
      expect(problems).toEqual([]);
    },
  );
});
