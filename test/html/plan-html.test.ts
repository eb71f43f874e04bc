/**
 * `tend plan --html` as a reviewer sees it: the page made from a real plan
 * (main() over SimHosts) is loaded in headless Chromium (Debian's package),
 * hosts and resources expand, diff lines are there, no secret is in the DOM,
 * hostile names are text, the filter box filters, and the page asks for
 * nothing but itself. A screenshot and the page are kept under .cache/artifacts/.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Resource } from "@tend/core";
import { right } from "fp-ts/lib/Either.js";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../packages/cli/src/index.js";
import {
  inventoryFile,
  motdModules,
  recordingIo,
  simDeps,
  simHost,
  tempDir,
} from "../../packages/cli/src/test-support.js";

const ROOT = join(import.meta.dirname, "..", "..");
const ARTIFACTS = join(ROOT, ".cache", "artifacts");
const SECRET = "tok-9f8e7d6c5b4a-secret";
const HOSTILE = `/etc/app/<img src=x onerror="window.pwned=1">`;

/** Each host's app at the `version` of its variables: a text and a JSON config, a secret, a unit and its service. */
const appModules = motdModules({
  resources: (host, cluster) => {
    const version = String(
      (cluster.hosts.get(host)?.vars as { version?: unknown } | undefined)?.version ?? 1,
    );
    const rs: Resource[] = [
      { kind: "directory", name: "/etc/app", props: {} },
      {
        kind: "file",
        name: "/etc/app/app.conf",
        props: { content: `# app\nname=${host}\nversion=${version}\nport=8080\n` },
        notify: ["service[app]"],
      },
      {
        kind: "file",
        name: "/etc/app/config.json",
        props: {
          content: JSON.stringify({ name: host, version: Number(version), tls: true }),
          format: "json",
        },
        notify: ["service[app]"],
      },
      {
        kind: "file",
        name: "/etc/app/token",
        props: { content: `${SECRET}-${version}\n`, sensitive: true, mode: 0o600 },
      },
      { kind: "file", name: HOSTILE, props: { content: `<script>window.pwned=2</script> v${version}\n` } },
      {
        kind: "unit",
        name: "app.service",
        props: { content: `[Service]\nExecStart=/usr/bin/app --v${version}\n` },
        notify: ["service[app]"],
      },
      { kind: "service", name: "app", props: {} },
    ];
    return right(rs);
  },
});

const inventory = (version: number): string =>
  inventoryFile(
    "hosts.yml",
    `all:\n  children:\n    app:\n      hosts:\n        w1:\n          version: ${version}\n        w2:\n          version: ${version}\n        w3:\n`,
  );

let browser: Browser;
let page: Page;
const requests: string[] = [];
const consoleErrors: string[] = [];
let pageUrl: string;
let userDataDir: string;

beforeAll(async () => {
  // w1 and w2 run version 1; the plan moves them to version 2. w3 cannot be reached.
  const hosts = { w1: simHost("w1"), w2: simHost("w2") };
  expect(await main(["apply", "-i", inventory(1), "--yes"], recordingIo(), simDeps(hosts, appModules))).toBe(
    1,
  );
  const file = join(tempDir("html-"), "plan.html");
  const io = recordingIo();
  const code = await main(["plan", "-i", inventory(2), "--html", file], io, simDeps(hosts, appModules));
  expect(code, io.err()).toBe(1); // w3 cannot be planned
  expect(io.out()).toContain(`Wrote the plan page to ${file}`);
  pageUrl = pathToFileURL(file).href;

  userDataDir = mkdtempSync(join(tmpdir(), "tend-chromium-"));
  browser = await puppeteer.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    pipe: true,
    // A shared CI machine can be slow to start a browser; none of this is a timing assertion.
    timeout: 120_000,
    protocolTimeout: 120_000,
    userDataDir,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  page = await browser.newPage();
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(pageUrl, { waitUntil: "load" });
});

afterAll(async () => {
  await browser?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

const visible = (selector: string): Promise<string[]> =>
  page.$$eval(selector, (els) =>
    els
      .filter((e) => (e as HTMLElement).offsetParent !== null)
      .map((e) => (e as HTMLElement).dataset.host ?? ""),
  );

/** Replaces the filter box's text as a person would (an input event per key; one for clearing). */
const filter = async (text: string): Promise<void> => {
  await page.$eval("#filter", (el) => {
    (el as HTMLInputElement).value = "";
    el.dispatchEvent(new Event("input"));
  });
  await page.type("#filter", text);
};

describe("tend plan --html in Chromium", () => {
  it("shows counts per host and per action, and the host that could not be planned", async () => {
    const rows = await page.$$eval("table.counts tr", (trs) =>
      trs.map((tr) => Array.from(tr.children).map((c) => c.textContent)),
    );
    expect(rows[0]).toEqual(["host", "create", "update", "delete", "restart", "reload"]);
    const w1 = rows.find((r) => r[0] === "w1")!;
    expect(Number(w1[2])).toBeGreaterThanOrEqual(4); // app.conf, config.json, token, the hostile file, the unit
    expect(w1[4]).toBe("1");
    expect(w1[5]).toBe("1");
    expect(rows.find((r) => r[0] === "w3")).toEqual(["w3", "cannot plan"]);
  });

  it("expands a host and a resource to show its unified diff lines", async () => {
    await page.click('details.host[data-host="w1"] > summary');
    expect(await page.$eval('details.host[data-host="w1"]', (d) => (d as HTMLDetailsElement).open)).toBe(
      true,
    );
    const conf = 'details.host[data-host="w1"] details.action[data-id="file[/etc/app/app.conf]"]';
    await page.click(`${conf} > summary`);
    const lines = await page.$$eval(`${conf} .l`, (ls) => ls.map((l) => [l.className, l.textContent]));
    expect(lines).toContainEqual(["l del", "-version=1"]);
    expect(lines).toContainEqual(["l add", "+version=2"]);
    expect(await page.$eval(`${conf} .l.add`, (l) => (l as HTMLElement).offsetHeight)).toBeGreaterThan(0);
  });

  it("shows JSON contents as a field diff, and the restart and reload with their causes", async () => {
    const json = await page.$$eval(
      'details.host[data-host="w1"] details.action[data-id="file[/etc/app/config.json]"] .l',
      (ls) => ls.map((l) => l.textContent),
    );
    expect(json).toEqual(["- version: 1", "+ version: 2"]);
    const restart = await page.$eval(
      'details.host[data-host="w1"] details.action[data-action="restart"] .why',
      (e) => e.textContent ?? "",
    );
    expect(restart).toContain("file[/etc/app/app.conf]");
    expect(
      await page.$$('details.host[data-host="w1"] details.action[data-action="reload"] .why'),
    ).toHaveLength(1);
  });

  it("has no secret in the DOM, even with everything expanded", async () => {
    await page.click("#expand");
    const html = await page.evaluate(() => document.documentElement.outerHTML);
    const text = await page.evaluate(() => document.body.textContent ?? "");
    for (const s of [html, text]) {
      expect(s).not.toContain(SECRET);
      expect(s).not.toContain(Buffer.from(`${SECRET}-2\n`).toString("base64"));
    }
    const token = await page.$eval(
      'details.host[data-host="w1"] details.action[data-id="file[/etc/app/token]"]',
      (e) => e.textContent ?? "",
    );
    expect(token).toContain("sensitive value changed");
  });

  it("shows a hostile resource name and content as text: no element made, no script run", async () => {
    expect(await page.$$("img")).toHaveLength(0);
    expect(await page.$$("script")).toHaveLength(1);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    const ids = await page.$$eval('details.host[data-host="w1"] .id', (es) => es.map((e) => e.textContent));
    expect(ids).toContain(`file[${HOSTILE}]`);
  });

  it("filters by host, kind and action in the filter box", async () => {
    await filter("w2");
    expect(await visible("details.host")).toEqual(["w2"]);
    await filter("kind:service");
    expect(await visible("details.host")).toEqual(["w1", "w2"]);
    const kinds = await page.$$eval("details.action", (as) =>
      as.filter((a) => (a as HTMLElement).offsetParent !== null).map((a) => (a as HTMLElement).dataset.kind),
    );
    expect(new Set(kinds)).toEqual(new Set(["service"]));
    await filter("w1 action:reload");
    const shown = await page.$$eval("details.action", (as) =>
      as.filter((a) => (a as HTMLElement).offsetParent !== null).map((a) => (a as HTMLElement).dataset.id),
    );
    expect(shown).toEqual(["systemd[daemon-reload]"]);
    await filter("");
    expect(await visible("details.host")).toEqual(["w1", "w2", "w3"]);
  });

  it("asked for nothing but the page itself, and logged no error (no script blocked by its policy)", () => {
    expect(requests).toEqual([pageUrl]);
    expect(consoleErrors).toEqual([]);
  });

  it("keeps a screenshot as a CI artifact", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.click("#collapse");
    await page.click('details.host[data-host="w1"] > summary');
    await page.click(
      'details.host[data-host="w1"] details.action[data-id="file[/etc/app/app.conf]"] > summary',
    );
    const png = await page.screenshot({ path: join(ARTIFACTS, "plan-html.png"), fullPage: true });
    copyFileSync(fileURLToPath(pageUrl), join(ARTIFACTS, "plan.html"));
    expect(png.byteLength).toBeGreaterThan(10_000);
  });
});
