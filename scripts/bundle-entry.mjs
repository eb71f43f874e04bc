// The entry of the split bundle: `scripts/bundle.mjs --split` copies this file
// beside the CommonJS chunks as tend.mjs, with MAIN_CHUNK replaced by the
// name of the main chunk. It runs that chunk with V8's compiled code of every
// chunk kept between runs, so a run does not parse and compile again what the
// last one did (~0.1 s of CPU for a plan over SSH, a third of its start-up).
//
// Node.js 22.1+ does this itself (module.enableCompileCache). On older ones
// the chunks are compiled here as Node compiles CommonJS, with V8's code cache
// read from and written to ${XDG_CACHE_HOME:-~/.cache}/tend/v8/: one directory
// per bundle directory and Node.js version, one file per chunk; V8 rejects a
// file that does not match its chunk and this Node.js, which is then written
// anew. A cache that cannot be read or written only costs the compile.
// NODE_DISABLE_COMPILE_CACHE=1 turns it off, as for Node.js's own.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

const MAIN = "MAIN_CHUNK";
const here = dirname(fileURLToPath(import.meta.url));

/** FNV-1a, 32 bits, in hex: a directory name, not a secret (node:crypto costs start-up). */
const fnv1a = (text) => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
};

/** This bundle's cache directory; its name keeps bundles and Node.js versions apart. */
const cacheDir = () => {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "tend", "v8", `${process.version}-${process.arch}-${fnv1a(here)}`);
};

/** Compiles the chunks of this directory with a code cache (Node.js before 22.1). */
const cacheChunks = (dir) => {
  const compile = Module.prototype._compile;
  /** Scripts compiled without an accepted cache: their cache is written at exit. */
  const fresh = [];
  Module.prototype._compile = function (content, filename) {
    if (dirname(filename) !== here) return compile.call(this, content, filename);
    const file = join(dir, `${basename(filename)}.v8`);
    let cachedData;
    try {
      cachedData = readFileSync(file);
    } catch {}
    // A hashbang is valid only at the very start of a script, not inside the wrapper.
    const script = new vm.Script(Module.wrap(content.replace(/^#!.*/, "")), {
      filename,
      cachedData,
      // import() inside a chunk resolves as anywhere else (absent before Node.js 20.12).
      importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    if (cachedData === undefined || script.cachedDataRejected) fresh.push([script, file]);
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(this.exports, this.exports, createRequire(filename), this, filename, here);
  };
  process.once("exit", () => {
    if (fresh.length === 0) return;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      // Caches of chunks an earlier build of this bundle had are of no more use.
      const chunks = new Set(readdirSync(here).map((f) => `${f}.v8`));
      for (const f of readdirSync(dir))
        if (f.endsWith(".v8") && !chunks.has(f)) rmSync(join(dir, f), { force: true });
    } catch {
      return;
    }
    // After this run, the cache holds every function it compiled, not only the top level.
    // Each file is written whole, then renamed: a tend running meanwhile reads the old or the new.
    for (const [script, file] of fresh) {
      const tmp = `${file}.${process.pid}`;
      try {
        writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        renameSync(tmp, file);
      } catch {
        try {
          rmSync(tmp, { force: true });
        } catch {}
      }
    }
  });
};

if (!process.env.NODE_DISABLE_COMPILE_CACHE) {
  if (typeof Module.enableCompileCache === "function") Module.enableCompileCache(cacheDir());
  else cacheChunks(cacheDir());
}
createRequire(import.meta.url)(`./${MAIN}`);
