/**
 * @tend/transport-local passes the conformance suite on this machine. The
 * "host" disappearing is simulated by SIGKILLing the process groups of the
 * shells the transport spawned, from outside the transport.
 */
import { readdirSync, readFileSync } from "node:fs";
import { localTransport } from "@tend/transport-local";
import { describeConformance } from "./suite.js";

/** pids of this process's children whose command is sh or sudo (the transport's shells). */
const spawnedShells = (): number[] =>
  readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        // /proc/PID/stat: "pid (comm) state ppid ..."; comm may contain spaces, so split after ")".
        const stat = readFileSync(`/proc/${d}/stat`, "utf8");
        const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        return ppid === process.pid && (comm === "sh" || comm === "sudo") ? [Number(d)] : [];
      } catch {
        return [];
      }
    });

describeConformance("local", async () => ({
  transport: localTransport({ host: "this-machine" }),
  kill: async () => {
    for (const pid of spawnedShells()) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // It may have finished between listing and killing.
      }
    }
  },
}));
