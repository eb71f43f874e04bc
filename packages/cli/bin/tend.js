#!/usr/bin/env node
// The `tend` executable as npm links it. This file is not built: npm links a
// package's bins during install, before the root `prepare` script builds
// dist/, so a bin inside dist/ would be missing on the first `npm ci` of a
// clone. It runs the bundled CLI (dist/bundle/, made by `npm run build`:
// ~0.2 s less start-up than ~400 separate modules, and V8's compiled code
// kept between runs, see scripts/bundle-entry.mjs) when it is at least as new
// as the compiled packages, else the built CLI (dist/bin.js), or says how to
// build it when dist/ is absent.
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const bundle = new URL("../dist/bundle/tend.mjs", import.meta.url);
const built = new URL("../dist/bin.js", import.meta.url);

/** mtime of a file in ms, or undefined when it does not exist. */
const mtime = (url) => {
  try {
    return statSync(url).mtimeMs;
  } catch {
    return undefined;
  }
};

/**
 * Whether the bundle reflects the compiled packages: in a clone, `tsc -b`
 * rewrites a package's tsconfig.tsbuildinfo whenever it compiles it, so a
 * bundle older than any of them is stale (an installed package has none).
 */
const bundleIsCurrent = () => {
  const made = mtime(bundle);
  if (made === undefined) return false;
  const packages = ["cli", "core", "modules", "transport-local", "transport-ssh", "transport-docker"];
  return packages.every((p) => (mtime(new URL(`../../${p}/tsconfig.tsbuildinfo`, import.meta.url)) ?? 0) <= made);
};

if (bundleIsCurrent()) {
  await import(bundle.href);
} else if (existsSync(built)) {
  await import(built.href);
} else {
  const pkg = fileURLToPath(new URL("..", import.meta.url));
  process.stderr.write(
    `tend is not built: ${fileURLToPath(built)} is missing.\n` +
      `In a clone of the tend repository, run \`npm run build\` (or \`npx tsc -b\`) at its root, then run tend again.\n` +
      `(package directory: ${pkg})\n`,
  );
  process.exitCode = 1;
}
