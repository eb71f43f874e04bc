#!/usr/bin/env node
/** The `tend` executable: runs main() on the process's arguments and streams. */
import { main } from "./index.js";

const finish = (code: number): void => {
  process.exitCode = code;
  // Every target is closed by then; should a transport still hold a handle, do not hang on it.
  // The timer is unref'd, so a clean exit never waits for it.
  setTimeout(() => process.exit(code), 2_000).unref();
};

main(process.argv.slice(2)).then(finish, (e: unknown) => {
  // main() never rejects; this guards the guard, still without a stack trace.
  process.stderr.write(`internal error: ${e instanceof Error ? e.message : String(e)}\n`);
  finish(1);
});
