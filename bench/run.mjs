// Runs every benchmark in its own process (so peak memory is per benchmark).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const only = process.argv[2];
const benches = ["core", "transports", "worker", "current", "validate", "fleet", "startup"].filter(
  (b) => !only || b === only,
);
for (const b of benches) {
  const file = new URL(`./${b}.mjs`, import.meta.url);
  if (!existsSync(file)) continue;
  const r = spawnSync(process.execPath, ["--expose-gc", file.pathname], { stdio: "inherit" });
  if (r.status !== 0) process.exitCode = 1;
}
