/**
 * The codec of a HealthGate as a plan file holds it. A saved plan is rolled
 * out later (`tend apply PLAN --batch`), and its gates then run on hosts, so
 * a gate read back from a file is host input like any op: every value is
 * checked against the grammar of where it goes (a tcp host never reads as an
 * option, a URL is http(s), a command is an argv without NUL, names span one
 * line) before anything connects.
 */
import * as t from "io-ts";
import { AbsPath, isPlain, UnitName } from "../names.js";
import type { GateCheck, HealthGate } from "./gate.js";
import {
  gateCountProblem,
  gateNameProblem,
  isGateHost,
  MAX_GATE_NAME_BYTES,
  MAX_GATES_PER_HOST,
} from "./gate.js";

const refined = <A>(name: string, ok: (u: unknown) => u is A): t.Type<A, A, unknown> =>
  new t.Type<A, A, unknown>(
    name,
    ok,
    (u, c) => (ok(u) ? t.success(u) : t.failure(u, c)),
    (a) => a,
  );

const intIn = (min: number, max: number) =>
  refined<number>(
    `an integer from ${min} to ${max}`,
    (u): u is number => typeof u === "number" && Number.isInteger(u) && u >= min && u <= max,
  );

/** A name shown in plans and reports: one line of plain text, bounded (gateNameProblem says why not). */
const OneLine = new t.Type<string, string, unknown>(
  `a non-empty line of text of at most ${MAX_GATE_NAME_BYTES} UTF-8 bytes`,
  (u): u is string => typeof u === "string" && gateNameProblem(u) === undefined,
  (u, c) => {
    if (typeof u !== "string") return t.failure(u, c);
    const why = gateNameProblem(u);
    return why === undefined ? t.success(u) : t.failure(u, c, why);
  },
  (s) => s,
);

const HttpUrl = refined<string>("an http(s) URL", (u): u is string => {
  if (typeof u !== "string" || !isPlain(u) || !URL.canParse(u)) return false;
  const p = new URL(u).protocol;
  return p === "http:" || p === "https:";
});

/** A request path for a unix-socket GET: starts with /, no spaces or control characters. */
const RequestPath = refined<string>(
  "a request path like /_ping",
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  (u): u is string => typeof u === "string" && u.startsWith("/") && !/[\s\u0000-\u001f\u007f]/.test(u),
);

const GateHost = refined<string>(
  "a host name or an IP address",
  (u): u is string => typeof u === "string" && isGateHost(u),
);

const Argv = refined<readonly string[]>(
  "a non-empty argv list without NUL",
  (u): u is readonly string[] =>
    Array.isArray(u) && u.length > 0 && u.every((a) => typeof a === "string" && !a.includes("\0")),
);

const Status = intIn(100, 599);

const GateCheckCodec: t.Type<GateCheck, GateCheck, unknown> = t.union([
  t.strict({ kind: t.literal("file"), path: AbsPath }),
  t.strict({ kind: t.literal("http"), url: HttpUrl, status: Status }),
  t.strict({ kind: t.literal("unix-http"), socket: AbsPath, path: RequestPath, status: Status }),
  t.strict({ kind: t.literal("tcp"), host: GateHost, port: intIn(1, 65535) }),
  t.strict({ kind: t.literal("command"), argv: Argv }),
]) as unknown as t.Type<GateCheck, GateCheck, unknown>;

/** A health gate read back from a plan file (bounds as tend_health_checks takes them). */
export const HealthGateCodec: t.Type<HealthGate, HealthGate, unknown> = t.intersection([
  t.type({
    name: OneLine,
    origin: OneLine,
    check: GateCheckCodec,
    timeoutSeconds: intIn(0, 300),
    retries: intIn(0, 100),
    backoffMs: intIn(0, 600_000),
  }),
  t.partial({ service: UnitName }),
]) as unknown as t.Type<HealthGate, HealthGate, unknown>;

const GateList = t.array(HealthGateCodec);

/**
 * A host's gates in a plan file: at most MAX_GATES_PER_HOST (counted before
 * any of them is decoded), each a HealthGateCodec.
 */
export const HealthGatesCodec: t.Type<HealthGate[], HealthGate[], unknown> = new t.Type<
  HealthGate[],
  HealthGate[],
  unknown
>(
  `a list of at most ${MAX_GATES_PER_HOST} health gates`,
  (u): u is HealthGate[] => GateList.is(u) && gateCountProblem(u.length) === undefined,
  (u, c) => {
    const why = Array.isArray(u) ? gateCountProblem(u.length) : undefined;
    return why === undefined ? GateList.validate(u, c) : t.failure(u, c, why);
  },
  (gates) => gates,
);
