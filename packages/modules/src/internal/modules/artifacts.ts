/**
 * Controller download mode: artifacts fetched by the CLI into its cache are
 * uploaded as files from there.
 */

import type { ModuleInput } from "../context.js";
import { artifactsFor, cachePath } from "../downloads.js";

/** The controller cache path of the artifact downloaded from `url`. */
export const cachePathFor = (input: Pick<ModuleInput, "vars" | "cacheDir">, url: string): string => {
  const a = artifactsFor(input.vars).find((x) => x.url === url);
  // Every URL a module downloads is listed by artifactsFor; a miss is a bug here.
  if (!a) throw new Error(`internal: ${url} is not among artifactsFor(vars)`);
  return cachePath(input.cacheDir, a);
};
