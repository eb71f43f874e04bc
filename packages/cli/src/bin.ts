#!/usr/bin/env node
/**
 * The `tend` executable: runs the CLI on the process's arguments and streams.
 * It does what main() of index.ts does without importing index.ts, whose
 * re-exports (inventory parsing with yaml, connection settings) would load on
 * every start, `tend --help` included.
 */
import { processIo } from "./internal/io.js";
import { run } from "./internal/main.js";

const finish = (code: number): void => {
  process.exitCode = code;
  // Every target is closed by then; should a transport still hold a handle, do not hang on it.
  // The timer is unref'd, so a clean exit never waits for it.
  setTimeout(() => process.exit(code), 2_000).unref();
};

const io = processIo();
run(process.argv.slice(2), io, async () =>
  (await import("./internal/engine-bridge.js")).defaultDeps(io.env),
).then(finish, (e: unknown) => {
  // run() never rejects; this guards the guard, still without a stack trace.
  process.stderr.write(`internal error: ${e instanceof Error ? e.message : String(e)}\n`);
  finish(1);
});
