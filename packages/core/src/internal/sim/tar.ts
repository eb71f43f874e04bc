/**
 * A small ustar reader (with GNU long names and pax `path` records) for the
 * `extract` op, and a writer so tests can build the archives they extract.
 * Gzip is detected by its magic bytes and undone with node:zlib.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { SimError } from "./vfs.js";

/** One archive member as tar lists it. */
export interface TarEntry {
  /** Member name as stored ("./a" stays "./a": GNU tar counts "." as a component for --strip-components). */
  readonly path: string;
  readonly type: "file" | "dir" | "link" | "other";
  readonly mode: number;
  readonly content: Uint8Array;
  /** Target of a symbolic or hard link. */
  readonly linkTarget?: string;
}

const BLOCK = 512;
const decoder = new TextDecoder();

const text = (b: Uint8Array, start: number, len: number): string => {
  const field = b.subarray(start, start + len);
  const nul = field.indexOf(0);
  return decoder.decode(nul === -1 ? field : field.subarray(0, nul));
};

/** Octal numeric field, or GNU base-256 when the high bit of the first byte is set. */
const num = (b: Uint8Array, start: number, len: number): number => {
  const first = b[start] ?? 0;
  if (first & 0x80) {
    let v = first & 0x7f;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + (b[i] ?? 0);
    return v;
  }
  const s = text(b, start, len).trim();
  return s === "" ? 0 : Number.parseInt(s, 8);
};

const checksumOf = (header: Uint8Array): number => {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
  return sum;
};

/** The `path` value of a pax extended header ("<len> path=<value>\n" records). */
const paxPath = (data: Uint8Array): string | undefined => {
  const s = decoder.decode(data);
  let i = 0;
  let path: string | undefined;
  while (i < s.length) {
    const space = s.indexOf(" ", i);
    if (space === -1) break;
    const len = Number.parseInt(s.slice(i, space), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = s.slice(space + 1, i + len - 1);
    const eq = record.indexOf("=");
    if (eq !== -1 && record.slice(0, eq) === "path") path = record.slice(eq + 1);
    i += len;
  }
  return path;
};

/** Reads a .tar or .tar.gz; throws SimError with tar's complaint when the bytes are not an archive. */
export const readArchive = (raw: Uint8Array): TarEntry[] => {
  let bytes = raw;
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      bytes = gunzipSync(raw);
    } catch (e) {
      throw new SimError(`gzip: stdin: ${(e as Error).message}\ntar: Child returned status 1`);
    }
  }
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= bytes.length) {
    const header = bytes.subarray(offset, offset + BLOCK);
    if (header.every((x) => x === 0)) return entries;
    if (num(header, 148, 8) !== checksumOf(header)) {
      throw new SimError("tar: This does not look like a tar archive\ntar: Exiting with failure status");
    }
    const size = num(header, 124, 12);
    const typeflag = String.fromCharCode(header[156] ?? 0);
    const dataStart = offset + BLOCK;
    if (dataStart + size > bytes.length) throw new SimError("tar: Unexpected EOF in archive");
    const data = bytes.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    // Long names come as a header of their own before the member they name.
    if (typeflag === "L") {
      longName = text(data, 0, data.length);
      continue;
    }
    if (typeflag === "x") {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (typeflag === "g") continue;
    const magic = text(header, 257, 6);
    const prefix = magic.startsWith("ustar") ? text(header, 345, 155) : "";
    const name = longName ?? (prefix === "" ? text(header, 0, 100) : `${prefix}/${text(header, 0, 100)}`);
    longName = undefined;
    const type =
      typeflag === "0" || typeflag === "\0" || typeflag === "7"
        ? "file"
        : typeflag === "5"
          ? "dir"
          : typeflag === "1" || typeflag === "2"
            ? "link"
            : "other";
    const linkTarget = text(header, 157, 100);
    entries.push({
      path: name,
      type,
      mode: num(header, 100, 8) & 0o7777,
      content: type === "file" ? new Uint8Array(data) : new Uint8Array(), // a copy, never a view into the archive
      ...(type === "link" ? { linkTarget } : {}),
    });
  }
  // GNU tar accepts an archive that ends without its two zero blocks, with a warning.
  return entries;
};

/** A member for tarArchive. `content` is utf-8 when a string. */
export interface TarInput {
  readonly path: string;
  readonly content?: Uint8Array | string;
  readonly mode?: number;
  readonly type?: "file" | "dir" | "link";
  readonly target?: string;
}

const encoder = new TextEncoder();

const putText = (h: Uint8Array, start: number, len: number, s: string): void => {
  const b = encoder.encode(s);
  if (b.length > len) throw new Error(`tar field too long: ${s}`);
  h.set(b, start);
};

const putOctal = (h: Uint8Array, start: number, len: number, v: number): void =>
  putText(h, start, len, `${v.toString(8).padStart(len - 1, "0")}\0`);

/** Splits a name into ustar's prefix (≤155) and name (≤100) at a "/". */
const splitName = (path: string): [string, string] => {
  if (encoder.encode(path).length <= 100) return ["", path];
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] === "/" && path.length - i - 1 <= 100 && i <= 155)
      return [path.slice(0, i), path.slice(i + 1)];
  }
  throw new Error(`tar name too long: ${path}`);
};

/** Builds a ustar archive (gzipped when `gzip`), for tests that need an archive to extract. */
export const tarArchive = (members: readonly TarInput[], opts: { gzip?: boolean } = {}): Uint8Array => {
  const blocks: Uint8Array[] = [];
  for (const m of members) {
    const type = m.type ?? "file";
    const content =
      type === "file"
        ? typeof m.content === "string"
          ? encoder.encode(m.content)
          : (m.content ?? new Uint8Array())
        : new Uint8Array();
    const h = new Uint8Array(BLOCK);
    const [prefix, name] = splitName(type === "dir" && !m.path.endsWith("/") ? `${m.path}/` : m.path);
    putText(h, 0, 100, name);
    putOctal(h, 100, 8, m.mode ?? (type === "dir" ? 0o755 : 0o644));
    putOctal(h, 108, 8, 0);
    putOctal(h, 116, 8, 0);
    putOctal(h, 124, 12, content.length);
    putOctal(h, 136, 12, 0);
    putText(h, 156, 1, type === "file" ? "0" : type === "dir" ? "5" : "2");
    if (type === "link") putText(h, 157, 100, m.target ?? "");
    putText(h, 257, 6, "ustar\0");
    putText(h, 263, 2, "00");
    putText(h, 265, 32, "root");
    putText(h, 297, 32, "root");
    putText(h, 345, 155, prefix);
    putText(h, 148, 8, `${checksumOf(h).toString(8).padStart(6, "0")}\0 `);
    blocks.push(h);
    const padded = new Uint8Array(Math.ceil(content.length / BLOCK) * BLOCK);
    padded.set(content);
    blocks.push(padded);
  }
  blocks.push(new Uint8Array(BLOCK * 2));
  const total = blocks.reduce((n, b) => n + b.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return opts.gzip ? new Uint8Array(gzipSync(out)) : out;
};
