/**
 * Renderers of the configuration documents modules write: YAML through the
 * `yaml` package (never by string templates) and JSON with two-space indent.
 */
import { stringify } from "yaml";
import { renderByShape, YAML_OPTIONS } from "./yaml-shape.js";

/**
 * A YAML document for an object, keys in the object's order. Documents of a
 * shape already rendered (a fleet's per-host configs) reuse that rendering:
 * the same text, see yaml-shape.ts.
 */
export const renderYaml = (doc: Readonly<Record<string, unknown>>): string =>
  renderByShape(doc) ?? stringify(doc, YAML_OPTIONS);

/** A JSON document with a trailing newline. */
export const renderJson = (doc: unknown): string => `${JSON.stringify(doc, null, 2)}\n`;
