/**
 * The `yaml` package's rendering of a document, reused across documents of
 * one shape. A fleet renders the same kubelet and kube-proxy documents once
 * per host, differing only in a few strings (the host's address, its
 * certificate names); building a yaml Document each time is most of a
 * worker's module time. So a document's strings become slot tokens, the
 * `yaml` package renders that shape once, and each document fills the slots
 * with the `yaml` package's own rendering of each string in the same place
 * (a map value or a sequence item).
 *
 * That is the same text only while a string renders on one line (then its
 * indentation cannot matter: lineWidth 0 never folds). Anything else (a
 * string that renders on several lines, a shared object, which the package
 * writes as an anchor and alias, a non-plain object, `undefined`, a number
 * JSON would not keep) returns undefined, and the caller renders the whole
 * document directly.
 */
import { stringify } from "yaml";

/** The options every document is rendered with. */
export const YAML_OPTIONS = { indent: 2, lineWidth: 0 } as const;

/** Where a string sits: a map's value or a sequence's item. */
type Place = "value" | "item";

interface Slot {
  readonly text: string;
  readonly place: Place;
}

/** A shape rendered: its text split around the slots, in document order. */
interface Rendered {
  /** parts[i] comes before slot i; the last part after the last slot. */
  readonly parts: readonly string[];
  readonly places: readonly Place[];
}

/** Enough for every shape and string a run renders; past it the caches start over. */
const MAX_ENTRIES = 4096;

const shapes = new Map<string, Rendered | null>();
const scalars = new Map<string, string | null>();

/** What every slot token starts with: letters and digits (a plain scalar), unlike anything a config says. */
const SLOT = "tendSlot7q3x";
const token = (i: number): string => `${SLOT}${i}z`;

/** Thrown inside `hollow` for a document whose shape cannot be reused. */
const hollowed = new Error("not a reusable shape");

const isPlainObject = (v: object): boolean => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/**
 * The document with every string replaced by its slot token, and the strings
 * in document order; undefined when the shape cannot be reused (see above).
 */
const hollow = (doc: unknown): { shape: unknown; slots: Slot[] } | undefined => {
  const slots: Slot[] = [];
  const seen = new Set<object>();
  const walk = (v: unknown, place: Place): unknown => {
    if (typeof v === "string") {
      slots.push({ text: v, place });
      return token(slots.length - 1);
    }
    if (typeof v === "boolean" || v === null) return v;
    if (typeof v === "number") {
      if (!Number.isFinite(v) || Object.is(v, -0)) throw hollowed;
      return v;
    }
    if (typeof v !== "object" || seen.has(v)) throw hollowed;
    seen.add(v);
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (let i = 0; i < v.length; i++) {
        if (!(i in v)) throw hollowed;
        out.push(walk(v[i], "item"));
      }
      return out;
    }
    if (!isPlainObject(v) || Object.getOwnPropertySymbols(v).length > 0) throw hollowed;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      // The slot token must not be mistaken for text already in the shape.
      if (k.includes(SLOT)) throw hollowed;
      // `=` would set the prototype for a `__proto__` key instead of a key of the document.
      if (k === "__proto__")
        Object.defineProperty(out, k, {
          value: walk(x, "value"),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else out[k] = walk(x, "value");
    }
    return out;
  };
  try {
    return { shape: walk(doc, "value"), slots };
  } catch (e) {
    if (e === hollowed) return undefined;
    throw e;
  }
};
/** Splits the shape's text at its slot tokens; null unless each occurs once, in order. */
const split = (text: string, places: readonly Place[]): Rendered | null => {
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < places.length; i++) {
    const t = token(i);
    const at = text.indexOf(t, from);
    if (at < 0) return null;
    parts.push(text.slice(from, at));
    from = at + t.length;
  }
  parts.push(text.slice(from));
  return parts.some((p) => p.includes(SLOT)) ? null : { parts, places };
};

/**
 * Strings the `yaml` package writes as they are (plain) in any place: a name
 * or path starting with a letter, `_` or `/`, or an IPv4 address with an
 * optional port; but not the words the core schema reads as a boolean or
 * null. Property-tested against the package, and what most configs hold.
 */
const PLAIN = /^(?:[A-Za-z_/][\w./-]*|\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?)$/;
const NOT_STRING = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE|[Nn]ull|NULL)$/;

/** How the `yaml` package writes `text` at `place`, or null when not on one line. */
const scalar = (text: string, place: Place): string | null => {
  if (PLAIN.test(text) && !NOT_STRING.test(text)) return text;
  const key = `${place}:${text}`;
  let r = scalars.get(key);
  if (r === undefined) {
    const lead = place === "value" ? "k: " : "- ";
    const out = stringify(place === "value" ? { k: text } : [text], YAML_OPTIONS);
    r =
      out.startsWith(lead) && out.endsWith("\n") && out.indexOf("\n") === out.length - 1
        ? out.slice(lead.length, -1)
        : null;
    if (scalars.size >= MAX_ENTRIES) scalars.clear();
    scalars.set(key, r);
  }
  return r;
};

/** `stringify(doc, YAML_OPTIONS)` from its shape's rendering, or undefined (see the file's comment). */
export const renderByShape = (doc: unknown): string | undefined => {
  // A document that is a lone scalar has no map or sequence place for it.
  if (typeof doc !== "object" || doc === null) return undefined;
  const h = hollow(doc);
  if (!h) return undefined;
  const key = JSON.stringify(h.shape);
  let rendered = shapes.get(key);
  if (rendered === undefined) {
    const places = h.slots.map((s) => s.place);
    rendered = split(stringify(h.shape, YAML_OPTIONS), places);
    if (shapes.size >= MAX_ENTRIES) shapes.clear();
    shapes.set(key, rendered);
  }
  if (rendered === null) return undefined;
  let out = rendered.parts[0]!;
  for (let i = 0; i < h.slots.length; i++) {
    const s = scalar(h.slots[i]!.text, h.slots[i]!.place);
    if (s === null) return undefined;
    out += s + rendered.parts[i + 1]!;
  }
  return out;
};
