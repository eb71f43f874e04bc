/**
 * Framing: how results come back from one script. Every line tend parses is
 * introduced by a boundary that is random per exec, so bytes from the host
 * (file contents, command output) cannot forge a frame; anything that could
 * hold a newline travels base64-encoded inside a frame.
 */

/**
 * Tag for fixed sh text written in TypeScript. Backslashes stay as written
 * (like String.raw), and since `${` would start a substitution, sh parameter
 * expansions are written `\${…}` and turned back into `${…}` here. The tag
 * takes no substitutions, so a value can never be spliced in unquoted.
 */
export const sh = (strings: TemplateStringsArray): string => strings.raw.join("").replaceAll("\\${", "${");

/** Random lowercase hex from the platform's CSPRNG. */
export const randomHex = (bytes: number): string => {
  const b = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
};

/** A fresh boundary for one exec: 128 random bits no host output can guess. */
export const newBoundary = (): string => `TEND-${randomHex(16)}`;

/** The key/value lines of one frame body, in order (`key value`, value may be empty). */
export type FrameBody = readonly (readonly [key: string, value: string])[];

const decoder = new TextDecoder("utf-8");

/** Decodes transport output; markers and keys are ASCII, so lossy decoding never affects them. */
export const utf8 = (bytes: Uint8Array): string => decoder.decode(bytes);

/**
 * Splits stdout into frames `<B> begin <i>` … `<B> end <i>`, keyed by index.
 * Lines outside frames (noise from login scripts, say) are ignored; a frame
 * without its end line is left out, so its probe reads as unanswered.
 */
export const parseFrames = (stdout: string, boundary: string): Map<number, FrameBody> => {
  const frames = new Map<number, FrameBody>();
  const blobs = new Map<string, string>();
  let open: { index: number; body: (readonly [string, string])[] } | undefined;
  const prefix = `${boundary} `;
  for (const line of stdout.split("\n")) {
    if (line.startsWith(prefix)) {
      const [word, num, data] = line.slice(prefix.length).split(" ");
      const index = Number(num);
      if (word === "blob" && num !== undefined) blobs.set(num, data ?? "");
      else if (word === "begin") open = { index, body: [] };
      else if (word === "end" && open && open.index === index) {
        frames.set(index, open.body);
        open = undefined;
      }
      continue;
    }
    if (!open || line === "") continue;
    const sp = line.indexOf(" ");
    open.body.push(sp < 0 ? [line, ""] : [line.slice(0, sp), line.slice(sp + 1)]);
  }
  return blobs.size === 0 ? frames : resolveContentRefs(frames, blobs);
};

/**
 * Bulk file probes (`tend_files`) send the contents of many files as one blob
 * line `<B> blob <k> <base64>`, and each frame names its slice as
 * `contentref <k> <offset> <length>` (bytes). This turns every such line into
 * the `content <base64>` line a single probe would print. A reference that
 * does not fit its blob is left as is, so the probe reads as unanswerable.
 */
const resolveContentRefs = (
  frames: Map<number, FrameBody>,
  blobs: ReadonlyMap<string, string>,
): Map<number, FrameBody> => {
  const decoded = new Map<string, Uint8Array>();
  const bytesOf = (k: string): Uint8Array | undefined => {
    const b64 = blobs.get(k);
    if (b64 === undefined) return undefined;
    let b = decoded.get(k);
    if (b === undefined) {
      b = fromBase64(b64);
      decoded.set(k, b);
    }
    return b;
  };
  const out = new Map<number, FrameBody>();
  for (const [index, body] of frames) {
    out.set(
      index,
      body.map((kv): readonly [string, string] => {
        if (kv[0] !== "contentref") return kv;
        const m = /^(\S+) (\d+) (\d+)$/.exec(kv[1]);
        const bytes = m?.[1] === undefined ? undefined : bytesOf(m[1]);
        if (m === null || bytes === undefined) return kv;
        const off = Number(m[2]);
        const len = Number(m[3]);
        if (off + len > bytes.length) return kv;
        return ["content", Buffer.from(bytes.subarray(off, off + len)).toString("base64")];
      }),
    );
  }
  return out;
};

/** The first value of `key` in a frame body. */
export const field = (body: FrameBody, key: string): string | undefined => body.find(([k]) => k === key)?.[1];

/** Every value of `key` in a frame body, in order. */
export const fields = (body: FrameBody, key: string): string[] =>
  body.filter(([k]) => k === key).map(([, v]) => v);

/** Decodes a base64 field to bytes. */
export const fromBase64 = (s: string): Uint8Array => Buffer.from(s, "base64");

/** Decodes a base64 field to text (utf-8). */
export const base64Text = (s: string): string => utf8(fromBase64(s));

/**
 * Directory and last segment of a path, computed here rather than with
 * `dirname` on the host because `$(…)` would strip trailing newlines from
 * names. Trailing slashes are ignored; the directory of `/x` is `/`.
 */
export const splitPath = (path: string): { readonly dir: string; readonly base: string } => {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const i = trimmed.lastIndexOf("/");
  if (i < 0) return { dir: ".", base: trimmed };
  return { dir: i === 0 ? "/" : trimmed.slice(0, i), base: trimmed.slice(i + 1) };
};

/**
 * The temp name beside `path` that atomic writes rename from:
 * `<dir>/.<base>.tend-<rand>`. Long names are cut (by code point) so the
 * temp name stays within NAME_MAX.
 */
export const tempBeside = (path: string, rand: string): string => {
  const { dir, base } = splitPath(path);
  const short = Array.from(base).slice(0, 48).join("");
  return `${dir === "/" ? "" : dir}/.${short}.tend-${rand}`;
};
