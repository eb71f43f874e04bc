/**
 * Transport into a running container through the Docker Engine API
 * (`ansible_connection: docker`). Execs run as root (uid 0) whatever the
 * image's default user, so no sudo is involved.
 */
import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { posix } from "node:path";
import type { Transport, TransportError } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { describeApiError, EngineApi } from "./engine-api.js";
import { type ExecContext, runExec } from "./exec.js";
import { FINISH_UPLOAD_SCRIPT } from "./scripts.js";
import { singleFileTar } from "./tar.js";

/** Options of {@link dockerTransport}. */
export interface DockerTransportOptions {
  /** Container name or id. */
  readonly container: string;
  /** The inventory name errors carry; default the container name. */
  readonly host?: string;
  /** Engine socket; default DOCKER_HOST, else /var/run/docker.sock. */
  readonly socketPath?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** First line of the script, cut to 60 characters: what errors name as `command`. */
const describeScript = (script: string): string => {
  const first = script.trim().split("\n", 1)[0] ?? "";
  const cut = first.length > 60 ? `${first.slice(0, 57)}...` : first;
  return script.trim().includes("\n") ? `${cut} ...` : cut;
};

/**
 * Connects to a running container: asks the engine once that it exists and
 * runs (ConnectFailed naming the container and the engine's answer when
 * not), then returns the Transport. The one connection shape of every
 * transport: `connect…(options): Promise<Either<TransportError, Transport>>`.
 */
export const connectDocker = async (
  options: DockerTransportOptions,
): Promise<E.Either<TransportError, Transport>> => {
  const host = options.host ?? options.container;
  const api = new EngineApi(options.socketPath === undefined ? {} : { socketPath: options.socketPath });
  const inspected = await api.inspectContainer(options.container);
  if (E.isLeft(inspected))
    return E.left({
      _tag: "ConnectFailed",
      host,
      reason: `container ${options.container}: ${describeApiError(inspected.left)}`,
    });
  if (!inspected.right.State.Running)
    return E.left({
      _tag: "ConnectFailed",
      host,
      reason: `container ${options.container} is not running (${inspected.right.State.Status})`,
    });
  return E.right(dockerTransport(options));
};

/**
 * A Transport that runs scripts in one container through the Engine API; a
 * missing container shows at the first command.
 * @deprecated Use `connectDocker`, which returns `Promise<Either<TransportError, Transport>>`
 * like the other transports; `dockerTransport` stays for one release.
 */
export const dockerTransport = (options: DockerTransportOptions): Transport => {
  const ctx: ExecContext = {
    api: new EngineApi(options.socketPath === undefined ? {} : { socketPath: options.socketPath }),
    container: options.container,
    host: options.host ?? options.container,
    open: new Map<string, Socket>(),
  };
  const host = ctx.host;
  let roundTrips = 0;
  let closed = false;
  const closedError = (): TransportError => ({ _tag: "ConnectFailed", host, reason: "transport closed" });

  const upload = async (
    path: string,
    data: Uint8Array,
    mode: number,
  ): Promise<E.Either<TransportError, void>> => {
    if (closed) return E.left(closedError());
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777)
      throw new RangeError(`invalid file mode: ${mode}`);
    const command = `upload ${path}`;
    const dir = posix.dirname(path);
    // The temp name sits in the target's directory, so the final rename stays on one filesystem.
    const tmpName = `.${posix.basename(path)}.tend-${randomBytes(6).toString("hex")}`;
    const tar = await singleFileTar(tmpName, data, mode);
    const put = await ctx.api.putArchive(ctx.container, dir, tar);
    if (E.isLeft(put)) {
      const c = await ctx.api.inspectContainer(ctx.container);
      // A missing or stopped container is a connection failure; a missing directory is the command's.
      if (E.isLeft(c) || !c.right.State.Running) {
        return E.left({
          _tag: "ConnectFailed",
          host,
          reason: `container ${ctx.container}: ${describeApiError(put.left)}`,
        });
      }
      return E.left({ _tag: "NonZeroExit", host, command, exitCode: 1, stderr: describeApiError(put.left) });
    }
    const fin = await runExec(ctx, {
      cmd: ["sh", "-c", FINISH_UPLOAD_SCRIPT],
      env: {
        TEND_UPLOAD_TMP: posix.join(dir, tmpName),
        TEND_UPLOAD_PATH: path,
        TEND_UPLOAD_MODE: mode.toString(8).padStart(4, "0"),
      },
      command,
    });
    if (E.isLeft(fin)) return fin;
    if (fin.right.exitCode !== 0) {
      return E.left({
        _tag: "NonZeroExit",
        host,
        command,
        exitCode: fin.right.exitCode,
        stderr: Buffer.from(fin.right.stderr).toString("utf8"),
      });
    }
    return E.right(undefined);
  };

  return {
    host,
    get roundTrips() {
      return roundTrips;
    },
    exec: async (req) => {
      roundTrips += 1;
      if (closed) return E.left(closedError());
      const env = req.env ?? {};
      for (const name of Object.keys(env)) {
        // A bad name is a caller bug; the engine would pass "A B=c" on silently.
        if (!ENV_NAME.test(name))
          throw new TypeError(`invalid environment variable name: ${JSON.stringify(name)}`);
      }
      return runExec(ctx, {
        cmd: ["sh", "-c", req.script],
        env,
        ...(req.stdin === undefined ? {} : { stdin: req.stdin }),
        ...(req.timeoutMs === undefined ? {} : { timeoutMs: req.timeoutMs }),
        command: describeScript(req.script),
      });
    },
    upload,
    close: async () => {
      closed = true;
      // Dropping the connection does not stop an exec's process; closing tend mid-command
      // abandons it, as an SSH disconnect would.
      for (const sock of ctx.open.values()) sock.destroy();
      ctx.open.clear();
    },
  };
};
