/**
 * Controller download mode: artifacts fetched by the CLI into its cache are
 * uploaded as files from there.
 */

import type { ModuleInput } from "../context.js";
import { type Artifact, artifactsFor, cachePath } from "../downloads.js";

/**
 * The artifacts of each host's variables by url, listed once per variables
 * object: a worker's modules look up every binary they upload (a dozen
 * lookups), and the list does not change while they run. Variables are data
 * nobody changes once resolved; the memo goes with its variables.
 */
const byUrl = new WeakMap<object, ReadonlyMap<string, Artifact>>();
const artifactsByUrl = (vars: ModuleInput["vars"]): ReadonlyMap<string, Artifact> => {
  let m = byUrl.get(vars);
  if (!m) {
    m = new Map(artifactsFor(vars).map((a) => [a.url, a]));
    byUrl.set(vars, m);
  }
  return m;
};

/** The controller cache path of the artifact downloaded from `url`. */
export const cachePathFor = (input: Pick<ModuleInput, "vars" | "cacheDir">, url: string): string => {
  const a = artifactsByUrl(input.vars).get(url);
  // Every URL a module downloads is listed by artifactsFor; a miss is a bug here.
  if (!a) throw new Error(`internal: ${url} is not among artifactsFor(vars)`);
  return cachePath(input.cacheDir, a);
};
