/**
 * How tend reaches a host, read from the host's variables with Ansible's
 * names: `ansible_connection` (ssh, the default | local | docker),
 * `ansible_host`, `ansible_port`, `ansible_user`,
 * `ansible_ssh_private_key_file`, `ansible_become`, `ansible_become_user`,
 * `ansible_become_method` (sudo | su), `ansible_become_password` (also
 * `ansible_become_pass`, `ansible_sudo_pass`, `ansible_su_pass`; a secret,
 * see become.ts), and the `-o` options of `ansible_ssh_common_args` / `ansible_ssh_extra_args`
 * (ProxyCommand, ProxyJump, StrictHostKeyChecking, UserKnownHostsFile), plus
 * tend's own `tend_ssh_host_key_policy`. Pure: opening the transport is
 * transports.ts's job.
 */

import { ansibleBool } from "@tend/modules";
import { hostAddressProblem, userNameProblem } from "@tend/transport-ssh/names";
import type { Either } from "fp-ts/lib/Either.js";
import { left, right } from "fp-ts/lib/Either.js";
import { type BecomeSettings, becomeSettingsOf } from "./become.js";
import type { VarLayer } from "./inventory/index.js";
import { parseSshArgs, portOf, proxyCommandProblem, proxyJumpCommand, type SshArgs } from "./ssh-args.js";

export { parseSshArgs, type SshArgs, shellWords } from "./ssh-args.js";

/** An SSH connection, in the terms of `sshTransport`'s options. */
export interface SshConnection {
  readonly type: "ssh";
  readonly host: string;
  readonly address: string;
  readonly port: number;
  readonly username: string;
  readonly privateKeyPath?: string;
  readonly become: boolean;
  readonly becomeUser?: string;
  /** `ansible_become_method` when set; the transport's default (sudo) otherwise. */
  readonly becomeMethod?: BecomeSettings["method"];
  /** `ansible_become_password` (or its aliases), or the one --ask-become-pass asked for. */
  readonly becomePassword?: BecomeSettings["password"];
  /** The variable the password came from, or `--ask-become-pass`. */
  readonly becomePasswordFrom?: string;
  readonly proxyCommand?: string;
  readonly hostKeyPolicy: "strict" | "accept-new";
  readonly knownHostsPath?: string;
}

/** The machine tend runs on; tend runs as `becomeUser` (root by default) through sudo or su unless it already is. */
export interface LocalConnection {
  readonly type: "local";
  readonly host: string;
  readonly becomeUser?: string;
  readonly becomeMethod?: BecomeSettings["method"];
  readonly becomePassword?: BecomeSettings["password"];
  /** The variable the password came from, or `--ask-become-pass`. */
  readonly becomePasswordFrom?: string;
}

/** A container on this machine's Docker daemon. */
export interface DockerConnection {
  readonly type: "docker";
  readonly host: string;
  readonly container: string;
}

/** How one host is reached. */
export type Connection = SshConnection | LocalConnection | DockerConnection;

/** A connection variable with a value tend cannot use; names the host, variable and file. */
export interface ConnectionVarError {
  readonly host: string;
  readonly variable: string;
  /** The file the value came from (`hosts.yml (group g)` for inventory variables), or `defaults`. */
  readonly origin: string;
  /** Line of the variable in `origin`, when known. */
  readonly line?: number;
  /** What is wrong and what was expected. */
  readonly message: string;
}

/** One line for a connection variable error: `host: variable (from file, line N): message`. */
export const describeConnectionVarError = (e: ConnectionVarError): string =>
  `${e.host}: ${e.variable} (from ${e.origin}${e.line !== undefined ? `, line ${e.line}` : ""}): ${e.message}`;

/** Orders errors by file, then line, then host (for one report over many hosts). */
export const compareConnectionVarErrors = (a: ConnectionVarError, b: ConnectionVarError): number =>
  a.origin < b.origin
    ? -1
    : a.origin > b.origin
      ? 1
      : (a.line ?? 0) - (b.line ?? 0) || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0);

/** Defaults a connection needs from outside the inventory. */
export interface ConnectionDefaults {
  /** The login user when `ansible_user` is not set (Ansible uses the controller's user). */
  readonly user: string;
}

type Found = { value: unknown; origin: string; line?: number };

/** The value of a variable from the highest layer that sets it, with its file and line. */
export const lookupIn =
  (layers: readonly VarLayer[]): Lookup =>
  (name) => {
    for (let i = layers.length - 1; i >= 0; i--) {
      const l = layers[i]!;
      if (Object.hasOwn(l.vars, name)) {
        const line = l.lines?.get(name);
        return { value: l.vars[name], origin: l.origin, ...(line !== undefined ? { line } : {}) };
      }
    }
    return undefined;
  };

/** A connection boolean (ansible_become): Ansible's spellings, and an empty value as false, as Ansible reads it. */
const connectionBool = (v: unknown): boolean | undefined =>
  typeof v === "string" && v.trim() === "" ? false : ansibleBool(v);

const KINDS: Readonly<Record<string, Connection["type"]>> = {
  ssh: "ssh",
  paramiko: "ssh",
  smart: "ssh",
  local: "local",
  docker: "docker",
  "community.docker.docker": "docker",
  "community.docker.docker_api": "docker",
};

/** The transport an `ansible_connection` value names, or undefined when tend has none (own names only, never `toString`). */
export const connectionKindOf = (text: string): Connection["type"] | undefined =>
  Object.hasOwn(KINDS, text) ? KINDS[text] : undefined;

const editDistance = (a: string, b: string): number => {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
};

const connectionKindProblem = (kind: string): string => {
  const guess = ["ssh", "local", "docker"].find((k) => editDistance(kind.toLowerCase(), k) <= 2);
  const hint = guess !== undefined ? `; did you mean "${guess}"?` : "";
  return `unsupported connection ${JSON.stringify(kind)}: expected ssh, local or docker${hint}`;
};

// Docker's own rule for container names (an id is hex, so it matches too).
const CONTAINER = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Reads one host's connection variables, collecting every problem. */
const readerOf = (host: string, layers: readonly VarLayer[]) => {
  const get = lookupIn(layers);
  const errors: ConnectionVarError[] = [];
  const fail = (variable: string, message: string, origin?: string): void => {
    // One problem per variable: a templated value would fail its grammar too.
    if (errors.some((e) => e.variable === variable)) return;
    const found = get(variable);
    errors.push({
      host,
      variable,
      origin: origin ?? found?.origin ?? "defaults",
      ...(origin === undefined && found?.line !== undefined ? { line: found.line } : {}),
      message,
    });
  };
  const str = (...names: string[]): { value: string; name: string } | undefined => {
    for (const name of names) {
      const found = get(name);
      if (found === undefined || found.value === null) continue;
      if (typeof found.value === "string" || typeof found.value === "number") {
        const value = String(found.value);
        // Jinja in connection variables needs the whole play context; refuse rather than connect elsewhere.
        if (value.includes("{{"))
          fail(name, "templated connection variables are not supported; give the value itself");
        return { value, name };
      }
      fail(
        name,
        `expected a string, got ${Array.isArray(found.value) ? "a list" : typeof found.value === "boolean" ? String(found.value) : "a mapping"}`,
      );
      return undefined;
    }
    return undefined;
  };
  return { get, errors, fail, str };
};

/** The local connection: this machine, becoming a user as the layers' become variables say. */
const localOf = (host: string, become: BecomeSettings): LocalConnection => ({
  type: "local",
  host,
  ...(become.user !== undefined ? { becomeUser: become.user } : {}),
  ...(become.method !== undefined ? { becomeMethod: become.method } : {}),
  ...(become.password !== undefined
    ? { becomePassword: become.password, becomePasswordFrom: become.passwordFrom }
    : {}),
});

/**
 * This machine in the place of inventory host `host` (`--local -i INV -l
 * HOST`): only the host's become variables apply (user, method, password).
 */
export const localConnectionOf = (
  host: string,
  layers: readonly VarLayer[],
): Either<ConnectionVarError[], LocalConnection> => {
  const { get, errors, fail, str } = readerOf(host, layers);
  const become = becomeSettingsOf(get, fail, str);
  return errors.length ? left(errors) : right(localOf(host, become));
};

/** The connection for one inventory host, or every problem with its connection variables. */
export const connectionOf = (
  host: string,
  layers: readonly VarLayer[],
  defaults: ConnectionDefaults,
): Either<ConnectionVarError[], Connection> => {
  const { get, errors, fail, str } = readerOf(host, layers);

  const kindText = str("ansible_connection")?.value ?? "ssh";
  const kind = connectionKindOf(kindText);
  if (kind === undefined) {
    fail("ansible_connection", connectionKindProblem(kindText));
    return left(errors);
  }
  const become = becomeSettingsOf(get, fail, str);
  if (kind === "local") return errors.length ? left(errors) : right(localOf(host, become));
  if (kind === "docker") {
    const given = str("ansible_host", "ansible_docker_container");
    const container = given?.value ?? host;
    if (!CONTAINER.test(container)) {
      const message = `expected a container name or id (letters, digits, "_", "." and "-"), got ${JSON.stringify(container)}`;
      if (given !== undefined) fail(given.name, message);
      else
        fail(
          "ansible_host",
          `the inventory host name is used as the container name: ${message}`,
          "the inventory host name",
        );
    }
    return errors.length ? left(errors) : right({ type: "docker", host, container });
  }
  return sshConnection(host, get, defaults, errors, fail, str, become);
};

/** Records a problem with a variable (once per variable). */
export type Fail = (variable: string, message: string, origin?: string) => void;
/** The first of `names` that is set, as a string (a problem recorded when it is not one). */
export type Str = (...names: string[]) => { value: string; name: string } | undefined;
/** A variable's winning value with its file and line. */
export type Lookup = (name: string) => Found | undefined;

const sshConnection = (
  host: string,
  get: Lookup,
  defaults: ConnectionDefaults,
  errors: ConnectionVarError[],
  fail: Fail,
  str: Str,
  settings: BecomeSettings,
): Either<ConnectionVarError[], Connection> => {
  const given = str("ansible_host", "ansible_ssh_host");
  const address = given?.value ?? host;
  const addressProblem = hostAddressProblem(address);
  if (addressProblem !== undefined) {
    if (given !== undefined) fail(given.name, addressProblem);
    else
      fail(
        "ansible_host",
        `not set, and the inventory host name is no address: ${addressProblem}`,
        "the inventory host name",
      );
  }
  let port = 22;
  const portVar = get("ansible_port") !== undefined ? "ansible_port" : "ansible_ssh_port";
  const portFound = get(portVar);
  if (portFound !== undefined && portFound.value !== null) {
    const p = portOf(portFound.value);
    if (typeof p === "number") port = p;
    else fail(portVar, p.problem);
  }
  const user = str("ansible_user", "ansible_ssh_user", "ansible_remote_user");
  const username = user?.value ?? defaults.user;
  const userProblem = userNameProblem(username);
  if (userProblem !== undefined) {
    if (user !== undefined) fail(user.name, userProblem);
    else
      fail(
        "ansible_user",
        `not set, and the controller's user name cannot be used: ${userProblem}`,
        "the controller user",
      );
  }
  const privateKeyPath = str("ansible_ssh_private_key_file", "ansible_private_key_file")?.value;
  let become = false;
  const becomeName = get("ansible_become") !== undefined ? "ansible_become" : "ansible_sudo";
  const becomeVar = get(becomeName);
  if (becomeVar !== undefined) {
    const b = connectionBool(becomeVar.value);
    if (b === undefined) {
      const got =
        typeof becomeVar.value === "string" || typeof becomeVar.value === "number"
          ? JSON.stringify(becomeVar.value)
          : "a value of another kind";
      fail(becomeName, `expected a boolean (true/false, yes/no, on/off, 1/0), got ${got}`);
    } else become = b;
  }

  let args: SshArgs = {};
  for (const name of ["ansible_ssh_common_args", "ansible_ssh_extra_args"]) {
    const text = str(name)?.value;
    if (text === undefined) continue;
    const parsed = parseSshArgs(text);
    if (typeof parsed === "string") fail(name, parsed);
    else {
      if (parsed.proxyCommand !== undefined && parsed.proxyCommand.toLowerCase() !== "none") {
        const problem = proxyCommandProblem(parsed.proxyCommand);
        if (problem !== undefined) fail(name, problem);
      }
      args = { ...args, ...parsed };
    }
  }
  let proxyCommand = args.proxyCommand;
  if (proxyCommand?.toLowerCase() === "none") proxyCommand = undefined;
  if (proxyCommand === undefined && args.proxyJump !== undefined && args.proxyJump.toLowerCase() !== "none") {
    // ssh -J is ProxyCommand through the jump host's own ssh client.
    const jump = proxyJumpCommand(args.proxyJump);
    if ("problem" in jump) {
      fail(
        get("ansible_ssh_extra_args") ? "ansible_ssh_extra_args" : "ansible_ssh_common_args",
        jump.problem,
      );
    } else proxyCommand = jump.command;
  }

  let hostKeyPolicy: "strict" | "accept-new" = "strict";
  const strict = args.strictHostKeyChecking?.toLowerCase();
  // "no" would accept changed keys in OpenSSH; tend never does, so it is read as accept-new.
  if (strict === "accept-new" || strict === "no" || strict === "off") hostKeyPolicy = "accept-new";
  const policy = str("tend_ssh_host_key_policy")?.value;
  if (policy !== undefined) {
    if (policy === "strict" || policy === "accept-new") hostKeyPolicy = policy;
    else fail("tend_ssh_host_key_policy", `expected "strict" or "accept-new", got ${JSON.stringify(policy)}`);
  }

  if (errors.length > 0) return left(errors);
  return right({
    type: "ssh",
    host,
    address,
    port,
    username,
    become,
    hostKeyPolicy,
    ...(privateKeyPath !== undefined ? { privateKeyPath } : {}),
    ...(settings.user !== undefined ? { becomeUser: settings.user } : {}),
    ...(settings.method !== undefined ? { becomeMethod: settings.method } : {}),
    ...(settings.password !== undefined
      ? { becomePassword: settings.password, becomePasswordFrom: settings.passwordFrom }
      : {}),
    ...(proxyCommand !== undefined ? { proxyCommand } : {}),
    // /dev/null passes through: like OpenSSH, nothing is known and nothing recorded.
    ...(args.userKnownHostsFile !== undefined ? { knownHostsPath: args.userKnownHostsFile } : {}),
  });
};
