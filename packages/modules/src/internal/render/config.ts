/**
 * Renderers of the configuration documents modules write: YAML through the
 * `yaml` package (never by string templates) and JSON with two-space indent.
 */
import { stringify } from "yaml";

/** A YAML document for an object, keys in the object's order. */
export const renderYaml = (doc: Readonly<Record<string, unknown>>): string =>
  stringify(doc, { indent: 2, lineWidth: 0 });

/** A JSON document with a trailing newline. */
export const renderJson = (doc: unknown): string => `${JSON.stringify(doc, null, 2)}\n`;
