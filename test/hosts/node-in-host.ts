/**
 * Runs tend's own code inside a test host: copies this machine's node binary
 * and one built workspace package (its dist and runtime dependencies) into
 * the container. For promises that need a non-root login user on a real
 * host, such as escalation through `sudo -n`, without touching this machine.
 */
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mustRun } from "./docker-cli.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** What to copy: a workspace package by directory, and the npm packages it imports at run time. */
export interface NodePackageSpec {
  /** The package name, e.g. "@tend/transport-local". */
  readonly name: string;
  /** Its directory relative to the repository root, e.g. "packages/transport-local". */
  readonly dir: string;
  /** Runtime dependencies to copy from the root node_modules, e.g. ["fp-ts"]. */
  readonly deps: readonly string[];
}

/**
 * Builds the package (tsc -b, so the copy is never stale), then puts node at
 * /usr/local/bin/node and the package under /opt/tend/node_modules in the
 * host. Returns /opt/tend: a script placed there can `import` the package.
 */
export const installNodePackage = async (
  host: { readonly container: string },
  spec: NodePackageSpec,
): Promise<string> => {
  await mustRun(["npx", "tsc", "-b", join(repoRoot, spec.dir)], { timeoutMs: 300_000 });
  const staging = await mkdtemp(join(tmpdir(), "tend-node-pkg-"));
  try {
    const pkgDir = join(staging, "node_modules", spec.name);
    await cp(join(repoRoot, spec.dir, "package.json"), join(pkgDir, "package.json"));
    await cp(join(repoRoot, spec.dir, "dist"), join(pkgDir, "dist"), { recursive: true });
    for (const dep of spec.deps) {
      await cp(join(repoRoot, "node_modules", dep), join(staging, "node_modules", dep), {
        recursive: true,
        dereference: true,
      });
    }
    await mustRun(["chmod", "-R", "a+rX", staging]);
    await mustRun(["docker", "cp", `${staging}/.`, `${host.container}:/opt/tend`], { timeoutMs: 300_000 });
    await mustRun(["docker", "cp", "-L", process.execPath, `${host.container}:/usr/local/bin/node`], {
      timeoutMs: 300_000,
    });
    return "/opt/tend";
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
};
