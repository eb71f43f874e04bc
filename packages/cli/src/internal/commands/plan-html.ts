/** `tend plan --html FILE`: the plan as one self-contained page to review in a browser. */
import { writeFile } from "node:fs/promises";
import { type Plan, renderPlanHtml } from "@tend/core";
import { type CommandContext, printErrors } from "./context.js";

/**
 * Writes the page (owner-only, like a saved plan) and says where; the note
 * goes to stderr when stdout carries JSON. Returns false when it could not be written.
 */
export const writePlanHtml = async (
  ctx: CommandContext,
  plan: Plan,
  file: string,
  options: { readonly json: boolean; readonly inventory?: string },
): Promise<boolean> => {
  const title = `tend plan: ${options.inventory ?? "this machine"}`;
  try {
    await writeFile(file, renderPlanHtml(plan, { title }), { mode: 0o600 });
  } catch (e) {
    printErrors(ctx, [`cannot write the plan page to ${file}: ${(e as Error).message}`]);
    return false;
  }
  const note = `Wrote the plan page to ${file}; open it in a browser to review.\n`;
  if (options.json) ctx.io.stderr(note);
  else ctx.io.stdout(note);
  return true;
};
