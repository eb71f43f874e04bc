/**
 * Module registration: a host runs exactly the registered modules of its
 * role whose groups it is in, in registration order; each module sees the
 * ids its earlier modules declared; every module's failure is reported.
 */
import { buildersFor } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { currentRole, modulesFor, roles, runModules, seedRole, type WorkerModule } from "./registry.js";

const { file, service } = buildersFor("@example/toy");

describe("the module registry", () => {
  it("picks a role's modules by the host's groups, in registration order", () => {
    expect(modulesFor(seedRole, ["k8s_etcd"]).map((m) => m.name)).toEqual([
      "base-docker",
      "flannel",
      "docker",
    ]);
    expect(modulesFor(seedRole, ["k8s_worker"]).map((m) => m.name)).toEqual([
      "base-docker",
      "base",
      "flannel",
      "docker",
      "kubernetes-worker",
    ]);
    expect(modulesFor(currentRole, ["k8s_etcd"])).toEqual([]);
    expect(modulesFor(seedRole, ["web"])).toEqual([]);
  });

  it("registers each generation once, with unique module names", () => {
    expect(roles.map((r) => r.generation).sort()).toEqual(["current", "seed"]);
    for (const r of roles) expect(new Set(r.modules.map((m) => m.name)).size).toBe(r.modules.length);
  });

  it("gives each module the ids its earlier modules declared, and collects every module's errors", () => {
    const seen: string[][] = [];
    const modules: WorkerModule<string>[] = [
      {
        name: "conf",
        groups: ["g"],
        resources: ({ input }) => E.right([file(`/etc/${input}.conf`, { content: "x" })]),
      },
      {
        name: "svc",
        groups: ["g"],
        resources: ({ input, after }) => {
          seen.push([...after("conf"), ...after("missing")]);
          return E.right([service(input, {}, { deps: after("conf") })]);
        },
      },
      {
        name: "bad",
        groups: ["g"],
        resources: () => E.left([{ _tag: "UnsupportedOsFamily", host: "h", family: "x" }]),
      },
      {
        name: "bad2",
        groups: ["g"],
        resources: () => E.left([{ _tag: "UnsupportedOsFamily", host: "h", family: "y" }]),
      },
    ];
    const ok = runModules(modules.slice(0, 2), "app");
    expect(seen).toEqual([["file[/etc/app.conf]"]]);
    expect(E.isRight(ok) && ok.right.map((r) => [r.kind, r.name, r.deps ?? []])).toEqual([
      ["file", "/etc/app.conf", []],
      ["service", "app", ["file[/etc/app.conf]"]],
    ]);
    const failed = runModules(modules, "app");
    expect(E.isLeft(failed) && failed.left.map((e) => ("family" in e ? e.family : ""))).toEqual(["x", "y"]);
  });
});
