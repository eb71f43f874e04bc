/**
 * Properties of connection variables against hostile strings: whatever an
 * inventory holds in ansible_host, ansible_user or ansible_ssh_common_args,
 * connectionOf never throws, never names a JavaScript value, and only
 * accepts a host and user that /bin/sh reads back as themselves inside the
 * ProxyCommand the transport would run.
 */
import { spawnSync } from "node:child_process";
import { expandProxyCommand } from "@tend/transport-ssh";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { connectionOf, describeConnectionVarError, shellWords } from "./connect.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);
// What OpenSSH >= 9.6 refuses in %h and %r (CVE-2023-51385), as an independent oracle.
const SHELL_SYNTAX = /['`"$\\;&<>|(){}\s\p{Cc}]/u;

const attack = fc.constantFrom(
  "$(touch /tmp/x)",
  "`id`",
  ";reboot",
  "|nc e 1",
  "&",
  "\n",
  "'",
  '"',
  " -oX=y",
);
const hostile = (base: fc.Arbitrary<string>) =>
  fc.tuple(base, attack, fc.boolean()).map(([b, a, before]) => (before ? a + b : b + a));
const hostArb = fc.oneof(
  fc.domain(),
  fc.ipV4(),
  fc.ipV6(),
  fc.string({ maxLength: 30 }),
  hostile(fc.domain()),
);
const userArb = fc.oneof(
  fc.stringMatching(/^[a-z_][a-z0-9_-]{0,15}$/),
  fc.string({ maxLength: 20 }),
  hostile(fc.constant("root")),
);

const PROXY = "printf '%%s\\n' %h %r";

describe("connectionOf against arbitrary ansible_host and ansible_user", () => {
  it("accepts only values that reach the ProxyCommand's shell as exactly themselves", () => {
    fc.assert(
      fc.property(hostArb, userArb, (host, user) => {
        const r = connectionOf(
          "w1",
          [
            {
              origin: "hosts.yml",
              vars: {
                ansible_host: host,
                ansible_user: user,
                ansible_ssh_common_args: `-o "ProxyCommand=${PROXY}"`,
              },
            },
          ],
          { user: "operator" },
        );
        if (SHELL_SYNTAX.test(host) || SHELL_SYNTAX.test(user) || user.startsWith("-")) {
          expect(r._tag).toBe("Left");
        }
        if (r._tag === "Left" || r.right.type !== "ssh") return;
        const c = r.right;
        const expanded = expandProxyCommand(c.proxyCommand!, {
          address: c.address,
          port: c.port,
          username: c.username,
        });
        expect(expanded._tag).toBe("Right");
        if (expanded._tag === "Left") return;
        const out = spawnSync("/bin/sh", ["-c", expanded.right], { encoding: "utf8" }).stdout;
        expect(out).toBe(`${c.address}\n${user}\n`);
      }),
      { numRuns },
    );
  });

  it("never throws and never shows undefined or [object Object], whatever the variables hold", () => {
    const junk = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string()),
      fc.object(),
    );
    const names = fc.constantFrom(
      "ansible_connection",
      "ansible_host",
      "ansible_port",
      "ansible_user",
      "ansible_become",
      "ansible_become_user",
      "ansible_ssh_common_args",
      "ansible_ssh_extra_args",
      "ansible_ssh_private_key_file",
      "tend_ssh_host_key_policy",
    );
    fc.assert(
      fc.property(fc.dictionary(names, junk), (vars) => {
        const r = connectionOf("w1", [{ origin: "group_vars/all.yml", vars }], { user: "operator" });
        if (r._tag === "Left") {
          for (const e of r.left)
            expect(describeConnectionVarError(e)).not.toMatch(/undefined|\[object Object\]|NaN/);
        }
      }),
      { numRuns },
    );
  });
});

describe("shellWords splits like sh and evaluates nothing", () => {
  it("gives back any list of words quoted for sh, $(...), backticks and $VAR included", () => {
    const word = fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(fc.array(word, { maxLength: 5 }), (words) => {
        const quoted = words.map((w) => `'${w.replaceAll("'", "'\\''")}'`).join(" ");
        expect(shellWords(quoted)).toEqual(words);
        const sh = spawnSync("/bin/sh", ["-c", `for w in ${quoted}; do printf '%s\\0' "$w"; done`], {
          encoding: "utf8",
        });
        expect(sh.stdout.split("\0").slice(0, -1)).toEqual(words);
      }),
      { numRuns: Math.max(1, Math.floor(numRuns / 4)) },
    );
  });

  it.each<[string, string[]]>([
    ["a\\ b 'c d' \"e $(f) `g` $H\"", ["a b", "c d", "e $(f) `g` $H"]],
    ['"a\\"b\\$c\\d"', ['a"b$c\\d']],
    ["x # comment", ["x"]],
    ["a#b", ["a#b"]],
    ["~/k $HOME", ["~/k", "$HOME"]],
  ])("%s", (text, words) => {
    expect(shellWords(text)).toEqual(words);
  });
});
