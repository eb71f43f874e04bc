/**
 * Health gates: checks that must pass on a host after its apply, before its
 * rollout batch counts as done. A gate is data; it becomes one `check` probe
 * whose argv runs a constant sh script with the gate's values as positional
 * arguments, so no value is ever formatted into shell text (ShellTarget
 * quotes the argv with shellArgv like any other check probe).
 */
import * as t from "io-ts";
import { fitsBytes, isPlain } from "../names.js";
import type { Probe } from "../probe.js";

/** How long one try may take, how often to retry, and how long to wait between tries. */
export interface GatePolicy {
  /** Seconds one try may take (whole seconds, curl and timeout(1) take them). */
  readonly timeoutSeconds: number;
  /** Tries after the first one. */
  readonly retries: number;
  /** Wait before the first retry, in ms; doubled before each further one. */
  readonly backoffMs: number;
}

/** What a gate checks. `service` names the unit whose health it reports ("" for none). */
export type GateCheck =
  /** A path exists. */
  | { readonly kind: "file"; readonly path: string }
  /** An HTTP(S) URL answers with `status`. */
  | { readonly kind: "http"; readonly url: string; readonly status: number }
  /** `GET path` on a unix socket answers with `status` (docker's /_ping). */
  | { readonly kind: "unix-http"; readonly socket: string; readonly path: string; readonly status: number }
  /** A TCP port accepts a connection. */
  | { readonly kind: "tcp"; readonly host: string; readonly port: number }
  /** A command (argv, never a shell string) exits 0. */
  | { readonly kind: "command"; readonly argv: readonly string[] };

/** One health gate of a host. */
export interface HealthGate extends GatePolicy {
  /** Shown in plans and reports, e.g. "kubelet healthz". */
  readonly name: string;
  /** Who declared it: a module name or "tend_health_checks". */
  readonly origin: string;
  /** The systemd unit whose health this reports, if any (SimHost models it from the unit's state). */
  readonly service?: string;
  readonly check: GateCheck;
}

/** Default policy: 5 s per try, 5 retries, 1 s backoff doubling (about 31 s of waiting at most). */
export const DEFAULT_GATE_POLICY: GatePolicy = { timeoutSeconds: 5, retries: 5, backoffMs: 1000 };

/**
 * The gate script. `$1` kind, `$2` timeout seconds, `$3` service (unused on
 * a host, read by SimHost), then the kind's values. curl when present, else
 * bash's /dev/tcp; the output's first line says why a try failed.
 */
export const GATE_SCRIPT = [
  'k=$1; s=$2; shift 3; to=""; command -v timeout >/dev/null 2>&1 && to="timeout $s"',
  "case $k in",
  'file) [ -e "$1" ] || { echo "$1 does not exist"; exit 1; } ;;',
  // --globoff: a URL's [] and {} are characters, never curl's request ranges.
  "http|unix-http)",
  "  if command -v curl >/dev/null 2>&1; then",
  '    if [ "$k" = http ]; then c=$(curl -sk -o /dev/null -w "%{http_code}" --max-time "$s" --globoff "$1");',
  '    else c=$(curl -s -o /dev/null -w "%{http_code}" --max-time "$s" --globoff --unix-socket "$1" "http://localhost$3"); fi',
  '  elif [ "$k" = http ] && command -v bash >/dev/null 2>&1; then',
  '    c=$($to bash -c \'exec 3<>"/dev/tcp/$0/$1" || exit 1; printf "GET %s HTTP/1.0\\r\\nHost: %s\\r\\n\\r\\n" "$2" "$0" >&3; read -r _ c _ <&3; echo "$c"\' "$4" "$5" "$6")',
  '  else echo "no curl (and no bash for /dev/tcp) on the host"; exit 1; fi',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: sh parameter expansion, not a template
  '  [ "${c:-000}" = "$2" ] || { echo "answered ${c:-nothing}, expected $2"; exit 1; } ;;',
  "tcp)",
  '  if command -v bash >/dev/null 2>&1; then $to bash -c \'exec 3<>"/dev/tcp/$0/$1"\' "$1" "$2" 2>/dev/null || { echo "port $2 on $1 refused or timed out"; exit 1; }',
  '  elif command -v nc >/dev/null 2>&1; then nc -z -w "$s" "$1" "$2" || { echo "port $2 on $1 refused"; exit 1; }',
  '  else echo "no bash or nc on the host for a tcp check"; exit 1; fi ;;',
  'command) $to "$@" >/dev/null 2>&1 || { echo "exited $?"; exit 1; } ;;',
  '*) echo "unknown gate kind $k"; exit 2 ;;',
  "esac",
].join("\n");

/** argv[3] of every gate probe: tells a gate probe from any other check. */
export const GATE_MARK = "tend-gate";

/** The kind's values, in the positional order GATE_SCRIPT reads them. */
const valuesOf = (c: GateCheck): readonly string[] => {
  switch (c.kind) {
    case "file":
      return [c.path];
    case "http": {
      // For the /dev/tcp fallback: host, port and path of a plain http URL.
      const u = URL.canParse(c.url) ? new URL(c.url) : undefined;
      const port = u ? u.port || (u.protocol === "https:" ? "443" : "80") : "";
      return [c.url, String(c.status), "", u?.hostname ?? "", port, u ? `${u.pathname}${u.search}` : ""];
    }
    case "unix-http":
      return [c.socket, String(c.status), c.path];
    case "tcp":
      return [c.host, String(c.port)];
    case "command":
      return [...c.argv];
  }
};

/** The one probe that runs a gate once on the host. */
export const gateProbe = (g: HealthGate): Probe => ({
  type: "check",
  argv: [
    "sh",
    "-c",
    GATE_SCRIPT,
    GATE_MARK,
    g.check.kind,
    String(g.timeoutSeconds),
    g.service ?? "",
    ...valuesOf(g.check),
  ],
});

/** A gate probe's parts, read back from its argv (SimHost answers with them); undefined for other argv. */
export const parseGateArgv = (
  argv: readonly string[],
): { kind: string; service: string; values: readonly string[] } | undefined =>
  argv[0] === "sh" && argv[1] === "-c" && argv[2] === GATE_SCRIPT && argv[3] === GATE_MARK
    ? { kind: argv[4] ?? "", service: argv[6] ?? "", values: argv.slice(7) }
    : undefined;

/** One line describing what a gate checks, for plans and reports. */
export const describeGate = (g: HealthGate): string => {
  const c = g.check;
  const what =
    c.kind === "file"
      ? `${c.path} exists`
      : c.kind === "http"
        ? `${c.url} answers ${c.status}`
        : c.kind === "unix-http"
          ? `GET ${c.path} on ${c.socket} answers ${c.status}`
          : c.kind === "tcp"
            ? `${c.host}:${c.port} accepts`
            : `${JSON.stringify(c.argv)} exits 0`;
  return `${g.name}: ${what} (${g.timeoutSeconds}s per try, ${g.retries} retries, backoff ${g.backoffMs}ms)`;
};

const PositiveInt = (max: number) =>
  new t.Type<number, number, unknown>(
    `an integer from 0 to ${max}`,
    (u): u is number => typeof u === "number" && Number.isInteger(u) && u >= 0 && u <= max,
    (u, c) =>
      typeof u === "number" && Number.isInteger(u) && u >= 0 && u <= max ? t.success(u) : t.failure(u, c),
    (n) => n,
  );

const policyFields = t.partial({
  timeout: PositiveInt(300),
  retries: PositiveInt(100),
  backoff_ms: PositiveInt(600_000),
});

/**
 * Codec of `tend_health_checks`: a list of checks, each with a name, a kind
 * (http with url and status; tcp with port and host; command with an argv
 * list) and optionally timeout (s), retries and backoff_ms.
 */
export const UserHealthCheck = t.union([
  t.intersection([
    t.type({ name: t.string, http: t.string }),
    t.partial({ status: PositiveInt(599) }),
    policyFields,
  ]),
  t.intersection([
    t.type({ name: t.string, tcp: PositiveInt(65535) }),
    t.partial({ host: t.string }),
    policyFields,
  ]),
  t.intersection([t.type({ name: t.string, command: t.array(t.string) }), policyFields]),
]);
export type UserHealthCheck = t.TypeOf<typeof UserHealthCheck>;
export const UserHealthChecks = t.array(UserHealthCheck);

const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

/**
 * A host name (RFC 1123 labels, so never one that starts with "-" and
 * reads as an option of nc), an IPv4 literal, or an IPv6 literal.
 */
export const isGateHost = (s: string): boolean =>
  (s.length <= 253 && HOST_NAME.test(s)) ||
  (/^[0-9A-Fa-f:.]+$/.test(s) && s.includes(":") && URL.canParse(`http://[${s}]/`));

/**
 * Longest gate name (or origin), in UTF-8 bytes. Real names are a few words
 * ("kubelet healthz", "flanneld subnet file", a user's "api answers on
 * :6443"); 256 bytes leaves room for a long descriptive one in any script
 * (64 characters of 4 bytes), while a plan file can no longer carry
 * megabytes of name into every plan, progress line and report.
 */
export const MAX_GATE_NAME_BYTES = 256;

/**
 * Most health gates one host may wait for. The modules declare at most six
 * on a host that runs every role (flannel's two, docker, containerd,
 * kubelet, kube-proxy); 64 leaves room for tend_health_checks. Each
 * gate costs a round trip per try and a line in plans and reports, so a
 * plan file with a million of them would stall a rollout and flood its
 * output.
 */
export const MAX_GATES_PER_HOST = 64;

/**
 * Why `s` is no gate name (or origin) as plans and reports show it, or
 * undefined: one non-empty line of plain text of at most MAX_GATE_NAME_BYTES.
 * Its message says what was expected, and never quotes the value.
 */
export const gateNameProblem = (s: string): string | undefined => {
  if (!fitsBytes(s, MAX_GATE_NAME_BYTES))
    return `expected a name of at most ${MAX_GATE_NAME_BYTES} UTF-8 bytes, got one of ${new TextEncoder().encode(s).length} bytes`;
  if (s.trim() === "") return "expected a non-empty name, got a blank one";
  if (!isPlain(s) || /[\n\r\u2028\u2029]/.test(s))
    return "expected a name on one line of plain text, got one with a line break, NUL or lone surrogate";
  return undefined;
};

/**
 * Most checks tend_health_checks may add to a host: half MAX_GATES_PER_HOST,
 * the other half left to the modules' own gates (six at most), so a
 * plan made with every gate a host may have is a plan file tend reads back.
 */
export const MAX_USER_CHECKS = MAX_GATES_PER_HOST / 2;

/**
 * Why `count` gates are too many, or undefined: the one bound of a plan
 * file's gates per host (HealthGatesCodec, max MAX_GATES_PER_HOST) and of
 * tend_health_checks (max MAX_USER_CHECKS).
 */
export const gateCountProblem = (count: number, max = MAX_GATES_PER_HOST): string | undefined =>
  count > max
    ? `expected at most ${max} ${max === MAX_GATES_PER_HOST ? "health gates per host" : "checks"}, got ${count}`
    : undefined;

/** A user's value as a message quotes it: JSON, cut short (an inventory value may be megabytes). */
const quote = (s: string): string => {
  const j = JSON.stringify(s);
  return j.length > 60 ? `${j.slice(0, 57)}...` : j;
};

/** Why a decoded user check cannot be run, or undefined. */
export const userCheckProblem = (c: UserHealthCheck): string | undefined => {
  const name = gateNameProblem(c.name);
  if (name) return `name: ${name}`;
  if ("http" in c && c.status !== undefined && c.status < 100)
    return `status ${c.status} is no HTTP status (give 100 to 599)`;
  if ("http" in c) {
    if (!URL.canParse(c.http)) return `http ${quote(c.http)} is not a URL`;
    const p = new URL(c.http).protocol;
    if (p !== "http:" && p !== "https:") return `http ${quote(c.http)} is not an http(s) URL`;
  }
  if ("command" in c && c.command.length === 0)
    return "command is an empty list (give the argv, e.g. [systemctl, is-active, kubelet])";
  if ("command" in c && c.command.some((a) => a.includes("\0"))) return "command has an argument with NUL";
  if ("tcp" in c && c.tcp === 0) return "tcp port 0 is no port";
  if ("tcp" in c && c.host !== undefined && !isGateHost(c.host))
    return `host ${quote(c.host)} is not a host name or an IP address`;
  return undefined;
};

/** A decoded, checked user check as a gate. */
export const userGate = (c: UserHealthCheck): HealthGate => {
  const policy: GatePolicy = {
    timeoutSeconds: c.timeout ?? DEFAULT_GATE_POLICY.timeoutSeconds,
    retries: c.retries ?? DEFAULT_GATE_POLICY.retries,
    backoffMs: c.backoff_ms ?? DEFAULT_GATE_POLICY.backoffMs,
  };
  const check: GateCheck =
    "http" in c
      ? // The parsed URL's own spelling: no whitespace or control characters travel to curl.
        { kind: "http", url: new URL(c.http).href, status: c.status ?? 200 }
      : "tcp" in c
        ? { kind: "tcp", host: c.host ?? "127.0.0.1", port: c.tcp }
        : { kind: "command", argv: c.command };
  return { name: c.name, origin: "tend_health_checks", ...policy, check };
};
