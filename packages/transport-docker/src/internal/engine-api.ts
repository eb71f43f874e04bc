/**
 * The few Docker Engine API calls the transport makes, over docker-modem.
 * Each returns Either: the engine unreachable, or an HTTP status the call did
 * not expect (with the engine's message), never a thrown error.
 */
import type { Socket } from "node:net";
import Modem from "docker-modem";
import * as E from "fp-ts/lib/Either.js";

/** Why an Engine API call failed. */
export type ApiError =
  | { readonly kind: "Unreachable"; readonly reason: string }
  | { readonly kind: "Status"; readonly statusCode: number; readonly message: string };

/** One line for an ApiError. */
export const describeApiError = (e: ApiError): string =>
  e.kind === "Unreachable"
    ? `docker engine unreachable: ${e.reason}`
    : `docker engine answered ${e.statusCode}: ${e.message}`;

/** What GET /exec/{id}/json tells (the fields we read). */
export interface ExecInspect {
  readonly Running: boolean;
  readonly ExitCode: number | null;
}

/** What GET /containers/{id}/json tells (the fields we read). */
export interface ContainerInspect {
  readonly State: { readonly Running: boolean; readonly Status: string };
}

type Dial = Modem.DialOptions;

/** Engine API client bound to one modem (socket or DOCKER_HOST). */
export class EngineApi {
  readonly #modem: Modem;

  constructor(options: { readonly socketPath?: string }) {
    // With no socketPath docker-modem reads DOCKER_HOST, else /var/run/docker.sock.
    this.#modem = new Modem(options.socketPath === undefined ? {} : { socketPath: options.socketPath });
  }

  #dial<A>(opts: Dial): Promise<E.Either<ApiError, A>> {
    return new Promise((resolve) => {
      this.#modem.dial(opts, (err, data) => {
        if (err === null) {
          resolve(E.right(data as A));
          return;
        }
        const status = (err as { statusCode?: unknown }).statusCode;
        const json = (err as { json?: { message?: unknown } }).json;
        resolve(
          E.left(
            typeof status === "number"
              ? { kind: "Status", statusCode: status, message: String(json?.message ?? err.message).trim() }
              : { kind: "Unreachable", reason: err.message },
          ),
        );
      });
    });
  }

  /** Splits the multiplexed output of a non-TTY exec into stdout and stderr (docker-modem's demuxer). */
  demux(stream: NodeJS.ReadableStream, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void {
    this.#modem.demuxStream(stream, stdout, stderr);
  }

  /** POST /containers/{id}/exec: a non-TTY exec of argv as root, with stdin, stdout and stderr attached. */
  createExec(
    container: string,
    cmd: readonly string[],
    env: readonly string[],
  ): Promise<E.Either<ApiError, string>> {
    return this.#dial<{ Id: string }>({
      path: `/containers/${encodeURIComponent(container)}/exec`,
      method: "POST",
      options: {
        // User "0": the Transport contract runs scripts as root, whatever the image's default user.
        _body: {
          AttachStdin: true,
          AttachStdout: true,
          AttachStderr: true,
          Tty: false,
          User: "0",
          Cmd: cmd,
          Env: env,
        },
      },
      statusCodes: {
        201: true,
        404: "no such container",
        409: "container is paused or not running",
        500: "server error",
      },
    }).then(E.map((r) => r.Id));
  }

  /**
   * POST /exec/{id}/start, hijacked: resolves with the raw connection, which
   * carries stdin one way and the multiplexed stdout/stderr the other.
   */
  startExec(execId: string): Promise<E.Either<ApiError, Socket>> {
    return this.#dial<Socket>({
      path: `/exec/${encodeURIComponent(execId)}/start`,
      method: "POST",
      hijack: true,
      openStdin: true,
      isStream: true,
      options: { _body: { Detach: false, Tty: false } },
      statusCodes: {
        200: true,
        404: "no such exec",
        409: "container is stopped or paused",
        500: "server error",
      },
    });
  }

  /** GET /exec/{id}/json. */
  inspectExec(execId: string): Promise<E.Either<ApiError, ExecInspect>> {
    return this.#dial<ExecInspect>({
      path: `/exec/${encodeURIComponent(execId)}/json`,
      method: "GET",
      statusCodes: { 200: true, 404: "no such exec", 500: "server error" },
    });
  }

  /** GET /containers/{id}/json. */
  inspectContainer(container: string): Promise<E.Either<ApiError, ContainerInspect>> {
    return this.#dial<ContainerInspect>({
      path: `/containers/${encodeURIComponent(container)}/json`,
      method: "GET",
      statusCodes: { 200: true, 404: "no such container", 500: "server error" },
    });
  }

  /** PUT /containers/{id}/archive?path=dir: unpacks a tar into dir (which must exist). */
  putArchive(container: string, dir: string, tar: Buffer): Promise<E.Either<ApiError, void>> {
    return this.#dial<unknown>({
      path: `/containers/${encodeURIComponent(container)}/archive?`,
      method: "PUT",
      file: tar,
      options: { path: dir },
      statusCodes: {
        200: true,
        400: "bad parameter",
        403: "permission denied",
        404: "no such container or path",
        500: "server error",
      },
    }).then(E.map(() => undefined));
  }
}
