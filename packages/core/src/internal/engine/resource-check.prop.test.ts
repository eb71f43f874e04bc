/**
 * No input steers a write or throws out of `plan` (issue 7): arbitrary
 * strings as names never yield an op outside their kind's place, nor any op
 * when the name is invalid; arbitrary junk as a resource is a typed error
 * naming it; a sensitive resource's invalid values never reach the message.
 * Planned against SimHost.
 */
import { posix } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  absPath,
  accountName,
  type Grammar,
  isAbsPath,
  kmodName,
  label,
  packageName,
  relPath,
  sysctlKey,
  unitName,
} from "../names.js";
import type { Op } from "../op.js";
import type { HostPlan } from "../plan/format.js";
import type { Resource } from "../resource.js";
import { sysctlPath } from "../shell/probe-script.js";
import { SimHost } from "../sim/simhost.js";
import { numRuns } from "./engine.fixture.js";
import { plan } from "./plan.js";

const planOne = async (resources: readonly unknown[]): Promise<HostPlan> =>
  (await plan(resources as Resource[], new SimHost())).plan.hosts[0]!;

/** Names an attacker would try: path tricks, NUL, newlines, options, unicode, lone surrogates. */
const hostile: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc
    .array(
      fc.constantFrom(
        "..",
        "/",
        ".",
        "\0",
        "\n",
        "-",
        "--",
        "@",
        ".service",
        ".conf",
        "é",
        "\uD800",
        " ",
        "a",
        "net",
        "ipv4",
        "etc",
        "cron.d",
        "passwd",
        "$(touch x)",
        "_",
      ),
      { maxLength: 10 },
    )
    .map((parts) => parts.join("")),
);

/** Every path an op writes, removes or changes. */
const pathsOf = (op: Op): string[] => {
  switch (op.op) {
    case "mkdir":
    case "writeFile":
    case "setAttrs":
    case "remove":
      return [op.path];
    case "download":
      return [op.path, op.record];
    case "extract":
      return [op.dest, op.manifest];
    case "sysctl":
      return [sysctlPath(op.key) ?? "(no path)"];
    default:
      return [];
  }
};

const inside = (dir: string, path: string): boolean =>
  isAbsPath(path) && posix.normalize(path) === path && path.startsWith(dir);

/** [kind, props, its name grammar, where its ops may write, the op field that must equal the name]. */
const placed: [string, object, Grammar, readonly string[]][] = [
  ["unit", { content: "[Service]\n" }, unitName, ["/etc/systemd/system/"]],
  ["sysctl", { value: "1" }, sysctlKey, ["/etc/sysctl.d/", "/proc/sys/"]],
  ["kmod", {}, kmodName, ["/etc/modules-load.d/"]],
  ["user", {}, accountName, []],
  ["group", {}, accountName, []],
  ["package", {}, packageName, []],
];

describe("names cannot escape their place", () => {
  for (const [kind, props, grammar, dirs] of placed) {
    it(`${kind}: a name outside its grammar plans no op and names the resource; a valid one writes only under ${dirs.join(" and ") || "no path"}`, async () => {
      await fc.assert(
        fc.asyncProperty(hostile, async (name) => {
          const h = await planOne([{ kind, name, props }]);
          if (!grammar.test(name)) {
            expect(h.status).toBe("error");
            expect(h.status === "error" && h.errors.join("\n")).toContain(`${kind}[${name}]`);
            return;
          }
          // A valid name may still be refused on the facts (a module not on disk): then no ops either.
          if (h.status === "error") return;
          const paths = h.actions.flatMap((a) => a.ops.flatMap(pathsOf));
          expect(paths.filter((p) => !dirs.some((d) => inside(d, p)))).toEqual([]);
        }),
        { numRuns },
      );
    });
  }

  it.each(["file", "directory", "download"])(
    "%s: the name is the only path its ops touch, and only an absolute normalised one is planned",
    async (kind) => {
      const props =
        kind === "file" ? { content: "x" } : kind === "download" ? { url: "https://example.invalid/x" } : {};
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            hostile,
            hostile.map((s) => `/${s}`),
          ),
          async (name) => {
            const h = await planOne([{ kind, name, props }]);
            if (!absPath.test(name)) {
              expect(h.status === "error" && h.errors.join("\n")).toContain(`${kind}[${name}]`);
              return;
            }
            if (h.status === "error") return;
            const paths = h.actions.flatMap((a) => a.ops.flatMap(pathsOf));
            const own = paths.filter((p) => !inside("/var/lib/tend/downloads/", p));
            expect(own.filter((p) => p !== name)).toEqual([]);
          },
        ),
        { numRuns },
      );
    },
  );
});

describe("archive members and dest cannot escape", () => {
  it("an archive plans an extract only into an absolute normalised dest, of relative members, with its manifest in tend's state", async () => {
    await fc.assert(
      fc.asyncProperty(
        hostile,
        fc.oneof(
          hostile,
          hostile.map((s) => `/${s}`),
        ),
        fc.array(hostile, { maxLength: 3 }),
        async (name, dest, members) => {
          const h = await planOne([
            { kind: "archive", name, props: { dest, archive: "/srv/a.tgz", members } },
          ]);
          const valid = label.test(name) && absPath.test(dest) && members.every((m) => relPath.test(m));
          if (!valid) {
            expect(h.status).toBe("error");
            return;
          }
          if (h.status === "error") return;
          for (const op of h.actions.flatMap((a) => a.ops)) {
            expect(op.op).toBe("extract");
            if (op.op !== "extract") continue;
            expect(op.dest).toBe(dest);
            expect(op.members ?? []).toEqual(members);
            expect(inside("/var/lib/tend/manifests/", op.manifest)).toBe(true);
          }
        },
      ),
      { numRuns },
    );
  });
});

/** JSON and everything JSON is not: BigInt, functions, symbols, Maps, Dates, typed arrays, cycles. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({
    withBigInt: true,
    withMap: true,
    withSet: true,
    withDate: true,
    withTypedArray: true,
    withSparseArray: true,
    withNullPrototype: true,
    withBoxedValues: true,
  }),
  fc.func(fc.anything()),
  fc.constant(Symbol("s")),
  fc.dictionary(fc.string(), fc.anything()).map((o) => {
    const cyclic: Record<string, unknown> = { ...o };
    cyclic.self = cyclic;
    return cyclic;
  }),
);

const kinds = ["file", "unit", "sysctl", "kmod", "user", "service", "archive", "command", "swap"];

const resourceArb = fc.record(
  {
    kind: fc.oneof(fc.constantFrom(...kinds), junk),
    name: fc.oneof(
      fc.constantFrom("/etc/x", "docker.service", "off", "net.ipv4.ip_forward"),
      fc.string(),
      junk,
    ),
    props: fc.oneof(junk, fc.record({ mode: junk, content: junk }, { requiredKeys: [] })),
    deps: fc.oneof(fc.constant(undefined), junk, fc.array(fc.string())),
    notify: fc.oneof(fc.constant(undefined), junk, fc.constant({})),
    origin: fc.oneof(fc.constant(undefined), fc.string(), junk),
  },
  { requiredKeys: [] },
);

describe("junk never throws out of plan", () => {
  it("any resource (or non-resource) plans ready or fails with errors that name it", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(resourceArb, junk), async (r) => {
        const h = await planOne([r]);
        if (h.status === "ready") return;
        const rec = typeof r === "object" && r !== null ? (r as Record<string, unknown>) : {};
        const id =
          typeof rec.kind === "string" && typeof rec.name === "string"
            ? `${rec.kind}[${rec.name}]`
            : "resources[0]";
        expect(h.errors.length).toBeGreaterThan(0);
        expect(h.errors.some((e) => e.includes(id))).toBe(true);
        expect(h.errors.join("\n")).not.toContain("[object Object]");
      }),
      { numRuns },
    );
  });

  it("a non-array of resources is a typed error, not a throw", async () => {
    await fc.assert(
      fc.asyncProperty(
        junk.filter((u) => !Array.isArray(u)),
        async (u) => {
          const h = (await plan(u as Resource[], new SimHost())).plan.hosts[0]!;
          expect(h.status).toBe("error");
        },
      ),
      { numRuns },
    );
  });
});

describe("a sensitive resource's invalid values are never quoted", () => {
  it("whatever is wrong with a sensitive file's props, the secret is not in the errors", async () => {
    const secret = fc.string({ minLength: 1 }).map((s) => `S3CR3T-${s}`);
    const bad = (s: string): fc.Arbitrary<Record<string, unknown>> =>
      fc.constantFrom(
        { mode: s },
        { owner: s },
        { format: s },
        { content: s, contentBase64: s },
        { content: 7, source: s },
        { extra: s },
        { sensitive: s, content: s, mode: -1 },
      );
    await fc.assert(
      fc.asyncProperty(
        secret.chain((s) => bad(s).map((props) => ({ s, props }))),
        async ({ s, props }) => {
          const h = await planOne([
            { kind: "file", name: "/etc/k", props: { sensitive: true, content: s, ...props } },
          ]);
          expect(h.status).toBe("error");
          const text = h.status === "error" ? h.errors.join("\n") : "";
          expect(text).not.toContain(s);
          expect(text).not.toContain(JSON.stringify(s).slice(1, -1));
        },
      ),
      { numRuns },
    );
  });
});
