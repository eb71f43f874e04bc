/**
 * One reading of a boolean variable (ansibleBool), as Ansible has it: the
 * seed's daemon settings, the current roles' flags and the CLI's
 * ansible_become take the same spellings and refuse the same values.
 */
import { describe, expect, it } from "vitest";
import { Bool } from "./current-codec.js";
import { AnsibleBool, ansibleBool } from "./types.js";

const TRUE = [true, 1, "true", "True", " YES ", "on", "1", "y", "T"];
const FALSE = [false, 0, "false", "No", "OFF", "0", "n", "f"];
const NEITHER = ["", "2", 2, -1, "maybe", "truee", null, undefined, [], {}, "yes please"];

describe("ansibleBool", () => {
  it("reads Ansible's spellings of true and false, in any case, and nothing else", () => {
    for (const v of TRUE) expect(ansibleBool(v), JSON.stringify(v)).toBe(true);
    for (const v of FALSE) expect(ansibleBool(v), JSON.stringify(v)).toBe(false);
    for (const v of NEITHER) expect(ansibleBool(v), JSON.stringify(v)).toBeUndefined();
  });

  it("the seed's AnsibleBool and the current roles' Bool agree with it", () => {
    for (const v of [...TRUE, ...FALSE, ...NEITHER]) {
      const b = ansibleBool(v);
      const seed = AnsibleBool.decode(v);
      const current = Bool.decode(v);
      expect(seed._tag === "Right" ? seed.right : undefined, JSON.stringify(v)).toBe(
        b === undefined ? undefined : String(b),
      );
      expect(current._tag === "Right" ? current.right : undefined, JSON.stringify(v)).toBe(b);
    }
  });
});
