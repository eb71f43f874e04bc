/**
 * The version `tend --version` prints: the one in @tend/cli's package.json,
 * read beside the running code (src/internal or dist/internal, both two
 * levels below the package root), so it can never drift from what npm
 * installed (or, in the one-file bundle, baked in by scripts/bundle.mjs).
 */
import { readFileSync } from "node:fs";

/** Set by scripts/bundle.mjs in the one-file bundle, which has no package.json beside it. */
declare const __TEND_VERSION__: string | undefined;

/** The @tend/cli version, or a line saying why it cannot be read (never throws). */
export const cliVersion = (): string => {
  if (typeof __TEND_VERSION__ === "string") return __TEND_VERSION__;
  const url = new URL("../../package.json", import.meta.url);
  try {
    const version: unknown = JSON.parse(readFileSync(url, "utf8")).version;
    return typeof version === "string" && version.length > 0
      ? version
      : "unknown (package.json has no version)";
  } catch (e) {
    return `unknown (cannot read ${url.pathname}: ${(e as Error).message})`;
  }
};
