export type { GateCheck, GatePolicy, HealthGate, UserHealthCheck } from "./gate.js";
export {
  DEFAULT_GATE_POLICY,
  describeGate,
  GATE_SCRIPT,
  gateCountProblem,
  gateNameProblem,
  gateProbe,
  isGateHost,
  MAX_GATE_NAME_BYTES,
  MAX_GATES_PER_HOST,
  MAX_USER_CHECKS,
  parseGateArgv,
  UserHealthCheck as UserHealthCheckCodec,
  UserHealthChecks,
  userCheckProblem,
  userGate,
} from "./gate.js";
export { HealthGateCodec, HealthGatesCodec } from "./gate-codec.js";
export type { GateResult, Sleep } from "./run.js";
export { realSleep, runGates } from "./run.js";
