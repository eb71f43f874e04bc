#!/usr/bin/env node
// Bundles the built CLI (packages/cli/dist, so run `tsc -b` first) and every
// dependency. Native addons stay out: ssh2 loads its optional ones in
// try/catch and falls back to pure JavaScript. The version is baked in, as
// there is no package.json beside a bundle.
//
//   node scripts/bundle.mjs [FILE]   one self-contained ES module, dist/tend.mjs
//                                    by default: copy it anywhere with Node.js
//                                    20+ and run `node FILE`.
//   node scripts/bundle.mjs --split [DIR]
//                                    packages/cli/dist/bundle/ (or DIR): tend.mjs
//                                    (scripts/bundle-entry.mjs) and CommonJS
//                                    chunks, one per lazily loaded part (each
//                                    command, each transport), which
//                                    packages/cli/bin/tend.js prefers to
//                                    dist/bin.js. Loading one file per part
//                                    instead of ~400 modules saves about 0.2 s
//                                    of start-up, `--help` still loads only
//                                    the main chunk, and tend.mjs keeps V8's
//                                    compiled code of the chunks between runs.
//                                    `npm run build` makes it.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const split = process.argv[2] === "--split";
const { version } = JSON.parse(readFileSync(join(root, "packages/cli/package.json"), "utf8"));

// CommonJS code inside (ssh2's emscripten-built poly1305) reads __dirname and
// __filename, which an ES module does not have: the one-file bundle defines them.
const banner = [
  'import { dirname as __tendDirname } from "node:path";',
  'import { fileURLToPath as __tendFileURLToPath } from "node:url";',
  "const __filename = __tendFileURLToPath(import.meta.url);",
  "const __dirname = __tendDirname(__filename);",
].join("\n");

// Minified: V8 parses every byte of a chunk when it loads it, and half the
// bytes go. A no-op plan over SSH spends ~0.05 s less CPU (0.46 → 0.39 s
// median), `--help` ~0.01 s. Function and class names are kept, so error
// names and stack frames still read.
const minify = {
  compress: { keepNames: { function: true, class: true } },
  mangle: { keepNames: { function: true, class: true } },
};

const input = {
  cwd: root,
  input: join(root, "packages/cli/dist/bin.js"),
  platform: "node",
  logLevel: "warn",
  external: [/\.node$/, "cpu-features"],
  transform: { define: { __TEND_VERSION__: JSON.stringify(version) } },
};

if (split) {
  const dir = resolve(process.argv[3] ?? join(root, "packages/cli/dist/bundle"));
  // A stale chunk of an earlier build must not linger beside the new ones.
  rmSync(dir, { recursive: true, force: true });
  // CommonJS chunks, so that tend.mjs (scripts/bundle-entry.mjs) can keep V8's
  // compiled code of them between runs, which Node.js before 22 offers for
  // CommonJS only. import() of a built-in (readline) becomes require().
  const { output } = await build({
    ...input,
    output: {
      dir,
      format: "cjs",
      minify,
      dynamicImportInCjs: false,
      entryFileNames: "main-[hash].cjs",
      chunkFileNames: "[name]-[hash].cjs",
    },
  });
  const main = output.find((o) => o.type === "chunk" && o.isEntry);
  if (!main) throw new Error("rolldown made no entry chunk");
  const entry = readFileSync(join(root, "scripts", "bundle-entry.mjs"), "utf8");
  writeFileSync(join(dir, "tend.mjs"), entry.replace('"MAIN_CHUNK"', JSON.stringify(main.fileName)));
  process.stdout.write(`bundled tend ${version} into ${dir}\n`);
} else {
  const out = resolve(process.argv[2] ?? join(root, "dist", "tend.mjs"));
  await build({ ...input, output: { file: out, format: "esm", banner, minify, codeSplitting: false } });
  process.stdout.write(`bundled tend ${version} into ${out}\n`);
}
