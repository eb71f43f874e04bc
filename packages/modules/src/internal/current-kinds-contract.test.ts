/**
 * Contract with @tend/core for the current generation: every resource the
 * current modules declare, in both download modes, is of a built-in kind and
 * its props decode through that kind's codec, and every edge names a
 * declared resource.
 */
import { builtinKinds, type Resource } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { resourcesForHost } from "./host.js";
import { CURRENT_GROUP_VARS, currentContext } from "./testing/current-cluster.js";

const kinds = new Map(builtinKinds.map((k) => [k.kind, k]));

const variants: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  ["current defaults", {}],
  ["controller downloads", { tend_download_mode: "controller" }],
  [
    "pinned checksums, CNI restarts kubelet",
    { runc_checksum: `sha256:${"ab".repeat(32)}`, cni_restart_kubelet: "yes" },
  ],
];

describe.each(variants)("with %s", (_label, extra) => {
  it("every resource of worker1 decodes through its kind's props codec and its edges name declared resources", () => {
    const r = resourcesForHost(
      currentContext("worker1", [CURRENT_GROUP_VARS, { origin: "host_vars.yml", vars: extra }]),
    );
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
    expect(r.right.length).toBeGreaterThan(30);
    // Every edge names a declared resource: a dangling one would silently order nothing.
    const ids = new Set(r.right.map((x) => `${x.kind}[${x.name}]`));
    const dangling = r.right.flatMap((x) =>
      [...(x.deps ?? []), ...(x.notify ?? [])].filter((id) => !ids.has(id)),
    );
    expect(dangling).toEqual([]);
  });
});
