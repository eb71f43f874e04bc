/**
 * Output for people, through main(): colour only where it can be seen, and
 * only when not asked otherwise.
 */
import { describe, expect, it } from "vitest";
import { main } from "./index.js";
import { inventoryFile, recordingIo, simDeps, simHost } from "./test-support.js";

const TWO_HOSTS =
  "all:\n  children:\n    k8s_worker:\n      hosts:\n        w1:\n        w2:\n          motd: hi w2\n";
const ESC = "\u001b";
/** A colour (SGR) sequence; a terminal's progress line also redraws with ESC [K, which is not colour. */
const SGR = new RegExp(`${ESC}\\[[0-9;]*m`);

describe("colour: a terminal, NO_COLOR, FORCE_COLOR and TERM=dumb", () => {
  it.each<[boolean, Record<string, string>, boolean]>([
    [false, {}, false],
    [false, { FORCE_COLOR: "1" }, true],
    [false, { FORCE_COLOR: "true" }, true],
    [true, { FORCE_COLOR: "0" }, false],
    [true, { FORCE_COLOR: "false" }, false],
    [false, { NO_COLOR: "1", FORCE_COLOR: "1" }, false],
    [true, { TERM: "dumb" }, false],
    [true, { NO_COLOR: "" }, true],
  ])(
    "stdout and stderr terminals=%s env=%j → colour %s, on plan and apply alike",
    async (tty, env, colour) => {
      for (const argv of [["plan"], ["apply", "--yes"]]) {
        const io = recordingIo({ tty, env });
        await main(
          [...argv, "-i", inventoryFile("hosts.yml", TWO_HOSTS)],
          io,
          simDeps({ w1: simHost("w1"), w2: simHost("w2") }),
        );
        expect(io.out().includes(ESC)).toBe(colour);
        // Off a terminal every progress line names its host in bold; a terminal's status line has colour only for failures.
        if (!colour) expect(SGR.test(io.err())).toBe(false);
        if (!tty) expect(io.err().includes(ESC)).toBe(colour);
      }
    },
  );
});
