export type { GateCheck, GatePolicy, HealthGate, UserHealthCheck } from "./gate.js";
export {
  DEFAULT_GATE_POLICY,
  describeGate,
  GATE_SCRIPT,
  gateProbe,
  isGateHost,
  parseGateArgv,
  UserHealthCheck as UserHealthCheckCodec,
  UserHealthChecks,
  userCheckProblem,
  userGate,
} from "./gate.js";
export { HealthGateCodec } from "./gate-codec.js";
export type { GateResult, Sleep } from "./run.js";
export { realSleep, runGates } from "./run.js";
