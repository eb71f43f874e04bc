/**
 * Turns a kind's FieldChange into the plan's FieldDiff: the values as they
 * are, with the content format as a hint for the renderer; secrets reduced
 * to whether a value was there.
 */
import type { FieldChange } from "../resource.js";
import { type FieldDiff, SENSITIVE } from "./format.js";

/**
 * The fields of a sensitive resource that stay visible: who may read the
 * file and what it is say nothing of its bytes, and a reviewer must see a
 * key made world-readable. Any other field of it (its content, a field a
 * kind adds later) is hidden.
 */
export const PUBLIC_FIELDS: ReadonlySet<string> = new Set(["mode", "owner", "group", "type"]);

/**
 * Field-level change as the plan stores it. A change the kind marks
 * sensitive is always hidden; of a sensitive resource (`sensitiveResource`)
 * every field is hidden but its mode, owner, group and type.
 */
export const toFieldDiff = (c: FieldChange, sensitiveResource: boolean): FieldDiff => {
  if (c.sensitive || (sensitiveResource && !PUBLIC_FIELDS.has(c.field)))
    return {
      field: c.field,
      sensitive: true,
      before: c.before === null ? null : SENSITIVE,
      after: c.after === null ? null : SENSITIVE,
    };
  return { field: c.field, before: c.before, after: c.after, ...(c.format ? { format: c.format } : {}) };
};
