/**
 * How tend reaches a host, read from the host's variables with Ansible's
 * names: `ansible_connection` (ssh, the default | local | docker),
 * `ansible_host`, `ansible_port`, `ansible_user`,
 * `ansible_ssh_private_key_file`, `ansible_become`, `ansible_become_user`,
 * and the `-o` options of `ansible_ssh_common_args` / `ansible_ssh_extra_args`
 * (ProxyCommand, ProxyJump, StrictHostKeyChecking, UserKnownHostsFile), plus
 * tend's own `tend_ssh_host_key_policy`. Pure: opening the transport is
 * transports.ts's job.
 */
import type { Either } from "fp-ts/lib/Either.js";
import { left, right } from "fp-ts/lib/Either.js";
import type { VarLayer } from "./inventory/index.js";
import { splitWords } from "./inventory/ini-inventory.js";

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
  readonly proxyCommand?: string;
  readonly hostKeyPolicy: "strict" | "accept-new";
  readonly knownHostsPath?: string;
}

/** The machine tend runs on. */
export interface LocalConnection {
  readonly type: "local";
  readonly host: string;
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
  readonly origin: string;
  readonly message: string;
}

/** One line for a connection variable error. */
export const describeConnectionVarError = (e: ConnectionVarError): string =>
  `${e.host}: ${e.variable} (from ${e.origin}): ${e.message}`;

/** Defaults a connection needs from outside the inventory. */
export interface ConnectionDefaults {
  /** The login user when `ansible_user` is not set (Ansible uses the controller's user). */
  readonly user: string;
}

type Lookup = (name: string) => { value: unknown; origin: string } | undefined;

const lookupIn =
  (layers: readonly VarLayer[]): Lookup =>
  (name) => {
    for (let i = layers.length - 1; i >= 0; i--) {
      const l = layers[i]!;
      if (Object.hasOwn(l.vars, name)) return { value: l.vars[name], origin: l.origin };
    }
    return undefined;
  };

/** Ansible's boolean filter: true/yes/on/1 and false/no/off/0, any case. */
export const ansibleBool = (v: unknown): boolean | undefined => {
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v === 1 ? true : v === 0 ? false : undefined;
  if (typeof v !== "string") return undefined;
  const s = v.trim().toLowerCase();
  if (["true", "yes", "on", "1", "y", "t"].includes(s)) return true;
  if (["false", "no", "off", "0", "n", "f", ""].includes(s)) return false;
  return undefined;
};

/** SSH options read from `-o Key=Value` words (and `-J host`) of ssh command-line arguments. */
export interface SshArgs {
  readonly proxyCommand?: string;
  readonly proxyJump?: string;
  readonly strictHostKeyChecking?: string;
  readonly userKnownHostsFile?: string;
}

/**
 * Reads the options tend understands from `ansible_ssh_common_args`: `-o
 * ProxyCommand=...` quoted or not, `-oKey=value`, `-o Key value`, `-J`.
 * Unknown options are ignored, as they tune OpenSSH rather than the route.
 */
export const parseSshArgs = (args: string): SshArgs | string => {
  const words = splitWords(args);
  if (words === undefined) return "unterminated quote";
  const out: Record<string, string> = {};
  // OpenSSH reads `Key=Value` and `Key Value` alike; keys are case-insensitive.
  const takeOption = (text: string): void => {
    const m = /^\s*([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/s.exec(text);
    if (m) out[m[1]!.toLowerCase()] = m[2]!.trim();
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!.text;
    if (w === "-o") {
      const next = words[++i];
      if (next === undefined) return "-o without an option";
      takeOption(next.text);
    } else if (w.startsWith("-o")) {
      takeOption(w.slice(2));
    } else if (w === "-J") {
      const next = words[++i];
      if (next === undefined) return "-J without a host";
      out.proxyjump = next.text;
    }
  }
  return {
    ...(out.proxycommand !== undefined ? { proxyCommand: out.proxycommand } : {}),
    ...(out.proxyjump !== undefined ? { proxyJump: out.proxyjump } : {}),
    ...(out.stricthostkeychecking !== undefined ? { strictHostKeyChecking: out.stricthostkeychecking } : {}),
    ...(out.userknownhostsfile !== undefined ? { userKnownHostsFile: out.userknownhostsfile } : {}),
  };
};

/** The connection for one inventory host, or every problem with its connection variables. */
export const connectionOf = (
  host: string,
  layers: readonly VarLayer[],
  defaults: ConnectionDefaults,
): Either<ConnectionVarError[], Connection> => {
  const get = lookupIn(layers);
  const errors: ConnectionVarError[] = [];
  const fail = (variable: string, message: string): void => {
    errors.push({ host, variable, origin: get(variable)?.origin ?? "defaults", message });
  };
  const str = (...names: string[]): string | undefined => {
    for (const name of names) {
      const found = get(name);
      if (found === undefined || found.value === null) continue;
      if (typeof found.value === "string" || typeof found.value === "number") {
        const s = String(found.value);
        // Jinja in connection variables needs the whole play context; refuse rather than connect elsewhere.
        if (s.includes("{{"))
          fail(name, "templated connection variables are not supported; give the value itself");
        return s;
      }
      fail(name, `expected a string, got ${JSON.stringify(found.value)}`);
      return undefined;
    }
    return undefined;
  };

  const kind = str("ansible_connection") ?? "ssh";
  if (kind === "local") return errors.length ? left(errors) : right({ type: "local", host });
  if (kind === "docker" || kind === "community.docker.docker" || kind === "community.docker.docker_api") {
    const container = str("ansible_host", "ansible_docker_container") ?? host;
    return errors.length ? left(errors) : right({ type: "docker", host, container });
  }
  if (kind !== "ssh" && kind !== "paramiko" && kind !== "smart") {
    fail("ansible_connection", `unsupported connection "${kind}" (tend speaks ssh, local and docker)`);
    return left(errors);
  }

  const address = str("ansible_host", "ansible_ssh_host") ?? host;
  const portText = str("ansible_port", "ansible_ssh_port");
  let port = 22;
  if (portText !== undefined) {
    port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      fail(
        get("ansible_port") ? "ansible_port" : "ansible_ssh_port",
        `not a TCP port: ${JSON.stringify(portText)}`,
      );
    }
  }
  const username = str("ansible_user", "ansible_ssh_user", "ansible_remote_user") ?? defaults.user;
  const privateKeyPath = str("ansible_ssh_private_key_file", "ansible_private_key_file");
  let become = false;
  const becomeVar = get("ansible_become") ?? get("ansible_sudo");
  if (becomeVar !== undefined) {
    const b = ansibleBool(becomeVar.value);
    if (b === undefined) fail("ansible_become", `expected a boolean, got ${JSON.stringify(becomeVar.value)}`);
    else become = b;
  }
  const becomeUser = str("ansible_become_user");
  const method = str("ansible_become_method");
  if (become && method !== undefined && method !== "sudo") {
    fail("ansible_become_method", `only sudo is supported, got "${method}"`);
  }

  let args: SshArgs = {};
  for (const name of ["ansible_ssh_common_args", "ansible_ssh_extra_args"]) {
    const text = str(name);
    if (text === undefined) continue;
    const parsed = parseSshArgs(text);
    if (typeof parsed === "string") fail(name, parsed);
    else args = { ...args, ...parsed };
  }
  let proxyCommand = args.proxyCommand;
  if (proxyCommand?.toLowerCase() === "none") proxyCommand = undefined;
  if (proxyCommand === undefined && args.proxyJump !== undefined && args.proxyJump.toLowerCase() !== "none") {
    // ssh -J is ProxyCommand through the jump host's own ssh client.
    proxyCommand = `ssh -W %h:%p ${args.proxyJump}`;
  }

  let hostKeyPolicy: "strict" | "accept-new" = "strict";
  const strict = args.strictHostKeyChecking?.toLowerCase();
  // "no" would accept changed keys in OpenSSH; tend never does, so it is read as accept-new.
  if (strict === "accept-new" || strict === "no" || strict === "off") hostKeyPolicy = "accept-new";
  const policy = str("tend_ssh_host_key_policy");
  if (policy !== undefined) {
    if (policy === "strict" || policy === "accept-new") hostKeyPolicy = policy;
    else fail("tend_ssh_host_key_policy", `expected "strict" or "accept-new", got "${policy}"`);
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
    ...(becomeUser !== undefined ? { becomeUser } : {}),
    ...(proxyCommand !== undefined ? { proxyCommand } : {}),
    // /dev/null passes through: like OpenSSH, nothing is known and nothing recorded.
    ...(args.userKnownHostsFile !== undefined ? { knownHostsPath: args.userKnownHostsFile } : {}),
  });
};
