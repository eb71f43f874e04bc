/**
 * ShellTarget over the Docker transport against a real systemd test host:
 * `download` from an HTTP server the container runs on its own loopback
 * (right, wrong and no checksum), and `extract` of an uploaded .tgz with the
 * manifest probe seeing members intact, altered and removed.
 */
import { apply, type Op, plan, type Resource } from "@tend/core";
import { sha256, tarArchive } from "@tend/core/testing";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopHosts } from "../hosts/hosts.js";
import { onHost, probeAll, probeOne, type RealHost, runOk, startRealHost } from "./real-host.js";

let h: RealHost;
beforeAll(async () => {
  h = await startRealHost("shellart");
});
afterAll(async () => {
  await h?.transport.close();
  await stopHosts(h ? [h.host] : []);
});

const root = { owner: "root", group: "root" };
const manifest = "/var/lib/tend/manifests/bundle";

describe("download", () => {
  const served = "#!/bin/sh\necho artifact\n";
  const url = "http://127.0.0.1:8080/artifact";
  const dest = "/opt/dl/artifact";
  const record = "/var/lib/tend/downloads/artifact";
  const download = (hex: string | null, path = dest): Op => ({
    op: "download",
    url,
    checksum: hex === null ? null : { algo: "sha256", hex },
    path,
    record,
    mode: 0o755,
    owner: "root",
    group: "root",
  });

  beforeAll(async () => {
    // A tiny HTTP server inside the container, on its own loopback: socat from the local repo runs a sh responder.
    await runOk(h.target, [{ op: "packages", manager: "apt", install: ["socat"] }]);
    const responder =
      '#!/bin/sh\nread -r m p v\nwhile IFS= read -r l; do case $l in ""|"$(printf "\\r")") break ;; esac; done\nf=/srv/www$p\nif [ -f "$f" ]; then printf "HTTP/1.0 200 OK\\r\\nContent-Length: %s\\r\\n\\r\\n" "$(wc -c < "$f")"; cat "$f"; else printf "HTTP/1.0 404 Not Found\\r\\n\\r\\n"; fi\n';
    await onHost(
      h.host,
      "mkdir -p /srv/www && cat > /usr/local/bin/tiny-httpd && chmod 755 /usr/local/bin/tiny-httpd",
      Buffer.from(responder),
    );
    await onHost(h.host, "cat > /srv/www/artifact", Buffer.from(served));
    await onHost(
      h.host,
      "systemd-run --unit=tiny-httpd /usr/bin/socat TCP-LISTEN:8080,bind=127.0.0.1,fork,reuseaddr EXEC:/usr/local/bin/tiny-httpd",
    );
    await onHost(
      h.host,
      `for i in $(seq 50); do curl -fsS ${url} >/dev/null 2>&1 && exit 0; sleep 0.1; done; exit 1`,
    );
  });

  it("lands the file with its mode and writes the url record when the checksum matches", async () => {
    await runOk(h.target, [download(sha256(served))]);
    const [file, rec] = await probeAll(h.target, [
      { type: "file", path: dest, hash: "sha256" },
      { type: "file", path: record, content: true },
    ]);
    expect(file).toMatchObject({ type: "file", mode: 0o755, owner: "root", hash: sha256(served) });
    expect(rec).toMatchObject({ contentBase64: Buffer.from(`${url}\n`).toString("base64") });
    expect(await onHost(h.host, dest)).toBe("artifact\n");
  });

  it("fails on a wrong checksum, names the op, and lands nothing at the path", async () => {
    const wrong = download("0".repeat(64), "/opt/dl/never");
    const r = await h.target.run([wrong], new Map());
    expect(E.isLeft(r) && r.left).toMatchObject({ _tag: "OpFailed", index: 0, op: wrong });
    expect(E.isLeft(r) && r.left._tag === "OpFailed" && r.left.stderr).toContain("checksum mismatch");
    expect(await onHost(h.host, "ls -A /opt/dl")).toBe("artifact\n");
  });

  it("fails on a url the server does not have", async () => {
    const r = await h.target.run(
      [{ ...download(null, "/opt/dl/missing"), url: "http://127.0.0.1:8080/missing" } as Op],
      new Map(),
    );
    expect(E.isLeft(r) && r.left._tag).toBe("OpFailed");
    expect(await probeOne(h.target, { type: "file", path: "/opt/dl/missing" })).toEqual({ type: "absent" });
  });
});

describe("extract and manifests", () => {
  const archive = tarArchive(
    [
      { path: "pkg/bin/tool", content: "#!/bin/sh\necho tool\n", mode: 0o755 },
      { path: "pkg/etc/tool.conf", content: "level = 3\n" },
    ],
    { gzip: true },
  );
  const members = ["/opt/bundle/bin/tool", "/opt/bundle/etc/tool.conf"];

  it("unpacks an uploaded .tgz, records a manifest, and the manifest probe sees altered and removed members", async () => {
    const up = await h.transport.upload("/root/bundle.tgz", archive, 0o644);
    if (E.isLeft(up)) throw new Error(JSON.stringify(up.left));
    const src = sha256(archive);
    await runOk(h.target, [
      {
        op: "extract",
        archive: "/root/bundle.tgz",
        dest: "/opt/bundle",
        members: null,
        strip: 1,
        manifest,
        source: src,
        mode: 0o755,
        ...root,
      },
    ]);
    const ok = await probeOne(h.target, { type: "manifest", path: manifest });
    expect(ok).toEqual({
      exists: true,
      source: src,
      members: [
        { path: members[0], sha256: sha256("#!/bin/sh\necho tool\n"), ok: true },
        { path: members[1], sha256: sha256("level = 3\n"), ok: true },
      ],
    });
    expect(await onHost(h.host, "/opt/bundle/bin/tool; stat -c %a /opt/bundle/etc/tool.conf")).toBe(
      "tool\n755\n",
    );
    await onHost(h.host, "echo 'level = 9' > /opt/bundle/etc/tool.conf");
    const altered = await probeOne(h.target, { type: "manifest", path: manifest });
    expect(altered.exists && altered.members.map((m) => m.ok)).toEqual([true, false]);
    await onHost(h.host, "rm /opt/bundle/bin/tool");
    const removed = await probeOne(h.target, { type: "manifest", path: manifest });
    expect(removed.exists && removed.members.map((m) => m.ok)).toEqual([false, false]);
    expect(await probeOne(h.target, { type: "manifest", path: "/var/lib/tend/manifests/none" })).toEqual({
      exists: false,
    });
  });

  it("extracts only the declared members", async () => {
    await runOk(h.target, [
      {
        op: "extract",
        archive: "/root/bundle.tgz",
        dest: "/opt/only",
        members: ["etc/tool.conf"],
        strip: 1,
        manifest: `${manifest}-only`,
        source: "s",
        mode: 0o640,
        ...root,
      },
    ]);
    expect(await onHost(h.host, "cd /opt/only && find . -type f")).toBe("./etc/tool.conf\n");
  });
});

describe("an archive whose member names hold a CR, U+2028 or U+2029 (line ends to JavaScript, plain characters to sh and tar)", () => {
  const odd: Record<string, string> = {
    "bin/cr\rtool": "carriage return\n",
    "doc/ls\u2028note": "line separator\n",
    "doc/ps\u2029note": "paragraph separator\n",
  };
  const oddArchive = tarArchive(
    Object.entries(odd).map(([p, content]) => ({ path: `pkg/${p}`, content })),
    { gzip: true },
  );
  const declared = (members?: string[]): Resource[] => [
    {
      kind: "archive",
      name: "/opt/odd",
      props: { dest: "/opt/odd", archive: "/root/odd.tgz", strip: 1, ...(members ? { members } : {}) },
    },
  ];

  it.each([
    ["every member", undefined],
    ["declared members", Object.keys(odd)],
  ])(
    "%s: plans, applies, and plans again with no changes; an altered member is planned again by its name",
    async (_, members) => {
      await onHost(h.host, "rm -rf /opt/odd");
      const up = await h.transport.upload("/root/odd.tgz", oddArchive, 0o644);
      if (E.isLeft(up)) throw new Error(JSON.stringify(up.left));
      const first = await plan(declared(members), h.target);
      const p = first.plan.hosts[0];
      expect(p?.status, JSON.stringify(p)).toBe("ready");
      const applied = await apply(first, h.target);
      expect(applied.hosts[0], JSON.stringify(applied)).toMatchObject({
        status: "applied",
        verdict: { converged: true },
      });
      for (const [path, content] of Object.entries(odd))
        expect(await onHost(h.host, `cat "/opt/odd/$(printf '${path.replaceAll("\r", "\\r")}')"`)).toBe(
          content,
        );
      const again = await plan(declared(members), h.target);
      expect(again.plan.hosts[0]).toMatchObject({ status: "ready", actions: [] });

      await onHost(h.host, `echo tampered > "/opt/odd/$(printf 'bin/cr\\rtool')"`);
      const altered = await plan(declared(members), h.target);
      const host = altered.plan.hosts[0];
      if (host?.status !== "ready") throw new Error(JSON.stringify(host));
      expect(JSON.stringify(host.actions)).toContain(JSON.stringify("/opt/odd/bin/cr\rtool").slice(1, -1));
      // Only the altered member: the two intact ones (U+2028, U+2029) are not named.
      for (const intact of ["/opt/odd/doc/ls\u2028note", "/opt/odd/doc/ps\u2029note"])
        expect(JSON.stringify(host.actions)).not.toContain(intact);
    },
  );
});
