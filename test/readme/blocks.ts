/**
 * The ```ts blocks of README.md, each named by its first line (`// name.ts`),
 * written as files of one directory so that they import each other and the
 * packages by name, exactly as a reader would run them.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A named code block of the README. */
export interface Block {
  readonly name: string;
  readonly code: string;
}

/** Every ```ts block of `markdown`; a block without a `// name.ts` first line is an error (it could not be run). */
export const tsBlocks = (markdown: string): Block[] =>
  [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m, i) => {
    const code = m[1] ?? "";
    const name = /^\/\/ ([\w-]+\.ts)\n/.exec(code)?.[1];
    if (!name) throw new Error(`README.md: ts block ${i + 1} does not start with a "// name.ts" line`);
    return { name, code };
  });

/**
 * Writes the README's blocks into a fresh directory under the repository's
 * (git-ignored) .cache, where imports of @tend/* resolve to the workspace.
 */
export const writeReadmeBlocks = async (): Promise<{
  dir: string;
  blocks: Block[];
  dispose(): Promise<void>;
}> => {
  const blocks = tsBlocks(await readFile(join(ROOT, "README.md"), "utf8"));
  const dir = join(ROOT, ".cache", `readme-${randomBytes(6).toString("hex")}`);
  await mkdir(dir, { recursive: true });
  for (const b of blocks) await writeFile(join(dir, b.name), b.code);
  return { dir, blocks, dispose: () => rm(dir, { recursive: true, force: true }) };
};
