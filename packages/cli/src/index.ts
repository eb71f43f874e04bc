/**
 * @tend/cli: the `tend` command line. `main(argv, io, deps)` runs it and
 * returns the exit code; tests inject io and deps (a SimHost-backed target
 * factory, a small module set). The bin wires the real transports and modules.
 */
import type { Deps } from "./internal/facade.js";
import { type CliIo, processIo } from "./internal/io.js";
import { run } from "./internal/main.js";

export type { Artifact, ArtifactChecksum, Fetch } from "./internal/artifacts.js";
export type { Connection, DockerConnection, LocalConnection, SshConnection } from "./internal/connect.js";
export { connectionOf, parseSshArgs } from "./internal/connect.js";
export type { ClusterInput, Deps, Modules, OpenTarget } from "./internal/facade.js";
export { type FetchResponse, httpGet } from "./internal/http-get.js";
export {
  type Inventory,
  type InventoryGroup,
  type LoadedInventory,
  loadInventory,
  parseInventory,
  selectHosts,
  type VarLayer,
} from "./internal/inventory/index.js";
export type { CliIo } from "./internal/io.js";

/**
 * Runs `tend` with `argv` (without node and script name) and resolves to the
 * exit code: 0 success, 2 changes pending (plan --detailed-exitcode), 1 error.
 * Never rejects. `deps` defaults to the real modules and transports.
 */
export const main = (
  argv: readonly string[],
  io: CliIo = processIo(),
  deps?: Partial<Deps>,
): Promise<number> =>
  run(argv, io, async () => {
    if (deps && REQUIRED.every((k) => deps[k] !== undefined)) return deps as Deps;
    // Loaded only when needed, so tests with injected deps never load ssh2 or docker-modem.
    const { defaultDeps } = await import("./internal/engine-bridge.js");
    return { ...(await defaultDeps(io.env)), ...deps };
  });

const REQUIRED: readonly (keyof Deps)[] = ["modules", "openTarget", "fetch", "cacheDir", "user", "localHost"];
