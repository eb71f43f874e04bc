// A module loader for the benchmarks: lets plain ESM import the TypeScript
// test fixtures (test/e2e/cluster.ts and what it imports) without a build,
// keeping each file's own import.meta.url. Types are stripped with rolldown's
// oxc transform; a relative `./x.js` import finds `./x.ts`.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { transformSync } from "rolldown/experimental";

export const resolve = async (specifier, context, next) => {
  try {
    return await next(specifier, context);
  } catch (e) {
    if (e?.code === "ERR_MODULE_NOT_FOUND" && specifier.startsWith(".") && specifier.endsWith(".js"))
      return next(`${specifier.slice(0, -3)}.ts`, context);
    throw e;
  }
};

export const load = async (url, context, next) => {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context);
  const path = fileURLToPath(url);
  const r = transformSync(path, await readFile(path, "utf8"));
  if (r.errors.length > 0) throw new Error(`${path}: ${r.errors.map((e) => e.message).join("; ")}`);
  return { format: "module", source: r.code, shortCircuit: true };
};
