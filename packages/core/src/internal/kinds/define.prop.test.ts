import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { numRuns } from "../engine/engine.fixture.js";
import {
  accountName,
  type Grammar,
  kmodName,
  label,
  packageName,
  problem,
  sysctlKey,
  unitName,
} from "../names.js";
import { groupKind } from "./group.js";
import { kmodKind } from "./kmod.js";
import { packageKind } from "./package.js";
import { sysctlKind } from "./sysctl.js";
import { unitKind } from "./unit.js";
import { userKind } from "./user.js";

/** Names as fleets declare them, their near misses, and hostile ones. */
const name = fc.oneof(
  fc.constantFrom("docker.service", "overlay", "net.ipv4.ip_forward", "kube", "iptables", "a.b", "-.mount"),
  fc.string({ unit: fc.constantFrom("a", ".", "-", "/", "@", "\0", "\uD800", " ", "service", "$") }),
  fc.string(),
);

const kinds: readonly [{ readonly checkName?: (n: string) => string | undefined }, Grammar][] = [
  [unitKind, unitName],
  [kmodKind, kmodName],
  [sysctlKind, sysctlKey],
  [groupKind, accountName],
  [userKind, accountName],
  [packageKind, packageName],
];

describe("defineKind's name check", () => {
  it("answers as its grammar does, every time a name is asked (the memo never changes an answer)", () => {
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 20 }), (names) => {
        for (const n of [...names, ...names])
          for (const [kind, g] of kinds) expect(kind.checkName?.(n)).toBe(problem(label, n) ?? problem(g, n));
      }),
      { numRuns },
    );
  });
});
