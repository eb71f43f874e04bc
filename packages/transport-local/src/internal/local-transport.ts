/**
 * Transport for the machine tend runs on: `sh -c script` through
 * child_process, each command in its own process group so a timeout kills
 * everything it started; as another user through sudo or su when asked.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { userInfo } from "node:os";
import type { BecomeMethod, ExecRequest, Transport, TransportError } from "@tend/core";
import { BecomeHandshake, type BecomeSpec, becomeRefusal, becomeTokens } from "@tend/core/become";
import * as E from "fp-ts/lib/Either.js";
import { describeScript, scriptArgv } from "./command.js";
import { killGroup, type Outcome, spawnJob } from "./spawn.js";
import { UPLOAD_SCRIPT, uploadEnv } from "./upload.js";

/** Options of {@link connectLocal}. */
export interface LocalTransportOptions {
  /** The name errors carry; default "localhost". */
  readonly host?: string;
  /**
   * "auto" (default): become `becomeUser` (through `becomeMethod`) unless this
   * process already runs as that user. "never": run as this user.
   */
  readonly sudo?: "auto" | "never";
  /** The user to run as; defaults to `root`. */
  readonly becomeUser?: string;
  /** "sudo" (default) or "su". */
  readonly becomeMethod?: BecomeMethod;
  /**
   * Written to the command's stdin only: never in argv, env, logs or errors.
   * Without it sudo runs as `sudo -n` (a prompt fails fast with BecomeFailed).
   */
  readonly becomePassword?: string;
}

type Check = Promise<TransportError | undefined>;

/**
 * Connects to this machine: when escalation is needed, runs `true` through
 * it once (BecomeFailed with sudo's or su's own words when it is refused),
 * then returns the Transport. The one connection shape of every transport:
 * `connect…(options): Promise<Either<TransportError, Transport>>`.
 */
export const connectLocal = async (
  options: LocalTransportOptions = {},
): Promise<E.Either<TransportError, Transport>> => {
  const t = makeLocalTransport(options);
  const failed = await t.checkBecome();
  if (failed === undefined) return E.right(t.transport);
  await t.transport.close();
  return E.left(failed);
};

/**
 * A Transport that runs scripts on this machine; a refused escalation shows
 * at the first command.
 * @deprecated Use `connectLocal`, which returns `Promise<Either<TransportError, Transport>>`
 * like the other transports; `localTransport` stays for one release.
 */
export const localTransport = (options: LocalTransportOptions = {}): Transport =>
  makeLocalTransport(options).transport;

/** Who this process runs as; undefined when the passwd database does not know it. */
const currentUser = (): string | undefined => {
  try {
    return userInfo().username;
  } catch {
    return process.getuid?.() === 0 ? "root" : undefined;
  }
};

const becomeSpecOf = (options: LocalTransportOptions): BecomeSpec | undefined => {
  const user = options.becomeUser ?? "root";
  if ((options.sudo ?? "auto") === "never" || currentUser() === user) return undefined;
  return { method: options.becomeMethod ?? "sudo", user, withPassword: options.becomePassword !== undefined };
};

const makeLocalTransport = (
  options: LocalTransportOptions,
): { transport: Transport; checkBecome: () => Check } => {
  const host = options.host ?? "localhost";
  const spec = becomeSpecOf(options);
  const password = options.becomePassword;
  const running = new Set<ChildProcess>();
  let roundTrips = 0;
  let closed = false;

  const spawnScript = (req: ExecRequest): Promise<Outcome> => {
    const env = req.env ?? {};
    const tokens = spec === undefined ? undefined : becomeTokens(randomBytes(16).toString("hex"));
    const become = spec && tokens ? { spec, tokens } : undefined;
    return spawnJob({
      host,
      command: describeScript(req.script),
      argv: scriptArgv(req.script, env, become),
      env: spec ? process.env : { ...process.env, ...env },
      req,
      running,
      ...(spec && tokens ? { become: { spec, handshake: new BecomeHandshake(spec, tokens, password) } } : {}),
    });
  };

  // The first escalated command runs alone; a BecomeFailed it gets is returned by every later
  // one without asking again (a wrong password is not retried into a lockout).
  let becomeCheck: Check | undefined;
  const runFirst = (req: ExecRequest): Promise<Outcome> => {
    if (spec === undefined) return spawnScript(req);
    const refusal = becomeRefusal(spec.method, spec.user, password, process.getuid?.() === 0);
    if (refusal !== undefined) {
      const failed: TransportError = {
        _tag: "BecomeFailed",
        host,
        method: spec.method,
        user: spec.user,
        ...refusal,
      };
      becomeCheck = Promise.resolve(failed);
      return becomeCheck.then((f) => E.left(f as TransportError));
    }
    const first = spawnScript(req);
    becomeCheck = first.then((r) => (E.isLeft(r) && r.left._tag === "BecomeFailed" ? r.left : undefined));
    return first;
  };

  const runScript = async (req: ExecRequest): Promise<Outcome> => {
    if (closed) return E.left({ _tag: "ConnectFailed", host, reason: "transport closed" });
    if (becomeCheck === undefined) return runFirst(req);
    const failed = await becomeCheck;
    return failed === undefined ? spawnScript(req) : E.left(failed);
  };

  const transport: Transport = {
    host,
    get roundTrips() {
      return roundTrips;
    },
    exec: (req) => {
      roundTrips += 1;
      return runScript(req);
    },
    upload: async (path, data, mode) => {
      const r = await runScript({ script: UPLOAD_SCRIPT, stdin: data, env: uploadEnv(path, mode) });
      if (E.isLeft(r)) return r;
      if (r.right.exitCode !== 0) {
        return E.left({
          _tag: "NonZeroExit",
          host,
          command: `upload ${path}`,
          exitCode: r.right.exitCode,
          stderr: Buffer.from(r.right.stderr).toString("utf8"),
        });
      }
      return E.right(undefined);
    },
    close: async () => {
      closed = true;
      for (const child of running) killGroup(child, spec !== undefined);
    },
  };

  /** Runs `true` as the first escalated command (not counted as a round trip). */
  const checkBecome = async (): Promise<TransportError | undefined> => {
    if (spec === undefined) return undefined;
    const r = await runScript({ script: "true" });
    return E.isLeft(r) ? r.left : undefined;
  };
  return { transport, checkBecome };
};
