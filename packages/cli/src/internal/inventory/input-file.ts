/**
 * Reading an input file (inventory, group_vars/host_vars file) safely:
 * only regular files, at most MAX_INPUT_BYTES, strict UTF-8. Every refusal
 * names the file and says what was expected; a bad byte is given by its
 * offset and line.
 *
 * A UTF-8 byte order mark is accepted and dropped, as Ansible (PyYAML)
 * accepts it; UTF-16 and UTF-32 files are refused, naming their BOM.
 */
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import type { Either } from "fp-ts/lib/Either.js";
import { left, right } from "fp-ts/lib/Either.js";
import type { DecodeProblem } from "../decode.js";

/** Largest input file tend reads: far above any real inventory or vars file, small enough to parse in seconds. */
export const MAX_INPUT_BYTES = 8 * 1024 * 1024;

const fail = (file: string, message: string, line?: number): Either<DecodeProblem[], never> =>
  left([{ file, path: "", message, ...(line !== undefined ? { line } : {}) }]);

/** Length of a valid UTF-8 sequence starting at `i`, or 0 when the bytes there are not UTF-8. */
const sequenceLength = (b: Uint8Array, i: number): number => {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean =>
    b[i + k] !== undefined && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
};

/** Offset of the first byte that is not UTF-8 (only called once TextDecoder refused the bytes). */
const firstBadByte = (b: Uint8Array): number => {
  let i = 0;
  while (i < b.length) {
    const n = sequenceLength(b, i);
    if (n === 0) return i;
    i += n;
  }
  return b.length;
};

const lineAt = (b: Uint8Array, offset: number): number => {
  let line = 1;
  for (let i = 0; i < offset; i++) if (b[i] === 0x0a) line++;
  return line;
};

const hex = (n: number): string => n.toString(16).toUpperCase().padStart(2, "0");

/** Decodes a file's bytes as strict UTF-8; a UTF-8 BOM is dropped, other BOMs and bad bytes are problems. */
export const decodeUtf8 = (file: string, bytes: Uint8Array): Either<DecodeProblem[], string> => {
  const starts = (...p: number[]): boolean => p.every((v, k) => bytes[k] === v);
  if (starts(0x00, 0x00, 0xfe, 0xff) || starts(0xff, 0xfe, 0x00, 0x00)) {
    return fail(file, "is UTF-32 (it starts with a UTF-32 byte order mark); save it as UTF-8");
  }
  if (starts(0xfe, 0xff) || starts(0xff, 0xfe)) {
    return fail(file, "is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8");
  }
  const body = starts(0xef, 0xbb, 0xbf) ? bytes.subarray(3) : bytes;
  try {
    return right(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body));
  } catch {
    const at = firstBadByte(body);
    const offset = at + (body === bytes ? 0 : 3);
    return fail(
      file,
      `is not UTF-8: byte 0x${hex(body[at] ?? 0)} at byte offset ${offset} cannot start or continue a UTF-8 character; save the file as UTF-8`,
      lineAt(bytes, offset),
    );
  }
};

const errnoWhy = (e: unknown): string => {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "is a directory";
  return e instanceof Error ? e.message : "unknown error";
};

/**
 * Reads one input file as text: refuses what is not a regular file (a FIFO
 * or device would block or never end), what is over MAX_INPUT_BYTES (before
 * reading it), and what is not UTF-8.
 */
export const readInputFile = async (file: string, what: string): Promise<Either<DecodeProblem[], string>> => {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    // O_NONBLOCK so that opening a FIFO with no writer returns at once; fstat then refuses it.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = await handle.stat();
    if (st.isDirectory()) return fail(file, `cannot read ${what}: is a directory`);
    if (!st.isFile()) return fail(file, `cannot read ${what}: not a regular file`);
    if (st.size > MAX_INPUT_BYTES) {
      return fail(
        file,
        `${what} is ${st.size} bytes, over the limit of ${MAX_INPUT_BYTES} bytes (8 MiB); split it or trim it`,
      );
    }
    const bytes = await handle.readFile();
    // The file may have grown between stat and read.
    if (bytes.length > MAX_INPUT_BYTES) {
      return fail(file, `${what} is over the limit of ${MAX_INPUT_BYTES} bytes (8 MiB)`);
    }
    return decodeUtf8(file, bytes);
  } catch (e) {
    return fail(file, `cannot read ${what}: ${errnoWhy(e)}`);
  } finally {
    await handle?.close().catch(() => {});
  }
};
