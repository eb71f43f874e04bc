/**
 * ShellTarget: probes and ops compiled to POSIX sh, run over any Transport.
 * See README.md beside this file.
 */

export { MAX_SCRIPT_BYTES } from "./probe-script.js";
export { shellArgv, shellQuote, UnquotableError } from "./quote.js";
export { HOST_FACTS_PROBE, ShellTarget, type ShellTargetOptions } from "./target.js";
