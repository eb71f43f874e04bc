/**
 * SimHost's answers to health gate probes (see health/gate.ts). SimHost has
 * no network, so a gate's health is modelled from state: a gate that names a
 * service passes only while that unit is active; a file gate looks at the
 * simulated file system; a command gate runs through the same small command
 * interpreter as other checks. `unhealthy` injects faults: a gate whose
 * service, or first value (path, URL, socket, host), is listed fails even
 * when its service runs.
 */
import type { CheckFact } from "../probe.js";
import { evalReadOnly } from "./commands.js";
import type { SimState } from "./state.js";

/** The answer to one gate probe, given its parsed argv. */
export const answerGate = (
  state: SimState,
  gate: { readonly kind: string; readonly service: string; readonly values: readonly string[] },
  unhealthy: readonly string[],
): CheckFact => {
  const fail = (why: string): CheckFact => ({ exitCode: 1, stdout: `${why}\n` });
  const first = gate.values[0] ?? "";
  if (unhealthy.includes(first) || (gate.service !== "" && unhealthy.includes(gate.service)))
    return fail(`${gate.service || first} is unhealthy (injected)`);
  if (gate.service !== "") {
    const active = Object.hasOwn(state.services, gate.service)
      ? state.services[gate.service]?.active
      : undefined;
    if (active !== "active") return fail(`${gate.service} is ${active ?? "not installed"}`);
  }
  switch (gate.kind) {
    case "file":
      return evalReadOnly(state, ["test", "-e", first]).exitCode === 0
        ? { exitCode: 0, stdout: "" }
        : fail(`${first} does not exist`);
    case "command": {
      const r = evalReadOnly(state, gate.values);
      return r.exitCode === 0 ? { exitCode: 0, stdout: "" } : fail(`exited ${r.exitCode}`);
    }
    case "http":
    case "unix-http":
    case "tcp":
      return { exitCode: 0, stdout: "" };
    default:
      return { exitCode: 2, stdout: `unknown gate kind ${gate.kind}\n` };
  }
};
