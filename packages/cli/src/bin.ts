#!/usr/bin/env node
/** The `tend` executable: runs main() on the process's arguments and streams. */
import { main } from "./index.js";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // main() never rejects; this guards the guard, still without a stack trace.
    process.stderr.write(`internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
