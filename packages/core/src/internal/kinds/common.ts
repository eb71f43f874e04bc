/**
 * Pieces every kind's diff and ops are built from: digests, per-property
 * FieldChanges, the path/owner dependency tokens, and how a content change is
 * shown (text with a format, or digests only).
 */
import { posix } from "node:path";
import { isTextBlobBytes, sha256Bytes, sha256Hex, type TextBlob, textBlob } from "../hash.js";
import type { Op } from "../op.js";
import { STATE_DIR } from "../probe.js";
import type {
  Blob,
  ChangeAction,
  ContentSpec,
  Diff,
  FieldChange,
  FieldValue,
  KindContext,
  Refusal,
} from "../resource.js";

export { sha256Hex, type TextBlob, textBlob };

/** The first 16 hex digits of sha256(s): names tend's own record files. */
export const shortHash = (s: string): string => sha256Hex(s).slice(0, 16);

/** Where a download records its url: `${STATE_DIR}/downloads/<16 hex of sha256(path)>`. */
export const downloadRecordPath = (path: string): string => `${STATE_DIR}/downloads/${shortHash(path)}`;

/** A mode as people write it: 0o644 → "0644". */
export const octal = (mode: number): string => `0${mode.toString(8).padStart(3, "0")}`;

/** Bytes of a base64 string. */
export const fromBase64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "base64"));

/** Bytes of a utf-8 string. */
export const utf8Bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

const decodeText = (bytes: Uint8Array): string | undefined => {
  if (bytes.includes(0)) return undefined;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
};

/** asText of textBlob's bytes, which never change: every host's diff shows one decoded string. */
const texts = new WeakMap<Uint8Array, string | undefined>();

/** The text of bytes when they are valid utf-8 without NUL (a NUL means binary); else undefined. */
export const asText = (bytes: Uint8Array): string | undefined => {
  if (!isTextBlobBytes(bytes)) return decodeText(bytes);
  if (texts.has(bytes)) return texts.get(bytes);
  const text = decodeText(bytes);
  texts.set(bytes, text);
  return text;
};

/** One property's change. */
export const field = (name: string, before: FieldValue, after: FieldValue): FieldChange => ({
  field: name,
  before,
  after,
});

/**
 * A Diff from its sub-diffs: no fields means noop, whatever `action` says,
 * so a kind cannot report a change that has nothing in it.
 */
export const diffOf = (
  action: Exclude<ChangeAction, "noop">,
  fields: readonly FieldChange[],
  extra?: { notes?: readonly string[]; unknown?: readonly string[] },
): Diff => {
  // Fields in this order, notes and unknown only when not empty (every resource of every host gets one).
  const d: { -readonly [K in keyof Diff]: Diff[K] } = {
    action: fields.length === 0 ? "noop" : action,
    fields,
  };
  if (extra?.notes && extra.notes.length > 0) d.notes = extra.notes;
  if (extra?.unknown && extra.unknown.length > 0) d.unknown = extra.unknown;
  return d;
};

/** Field names of a diff, for ops that map each field to the op that fixes it. */
export const fieldsOf = (diff: Diff): ReadonlySet<string> => new Set(diff.fields.map((f) => f.field));

/** A diff tend will not carry out: no ops, and the host's plan fails naming `reason`. */
export const refusedDiff = (
  action: Exclude<ChangeAction, "noop">,
  fields: readonly FieldChange[],
  refusal: Refusal,
  notes: readonly string[] = [],
): Diff => ({ action, fields, refusal, ...(notes.length > 0 ? { notes } : {}) });

/**
 * `diff`, refused when carrying it out means fetching `url` on a host that has
 * neither curl nor wget (host facts): the plan fails, not the apply halfway.
 */
export const needsDownloader = (diff: Diff, url: string, ctx: KindContext): Diff =>
  diff.action === "noop" || diff.refusal || ctx.host.downloaders.some((d) => d === "curl" || d === "wget")
    ? diff
    : { ...diff, refusal: { reason: `cannot fetch ${url}: the host has neither curl nor wget` } };

/** The refusal of a diff, if any. */
export const refusal = (diff: Diff): Refusal | undefined => diff.refusal;

/**
 * Dependency tokens of every ancestor directory (`path:/a/b`, `path:/a`, not
 * `/`): an undeclared middle directory must not hide a declared grandparent.
 */
export const parentTokens = (path: string): string[] => {
  const out: string[] = [];
  for (let d = posix.dirname(path); d !== "/" && d !== "."; d = posix.dirname(d)) out.push(`path:${d}`);
  return out;
};

/** `user:<owner>` and `group:<group>` unless they are root (root always exists). */
export const ownerTokens = (owner: string, group: string): string[] => [
  ...(owner === "root" ? [] : [`user:${owner}`]),
  ...(group === "root" ? [] : [`group:${group}`]),
];

/** Joins a member path under dest. */
export const under = (dest: string, rel: string): string => posix.join(dest, rel);

/** The ownership attributes of a path. */
export interface Attrs {
  readonly mode: number;
  readonly owner: string;
  readonly group: string;
}

/** FieldChanges of mode/owner/group; `have` undefined means the path is new. */
export const attrChanges = (want: Attrs, have: Attrs | undefined): FieldChange[] => {
  const out: FieldChange[] = [];
  if (have?.mode !== want.mode) out.push(field("mode", have ? octal(have.mode) : null, octal(want.mode)));
  if (have?.owner !== want.owner) out.push(field("owner", have?.owner ?? null, want.owner));
  if (have?.group !== want.group) out.push(field("group", have?.group ?? null, want.group));
  return out;
};

/** A setAttrs op carrying only the attributes the diff changes, or none. */
export const setAttrsOp = (path: string, want: Attrs, changed: ReadonlySet<string>): Op[] => {
  const attrs = {
    ...(changed.has("mode") ? { mode: want.mode } : {}),
    ...(changed.has("owner") ? { owner: want.owner } : {}),
    ...(changed.has("group") ? { group: want.group } : {}),
  };
  return Object.keys(attrs).length === 0 ? [] : [{ op: "setAttrs", path, ...attrs }];
};

/**
 * The blob a content kind writes: the engine's resolved blob, else the
 * inline content hashed here (so the kind works without the engine's help
 * for inline content); undefined when only the engine could resolve it.
 */
export const blobFor = (spec: ContentSpec | undefined, ctx: KindContext): Blob | undefined => {
  if (ctx.blob) return ctx.blob;
  if (spec && "inline" in spec) return { sha256: sha256Bytes(spec.inline), bytes: spec.inline };
  return undefined;
};

/** How a content change is shown. */
export type Format = "text" | "json" | "yaml" | "binary";

/** The format of a file by its name: json/conflist → json, yaml/yml/kubeconfig → yaml, else text. */
export const guessFormat = (path: string): Format => {
  const ext = posix.extname(path).toLowerCase();
  if (ext === ".json" || ext === ".conflist") return "json";
  if (ext === ".yaml" || ext === ".yml" || ext === ".kubeconfig") return "yaml";
  return "text";
};

/**
 * The "content" FieldChange of a regular file. Secrets show digests only and
 * are marked sensitive; text shows before/after with its format when both
 * sides are at hand and are utf-8; otherwise digests (binary when either side
 * is not text).
 */
export const contentChange = (
  have: { sha256: string; bytes?: Uint8Array } | null,
  want: Blob,
  opts: { sensitive: boolean; format: Format | undefined; path: string },
): FieldChange => {
  const digests = field("content", have?.sha256 ?? null, want.sha256);
  if (opts.sensitive) return { ...digests, sensitive: true };
  if (!want.bytes || (have !== null && !have.bytes)) return digests;
  const after = asText(want.bytes);
  const before = have?.bytes ? asText(have.bytes) : null;
  if (after === undefined || before === undefined || opts.format === "binary")
    return { ...digests, format: "binary" };
  return { ...field("content", before, after), format: opts.format ?? guessFormat(opts.path) };
};
