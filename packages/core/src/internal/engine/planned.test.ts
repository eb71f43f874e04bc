/**
 * The planned run is an explicit value: the plan is pure data, and what apply
 * needs beyond it (blob bytes, facts) travels beside it in `hosts`. So a
 * cloned or re-decoded plan, given with the same `hosts`, applies a secret it
 * never held; without them it is refused before any op, naming why.
 */
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { decodePlan, encodePlan } from "../plan/codec.js";
import { freshDebianHost } from "../sim/debian.js";
import { SimHost } from "../sim/simhost.js";
import { apply } from "./apply.js";
import { plan } from "./plan.js";
import { errorOf, isConverged } from "./report.fixture.js";

const SECRET = "-----BEGIN PRIVATE KEY-----\nTOPSECRET\n";
const resources = [
  { kind: "directory", name: "/etc/demo", props: {} },
  { kind: "file", name: "/etc/demo/key.pem", props: { content: SECRET, sensitive: true, mode: 0o600 } },
  { kind: "file", name: "/etc/demo/app.conf", props: { content: "port = 8080\n" } },
];

const fileText = (host: SimHost, path: string): string | undefined => {
  const f = host.state.files[path];
  return f?.type === "file" ? Buffer.from(f.content, "base64").toString("utf8") : undefined;
};

describe("a planned run", () => {
  it("holds the plan as pure data: it survives JSON unchanged and never contains the secret", async () => {
    const run = await plan(resources, new SimHost(freshDebianHost()));
    const json = encodePlan(run.plan);
    expect(json).not.toContain("TOPSECRET");
    const back = decodePlan(json);
    expect(E.isRight(back) && back.right).toEqual(JSON.parse(JSON.stringify(run.plan)));
    expect(run.plan.format).toBe("tend-plan/2");
  });

  it("applies a structured clone of its plan with its hosts, secret included, and converges", async () => {
    const host = new SimHost(freshDebianHost());
    const run = await plan(resources, host);
    const report = await apply({ plan: structuredClone(run.plan), hosts: run.hosts }, host);
    expect(isConverged(report.hosts[0]!), JSON.stringify(report)).toBe(true);
    expect(fileText(host, "/etc/demo/key.pem")).toBe(SECRET);
  });

  it("applies a plan decoded from JSON with the run's hosts, and converges", async () => {
    const host = new SimHost(freshDebianHost());
    const run = await plan(resources, host);
    const decoded = decodePlan(encodePlan(run.plan));
    if (E.isLeft(decoded)) throw new Error("the plan does not decode");
    const report = await apply({ plan: decoded.right, hosts: run.hosts }, host);
    expect(report.hosts[0]).toMatchObject({ status: "applied", verdict: { converged: true } });
    expect(fileText(host, "/etc/demo/key.pem")).toBe(SECRET);
  });

  it("refuses a bare decoded plan that needs a secret, before any op, naming the resource", async () => {
    const host = new SimHost(freshDebianHost());
    const run = await plan(resources, host);
    const decoded = decodePlan(encodePlan(run.plan));
    if (E.isLeft(decoded)) throw new Error("the plan does not decode");
    const report = await apply(decoded.right, host);
    expect(report.hosts[0]?.status).toBe("blocked");
    expect(errorOf(report.hosts[0]!)).toContain("file[/etc/demo/key.pem]: its content is sensitive");
    expect(host.state.files["/etc/demo"]).toBeUndefined();
  });

  it("applies a bare decoded plan without secrets, reading inline contents from the plan", async () => {
    const host = new SimHost(freshDebianHost());
    const open = resources.filter((r) => !r.name.endsWith(".pem"));
    const decoded = decodePlan(encodePlan((await plan(open, host)).plan));
    if (E.isLeft(decoded)) throw new Error("the plan does not decode");
    const report = await apply(decoded.right, host);
    expect(isConverged(report.hosts[0]!), JSON.stringify(report)).toBe(true);
    expect(fileText(host, "/etc/demo/app.conf")).toBe("port = 8080\n");
  });
});
