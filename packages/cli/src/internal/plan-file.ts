/**
 * Reading a saved plan for `tend apply PLANFILE`: the whole file is read and
 * decoded, through the same codecs apply uses, before anything connects, so
 * a bad plan file costs no connection and is named with what is wrong in it.
 */
import { open } from "node:fs/promises";
import { decodePlan, describePlanDecodeError, type Plan } from "@tend/core";
import { type Either, left, right } from "fp-ts/lib/Either.js";

/** Plans are configs and small files, not binaries; a bigger file is not a plan tend wrote. */
export const MAX_PLAN_BYTES = 256 * 1024 * 1024;

const REASON: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "it is a directory",
  ENOTDIR: "a part of the path is not a directory",
};

const sizeText = (n: number): string =>
  n >= 1024 * 1024 ? `${Math.floor(n / 1024 / 1024)} MiB` : `${n} bytes`;

/** Reads at most `limit + 1` bytes, so a huge file is refused without being read whole. */
const readCapped = async (file: string, limit: number): Promise<Uint8Array> => {
  const handle = await open(file, "r");
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buffer = Buffer.alloc(Math.min(1024 * 1024, limit + 1 - total));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit) break;
    }
    return Buffer.concat(chunks);
  } finally {
    await handle.close();
  }
};

/**
 * The plan in `file`, or the lines to print: the file cannot be read, is too
 * big, or is not a tend-plan this tend reads (each line names the file, and
 * a bad value's JSON path).
 */
export const readPlanFile = async (file: string, limit = MAX_PLAN_BYTES): Promise<Either<string[], Plan>> => {
  let bytes: Uint8Array;
  try {
    bytes = await readCapped(file, limit);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "";
    return left([`${file}: cannot read plan: ${REASON[code] ?? (e as Error).message}`]);
  }
  if (bytes.length > limit)
    return left([`${file}: larger than ${sizeText(limit)}; a tend plan is smaller: was another file given?`]);
  const decoded = decodePlan(bytes);
  return decoded._tag === "Left"
    ? left(describePlanDecodeError(decoded.left, file).split("\n"))
    : right(decoded.right);
};
