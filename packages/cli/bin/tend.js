#!/usr/bin/env node
// The `tend` executable as npm links it. This file is not built: npm links a
// package's bins during install, before the root `prepare` script builds
// dist/, so a bin inside dist/ would be missing on the first `npm ci` of a
// clone. It runs the built CLI, or says how to build it when dist/ is absent.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const built = new URL("../dist/bin.js", import.meta.url);
if (existsSync(built)) {
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
