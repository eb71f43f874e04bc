/**
 * Controller download mode: artifacts fetched by the CLI into its cache are
 * uploaded as files from there.
 */

import type { ModuleInput } from "../context.js";
import { artifactUrls, cachePathOfUrl } from "../downloads.js";

/**
 * The artifact URLs of each host's variables, listed once per variables
 * object: a worker's modules look up every binary they upload (a dozen
 * lookups), and the list does not change while they run. Variables are data
 * nobody changes once resolved; the memo goes with its variables.
 */
const urlsOf = new WeakMap<object, ReadonlySet<string>>();
const artifactUrlSet = (vars: ModuleInput["vars"]): ReadonlySet<string> => {
  let urls = urlsOf.get(vars);
  if (!urls) {
    urls = new Set(artifactUrls(vars));
    urlsOf.set(vars, urls);
  }
  return urls;
};

/** The controller cache path of the artifact downloaded from `url`. */
export const cachePathFor = (input: Pick<ModuleInput, "vars" | "cacheDir">, url: string): string => {
  // Every URL a module downloads is listed by artifactsFor; a miss is a bug here.
  if (!artifactUrlSet(input.vars).has(url))
    throw new Error(`internal: ${url} is not among artifactsFor(vars)`);
  return cachePathOfUrl(input.cacheDir, url);
};
