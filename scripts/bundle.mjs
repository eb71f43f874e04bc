#!/usr/bin/env node
// Bundles the built CLI (packages/cli/dist, so run `tsc -b` first) and every
// dependency into one self-contained ES module, `dist/tend.mjs` (or the path
// given): copy it anywhere with Node.js 20+ and run `node tend.mjs`. Native
// addons stay out: ssh2 loads its optional ones in try/catch and falls back
// to pure JavaScript. The version is baked in, as there is no package.json
// beside the bundle.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(process.argv[2] ?? join(root, "dist", "tend.mjs"));
const { version } = JSON.parse(readFileSync(join(root, "packages/cli/package.json"), "utf8"));

await build({
  cwd: root,
  input: join(root, "packages/cli/dist/bin.js"),
  platform: "node",
  logLevel: "warn",
  external: [/\.node$/, "cpu-features"],
  transform: { define: { __TEND_VERSION__: JSON.stringify(version) } },
  output: { file: out, format: "esm", codeSplitting: false },
});
process.stdout.write(`bundled tend ${version} into ${out}\n`);
