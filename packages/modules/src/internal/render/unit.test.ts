/** The unit renderer: layout, flag order and systemd quoting. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { quoteExecArg, renderFlags, renderUnit } from "./unit.js";

describe("renderUnit", () => {
  it("writes sections in the given order, blank-line separated, ending in one newline, skipping unset entries", () => {
    expect(
      renderUnit([
        {
          name: "Unit",
          entries: [
            ["Description", "x"],
            ["After", undefined],
            ["After", "a.target"],
          ],
        },
        { name: "Install", entries: [["WantedBy", "multi-user.target"]] },
      ]),
    ).toBe("[Unit]\nDescription=x\nAfter=a.target\n\n[Install]\nWantedBy=multi-user.target\n");
  });

  it("writes a command with one sorted flag per continuation line", () => {
    const text = renderUnit([
      {
        name: "Service",
        entries: [
          ["ExecStart", { executable: "/bin/d", settings: { b: "2", a: "1", "a-b": "" }, style: "--" }],
        ],
      },
    ]);
    expect(text).toBe("[Service]\nExecStart=/bin/d \\\n  --a=1 \\\n  --a-b= \\\n  --b=2\n");
  });

  it("a command without settings is just the executable", () => {
    expect(
      renderUnit([
        { name: "S", entries: [["ExecStart", { executable: "/bin/d", settings: {}, style: "-" }]] },
      ]),
    ).toBe("[S]\nExecStart=/bin/d\n");
  });
});

describe("flags", () => {
  it("are sorted by code unit like the roles' |sort (upper case before lower case)", () => {
    expect(renderFlags({ b: "1", B: "2", a: "3", "a.b": "4" }, "-")).toEqual([
      "-B=2",
      "-a=3",
      "-a.b=4",
      "-b=1",
    ]);
  });

  it("double % and $ so systemd neither expands specifiers nor variables", () => {
    expect(quoteExecArg("--x=50%$USER")).toBe("--x=50%%$$USER");
  });

  it("quote arguments with whitespace, quotes or backslashes", () => {
    expect(quoteExecArg('--l=a "b"\\c')).toBe('"--l=a \\"b\\"\\\\c"');
    expect(quoteExecArg("--plain=/a/b")).toBe("--plain=/a/b");
  });
});

describe("quoteExecArg", () => {
  /** Its definition, without the shortcut for arguments that need nothing. */
  const definition = (arg: string): string => {
    const escaped = arg.replaceAll("%", "%%").replaceAll("$", "$$$$");
    return /[\s"'\\;]/.test(escaped)
      ? `"${escaped.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`
      : escaped;
  };
  it("escapes and quotes any string as its definition does", () => {
    const chars = fc.constantFrom(
      "a",
      "/",
      "-",
      "=",
      "%",
      "$",
      " ",
      "\t",
      "\n",
      '"',
      "'",
      "\\",
      ";",
      "é",
      "\u2028",
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.string({ unit: chars })),
        (arg) => {
          expect(quoteExecArg(arg)).toBe(definition(arg));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
