#!/usr/bin/env node
// Makes node_modules match the manifests on a fresh clone or after a pull:
// runs `npm install` when node_modules is missing or older than the
// manifests it was installed from, and does nothing (in milliseconds)
// otherwise. The manifests' digest is kept in node_modules/.tend-deps so
// "stale" means "a package.json or the lockfile changed", not a file date.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const stampPath = join(root, "node_modules", ".tend-deps");

/** Every manifest npm installs from, in a fixed order. */
const manifests = () => {
  const files = ["package.json", "package-lock.json"];
  const packages = join(root, "packages");
  if (existsSync(packages)) {
    for (const name of readdirSync(packages).sort()) {
      const p = join("packages", name, "package.json");
      if (existsSync(join(root, p))) files.push(p);
    }
  }
  return files;
};

const digest = () => {
  const h = createHash("sha256");
  for (const f of manifests()) {
    const path = join(root, f);
    h.update(`${f}\0`);
    if (existsSync(path)) h.update(readFileSync(path));
  }
  return h.digest("hex");
};

/** Each workspace package must be linked, or imports by name fail. */
const workspacesLinked = () => {
  const packages = join(root, "packages");
  if (!existsSync(packages)) return true;
  return readdirSync(packages).every((name) => {
    const manifest = join(packages, name, "package.json");
    if (!existsSync(manifest)) return true;
    const pkg = JSON.parse(readFileSync(manifest, "utf8")).name;
    return existsSync(join(root, "node_modules", ...pkg.split("/")));
  });
};

const fresh = () =>
  existsSync(stampPath) && readFileSync(stampPath, "utf8").trim() === digest() && workspacesLinked();

if (fresh()) process.exit(0);

const why = existsSync(join(root, "node_modules"))
  ? "manifests changed since the last install"
  : "no node_modules";
process.stderr.write(`ensure-deps: ${why}; running npm install\n`);
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const r = spawnSync(npm, ["install", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
if (r.error) {
  process.stderr.write(`ensure-deps: cannot run npm: ${r.error.message}\n`);
  process.exit(1);
}
if (r.status !== 0) {
  process.stderr.write(`ensure-deps: npm install failed (exit ${r.status})\n`);
  process.exit(r.status ?? 1);
}
// npm may have rewritten the lockfile: stamp what is there now.
writeFileSync(stampPath, `${digest()}\n`);
