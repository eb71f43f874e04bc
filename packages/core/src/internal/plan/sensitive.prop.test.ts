/**
 * A sensitive file in a plan: only its content is secret. Over arbitrary
 * contents (hostile text, JSON and YAML names that would get a structural
 * diff), old states and wanted attributes, no rendering (text, HTML page,
 * the JSON plan) holds the content, old or new, in any form; and every change
 * of its mode, owner and group is shown with both values in each of them.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { plan } from "../engine/index.js";
import { freshDebianHost, type SimFile, SimHost } from "../sim/index.js";
import { encodePlan } from "./codec.js";
import type { FieldDiff } from "./format.js";
import { escapeHtml, renderPlanHtml } from "./html.js";
import { renderPlan } from "./render.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);

/** A token that appears nowhere by chance, and the content that carries it on each of its lines. */
const secretContent = fc
  .tuple(fc.stringMatching(/^[0-9a-f]{24}$/), fc.string({ maxLength: 40 }), fc.boolean())
  .map(([hex, hostile, json]) => {
    const token = `tendsecret${hex}`;
    const content = json
      ? `${JSON.stringify({ key: token, note: hostile })}\n`
      : `-----BEGIN KEY ${token}-----\n${token} ${hostile}\n${token}\n`;
    return { token, content };
  });

const MODES = [0o600, 0o640, 0o644, 0o400];
const OWNERS = ["root", "daemon", "nobody"];
const GROUPS = ["root", "daemon", "nogroup"];
const attrs = fc.record({
  mode: fc.constantFrom(...MODES),
  owner: fc.constantFrom(...OWNERS),
  group: fc.constantFrom(...GROUPS),
});

const octal = (m: number): string => `0${m.toString(8).padStart(3, "0")}`;
const shown = (field: string, v: number | string): string =>
  JSON.stringify(field === "mode" ? octal(v as number) : v);

const forms = (content: string, token: string): string[] => [
  token,
  Buffer.from(content).toString("base64"),
  Buffer.from(content).toString("hex"),
];

describe("a sensitive file's plan hides its content and shows its mode, owner and group", () => {
  it("in the text plan, the HTML page and the JSON plan", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/etc/tend/key.pem", "/etc/tend/token.json", "/etc/tend/admin.kubeconfig"),
        secretContent,
        fc.option(fc.record({ secret: secretContent, attrs }), { nil: undefined }),
        attrs,
        fc.boolean(),
        async (path, want, before, wantAttrs, sameContent) => {
          const content = before && sameContent ? before.secret.content : want.content;
          const files: Record<string, SimFile> = before
            ? {
                [path]: {
                  type: "file",
                  content: Buffer.from(before.secret.content).toString("base64"),
                  ...before.attrs,
                },
              }
            : {};
          const host = new SimHost(freshDebianHost({ files }));
          const { plan: p } = await plan(
            [{ kind: "file", name: path, props: { content, sensitive: true, ...wantAttrs } }],
            host,
          );
          const text = renderPlan(p, { color: false });
          const html = renderPlanHtml(p);
          const json = encodePlan(p);
          for (const secret of [want, ...(before ? [before.secret] : [])])
            for (const form of forms(secret.content, secret.token))
              for (const [name, out] of [
                ["text", text],
                ["html", html],
                ["json", json],
              ] as const)
                if (out.includes(form)) throw new Error(`the ${name} rendering holds the secret content`);

          const hp = p.hosts[0];
          if (hp?.status !== "ready") throw new Error("the plan failed");
          const fields: FieldDiff[] = hp.actions.flatMap((a) => a.fields);
          for (const k of ["mode", "owner", "group"] as const) {
            const was = before?.attrs[k];
            const f = fields.find((x) => x.field === k);
            if (was === wantAttrs[k]) {
              expect(f).toBeUndefined();
              continue;
            }
            // In the JSON plan: the field with both values, not marked sensitive.
            expect(f).toEqual({
              field: k,
              before: was === undefined ? null : JSON.parse(shown(k, was)),
              after: JSON.parse(shown(k, wantAttrs[k])),
            });
            const line =
              was === undefined
                ? `+ ${k} = ${shown(k, wantAttrs[k])}`
                : `~ ${k}: ${shown(k, was)} → ${shown(k, wantAttrs[k])}`;
            expect(text).toContain(line);
            expect(html).toContain(escapeHtml(line));
          }
          // The content itself: only that it changed.
          const contentChanged = !(before && sameContent);
          expect(text.includes("(sensitive value changed)")).toBe(contentChanged);
        },
      ),
      { numRuns },
    );
  });
});
