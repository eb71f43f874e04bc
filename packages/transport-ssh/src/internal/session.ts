/**
 * The Transport over one connected ssh2 Client: every exec is a channel on
 * the same connection, at most `maxChannels` at once. When the connection
 * goes away every open command fails with ConnectionLost, and so does every
 * later one.
 */
import { randomBytes } from "node:crypto";
import type { Duplex } from "node:stream";
import {
  BecomeHandshake,
  becomeRefusal,
  becomeTokens,
  type ExecRequest,
  type ExecResult,
  type TransportError,
} from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import type { Client } from "ssh2";
import { becomeSpecOf, buildCommand, type CommandContext, uploadScript } from "./command.js";
import { becomeFailed, connectFailed, connectionLost, nonZeroExit } from "./errors.js";
import { type ExecJob, runExec } from "./exec.js";
import { Limiter } from "./limiter.js";
import type { SshTransport } from "./options.js";

/** A short description of a script for error messages: its first line, cut. */
export const describeScript = (script: string): string => {
  const first = script.trimStart().split("\n", 1)[0] ?? "";
  const cut = first.length > 60 ? `${first.slice(0, 57)}...` : first;
  return `sh -c ${JSON.stringify(cut)}`;
};

/** The connected transport; built by `sshTransport` once the session is ready. */
export class SshSession implements SshTransport {
  readonly host: string;
  private trips = 0;
  private lostReason: string | undefined;
  private readonly failOnLoss = new Set<(reason: string) => void>();
  private readonly limiter: Limiter;
  private closing = false;
  /**
   * The become check: the first command that escalates runs alone, and a
   * BecomeFailed it gets is kept and returned by every later command without
   * asking the host again (a wrong password is not retried into a lockout).
   */
  private becomeCheck: Promise<TransportError | undefined> | undefined;

  /**
   * Takes ownership of a ready client; `release` frees what the route holds
   * (e.g. a proxy process). `becomePassword` goes to the commands' stdin only
   * (`commandContext.withPassword` must say whether there is one).
   */
  constructor(
    host: string,
    private readonly client: Client,
    private readonly commandContext: CommandContext,
    maxChannels: number,
    private readonly release: () => void,
    private readonly becomePassword?: string,
  ) {
    this.host = host;
    this.limiter = new Limiter(maxChannels);
    const lose = (reason: string): void => {
      if (this.lostReason !== undefined) return;
      this.lostReason = reason;
      for (const fail of [...this.failOnLoss]) fail(reason);
      this.failOnLoss.clear();
      this.release();
    };
    // ssh2 levels are only read in connect.ts; after ready any error ends the session.
    client.on("error", (err: Error) => lose(err.message));
    client.on("end", () => lose(this.closing ? "transport closed" : "connection closed by the remote side"));
    client.on("close", () => lose(this.closing ? "transport closed" : "connection closed"));
  }

  get roundTrips(): number {
    return this.trips;
  }

  /** Runs `sh -c script` (through sudo or su when becoming another user) on a new channel. */
  exec(req: ExecRequest): Promise<E.Either<TransportError, ExecResult>> {
    this.trips++;
    const description = describeScript(req.script);
    const spec = becomeSpecOf(this.commandContext);
    let job: ExecJob;
    try {
      const tokens = spec === undefined ? undefined : becomeTokens(randomBytes(16).toString("hex"));
      const commandLine = buildCommand(req.script, req.env, this.commandContext, req.timeoutMs, tokens);
      job = {
        commandLine,
        description,
        stdin: req.stdin,
        timeoutMs: req.timeoutMs,
        ...(spec === undefined || tokens === undefined
          ? {}
          : { become: { spec, handshake: new BecomeHandshake(spec, tokens, this.becomePassword) } }),
      };
    } catch (err) {
      return Promise.reject(err);
    }
    if (spec === undefined) return this.run(job);
    if (this.becomeCheck === undefined) {
      const refusal = becomeRefusal(
        spec.method,
        spec.user,
        this.becomePassword,
        this.commandContext.loginUser === "root",
      );
      if (refusal !== undefined) {
        const failed = becomeFailed(this.host, spec.method, spec.user, refusal.problem, refusal.detail);
        this.becomeCheck = Promise.resolve(failed);
      } else {
        const first = this.run(job);
        this.becomeCheck = first.then((r) =>
          E.isLeft(r) && r.left._tag === "BecomeFailed" ? r.left : undefined,
        );
        return first;
      }
    }
    return this.becomeCheck.then((failed) => (failed === undefined ? this.run(job) : E.left(failed)));
  }

  private run(job: ExecJob): Promise<E.Either<TransportError, ExecResult>> {
    return this.limiter.run(() => {
      if (this.lostReason !== undefined) {
        return Promise.resolve(E.left(connectionLost(this.host, job.description, this.lostReason)));
      }
      return runExec({ host: this.host, client: this.client, onLost: (fail) => this.watchLoss(fail) }, job);
    });
  }

  /** Writes data through `cat` into a temp file beside `path`, sets mode, renames (no sftp needed). */
  async upload(path: string, data: Uint8Array, mode: number): Promise<E.Either<TransportError, void>> {
    const result = await this.exec({ script: uploadScript(path, mode), stdin: data });
    if (E.isLeft(result)) return result;
    const { exitCode, stderr } = result.right;
    if (exitCode !== 0) {
      return E.left(nonZeroExit(this.host, `upload ${path}`, exitCode, Buffer.from(stderr).toString("utf8")));
    }
    return E.right(undefined);
  }

  /** Opens a direct-tcpip stream from this host to `address:port`. */
  forwardOut(address: string, port: number): Promise<E.Either<TransportError, Duplex>> {
    const reason = this.lostReason;
    if (reason !== undefined) {
      return Promise.resolve(E.left(connectFailed(this.host, `jump connection lost: ${reason}`)));
    }
    return new Promise((resolve) => {
      try {
        this.client.forwardOut("127.0.0.1", 0, address, port, (err, stream) => {
          if (err)
            resolve(E.left(connectFailed(this.host, `cannot reach ${address}:${port}: ${err.message}`)));
          else resolve(E.right(stream));
        });
      } catch (err) {
        resolve(
          E.left(connectFailed(this.host, `cannot reach ${address}:${port}: ${(err as Error).message}`)),
        );
      }
    });
  }

  /** Ends the connection; resolves once it is closed (or at once if it already is). */
  close(): Promise<void> {
    if (this.lostReason !== undefined) return Promise.resolve();
    this.closing = true;
    return new Promise((resolve) => {
      this.client.once("close", () => resolve());
      this.client.end();
      // A peer that never answers the disconnect must not hold close() forever.
      setTimeout(() => {
        this.client.destroy();
        resolve();
      }, 2000).unref();
    });
  }

  private watchLoss(fail: (reason: string) => void): () => void {
    if (this.lostReason !== undefined) {
      fail(this.lostReason);
      return () => {};
    }
    this.failOnLoss.add(fail);
    return () => this.failOnLoss.delete(fail);
  }
}
