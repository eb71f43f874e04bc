/**
 * Turns a kind's FieldChange into the plan's FieldDiff: the values as they
 * are, with the content format as a hint for the renderer; secrets reduced
 * to whether a value was there.
 */
import type { FieldChange } from "../resource.js";
import { type FieldDiff, SENSITIVE } from "./format.js";

/** Field-level change as the plan stores it; `forceSensitive` hides every field of a sensitive resource. */
export const toFieldDiff = (c: FieldChange, forceSensitive: boolean): FieldDiff => {
  if (c.sensitive || forceSensitive)
    return {
      field: c.field,
      sensitive: true,
      before: c.before === null ? null : SENSITIVE,
      after: c.after === null ? null : SENSITIVE,
    };
  return { field: c.field, before: c.before, after: c.after, ...(c.format ? { format: c.format } : {}) };
};
