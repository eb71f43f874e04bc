/**
 * The plan page: every plan string is escaped text, secrets and the parts of
 * a plan not meant for people never reach it, it loads nothing, and it is
 * the same for a plan and the same plan saved and read back.
 */
import fc from "fast-check";
import { isRight } from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { decodePlan, encodePlan } from "./codec.js";
import type { Action, FieldDiff, HostPlan, Plan } from "./format.js";
import { PLAN_FORMAT, SENSITIVE } from "./format.js";
import { escapeHtml, renderPlanHtml } from "./html.js";

const numRuns = Number(process.env.TEND_PROP_RUNS ?? 200);

const action = (id: string, over: Partial<Action> = {}): Action => ({
  id,
  action: "update",
  reasons: [],
  fields: [],
  notes: [],
  unknown: [],
  ops: [],
  after: [],
  ...over,
});

const ready = (host: string, actions: Action[], over: Partial<HostPlan> = {}): HostPlan =>
  ({
    host,
    status: "ready",
    factsDigest: "0".repeat(64),
    probes: [],
    actions,
    resources: [],
    blobs: {},
    summary: { create: 0, update: 0, delete: 0, restart: 0, reload: 0 },
    ...over,
  }) as HostPlan;

const planOf = (...hosts: HostPlan[]): Plan => ({ format: PLAN_FORMAT, hosts });

/** The tags the page is built from; anything else would be markup that came from the plan. */
const PAGE_TAGS = new Set(
  "html head meta title style body header h1 p table thead tbody tfoot tr th td div input button span main details summary ul li pre code script".split(
    " ",
  ),
);
const tagsOf = (page: string): string[] =>
  [...page.replace(/^<!DOCTYPE html>/, "").matchAll(/<\/?([^\s>/]*)/g)].map((m) => m[1]!.toLowerCase());

const HOSTILE = `<img src=x onerror="alert('x')"></details><script>alert(1)</script>&amp;`;

describe("the plan page escapes every string of the plan", () => {
  it("keeps markup in hosts, ids, reasons, notes, fields, contents and errors as text", () => {
    const page = renderPlanHtml(
      planOf(
        ready(HOSTILE, [
          action(`file[${HOSTILE}]`, {
            reasons: [HOSTILE],
            notes: [HOSTILE],
            unknown: [HOSTILE],
            after: [HOSTILE],
            fields: [
              { field: HOSTILE, before: `a\n${HOSTILE}\n`, after: `b\n${HOSTILE}\n`, format: "text" },
              { field: "mode", before: HOSTILE, after: { [HOSTILE]: HOSTILE } },
              {
                field: "labels",
                before: { [HOSTILE]: 1, k: [HOSTILE] },
                after: { [HOSTILE]: HOSTILE, k: [] },
              },
              {
                field: "content",
                before: `{"k":1}`,
                after: JSON.stringify({ [HOSTILE]: [HOSTILE] }),
                format: "json",
              },
            ],
          }),
        ]),
        { host: `${HOSTILE}2`, status: "error", errors: [HOSTILE] },
      ),
      { title: HOSTILE },
    );
    expect(tagsOf(page).every((t) => PAGE_TAGS.has(t))).toBe(true);
    expect(page.match(/<script/g)).toHaveLength(1);
    expect(page).not.toContain("<img");
    expect(page).toContain(escapeHtml(HOSTILE));
  });

  it("keeps any string as text (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (name, content) => {
        const page = renderPlanHtml(
          planOf(
            ready(name, [
              action(`file[${name}]`, {
                action: "restart",
                reasons: [name],
                fields: [{ field: name, before: content, after: `${content}!`, format: "text" }],
              }),
            ]),
          ),
        );
        expect(tagsOf(page).filter((t) => !PAGE_TAGS.has(t))).toEqual([]);
        expect(page.match(/<script/gi)).toHaveLength(1);
      }),
      { numRuns },
    );
  });

  it("escapes the five characters that can end text or a quoted attribute", () => {
    expect(escapeHtml(`<a href='x' title="y">&</a>`)).toBe(
      "&lt;a href=&#39;x&#39; title=&quot;y&quot;&gt;&amp;&lt;/a&gt;",
    );
  });
});

describe("the plan page shows no secret", () => {
  const SECRET = "s3cr3t-token-value";
  const b64 = Buffer.from(SECRET).toString("base64");
  const secretField: FieldDiff = { field: "content", sensitive: true, before: SENSITIVE, after: SENSITIVE };
  const page = renderPlanHtml(
    planOf(
      ready("h", [action("file[/etc/token]", { fields: [secretField] })], {
        // Parts of a plan that are not for people: the page must not read them.
        blobs: { ["a".repeat(64)]: { base64: b64 } },
        resources: [{ kind: "file", name: "/etc/token", props: { content: SECRET } }],
      }),
    ),
  );

  it("says only that a secret field changed", () => {
    expect(page).toContain("(sensitive value changed)");
  });

  it("reads neither blobs nor stored resources", () => {
    expect(page).not.toContain(SECRET);
    expect(page).not.toContain(b64);
  });
});

describe("the plan page for review", () => {
  const plan = planOf(
    ready("w1", [
      action("file[/etc/a]", {
        action: "create",
        fields: [{ field: "content", before: null, after: "x\ny\n" }],
      }),
      action("file[/etc/b.json]", {
        fields: [{ field: "content", before: '{"port":1}', after: '{"port":2}', format: "json" }],
      }),
      action("service[app]", { action: "restart", reasons: ["notified by file[/etc/b.json]"] }),
      action("systemd[daemon-reload]", { action: "reload", reasons: ["unit[app.service] changed"] }),
    ]),
    ready("w2", []),
    { host: "w3", status: "error", errors: ["w3: cannot connect: connection refused"] },
  );
  const page = renderPlanHtml(plan);

  it("counts actions per host and per action, with a total", () => {
    const rows = [...page.matchAll(/<tr><td>([^<]*)<\/td>((?:<td[^>]*>[^<]*<\/td>)+)<\/tr>/g)].map((m) => [
      m[1],
      [...m[2]!.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((c) => c[1]),
    ]);
    expect(rows).toEqual([
      ["w1", ["1", "1", "0", "1", "1"]],
      ["w2", ["0", "0", "0", "0", "0"]],
      ["w3", ["cannot plan"]],
      ["all hosts", ["1", "1", "0", "1", "1"]],
    ]);
  });

  it("shows JSON contents as a field diff and restarts with their cause", () => {
    expect(page).toContain('<span class="l del">- port: 1</span><span class="l add">+ port: 2</span>');
    expect(page).toContain("(notified by file[/etc/b.json])");
    expect(page).toContain("(unit[app.service] changed)");
  });

  it("loads nothing: no URL attribute, and a policy that allows no source but its own script and style", () => {
    expect(page).not.toMatch(/\s(src|href|srcset|action|poster|data)=/i);
    expect(page).not.toMatch(/url\(|@import/i);
    expect(page).toMatch(/default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; script-src 'sha256-/);
  });

  it("is the same for a plan and the same plan saved and read back", () => {
    const decoded = decodePlan(encodePlan(plan));
    expect(isRight(decoded)).toBe(true);
    if (isRight(decoded)) expect(renderPlanHtml(decoded.right)).toBe(page);
  });
});

describe("the plan page shows durations where the plan has them", () => {
  it("each host's in its summary, and the plan's with the totals", () => {
    const page = renderPlanHtml({
      ...planOf(ready("w1", [action("file[/a]")], { durationMs: 4240 }), {
        host: "w2",
        status: "error",
        errors: ["w2: cannot connect"],
        durationMs: 12,
      }),
      durationMs: 61_000,
    });
    expect(page).toMatch(/data-host="w1"[^>]*><summary>.*<span class="took">4\.2s<\/span><\/summary>/);
    expect(page).toMatch(/data-host="w2"[^>]*><summary>.*<span class="took">12ms<\/span><\/summary>/);
    expect(page).toContain("Planning 2 hosts took 1m01s.");
  });

  it("a plan without durations shows none", () => {
    expect(renderPlanHtml(planOf(ready("w1", [action("file[/a]")])))).not.toMatch(/class="took"|took \d/);
  });
});
