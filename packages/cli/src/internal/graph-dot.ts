/**
 * A host's resource graph as Graphviz DOT, for `tend graph`. Edges point
 * from what runs first to what runs after; their style says where they come
 * from. The output depends only on the graph (nodes in apply order, edges
 * sorted), so the same inventory prints the same bytes.
 */
import type { EdgeKind, ResourceGraph } from "@tend/core";

/** C0 controls and DEL, which DOT has no escape for; shown as their Unicode control pictures. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters replaced
const CONTROL = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f]/g;
const picture = (c: string): string =>
  String.fromCharCode(c === "\u007f" ? 0x2421 : 0x2400 + c.charCodeAt(0));

/**
 * A DOT quoted string. Backslashes and quotes are escaped, so no name can end
 * the string early; line breaks become DOT's `\n` and `\r`, other control
 * characters (never valid in a resource name) their control pictures.
 */
export const dotString = (s: string): string =>
  `"${s
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\r/g, "\\r")
    .replace(/\n/g, "\\n")
    .replace(CONTROL, picture)}"`;

/** The attributes of each edge kind; a notification is labelled, as the text plan words it. */
export const EDGE_STYLE: Record<EdgeKind, string> = {
  explicit: 'style=solid, color="#1f4e79"',
  implied: 'style=dashed, color="#7f7f7f"',
  notify: 'style=bold, color="#c55a11", fontcolor="#c55a11", label="notify"',
};

/** The graph of `host` as a DOT digraph. */
export const graphDot = (host: string, graph: ResourceGraph): string => {
  const lines = [
    `// tend graph of ${JSON.stringify(host)}: an edge runs from what comes first to what comes after.`,
    '// solid: declared dependency; dashed: implied (provides/requires); bold "notify": restart notification.',
    `digraph ${dotString(`tend: ${host}`)} {`,
    "  rankdir=LR;",
    '  node [shape=box, style="rounded,filled", fillcolor="#f5f5f5", fontname="monospace", fontsize=10];',
    '  edge [fontname="monospace", fontsize=9];',
    ...graph.nodes.map((n) => `  ${dotString(n.id)};`),
    ...graph.edges.map((e) => `  ${dotString(e.from)} -> ${dotString(e.to)} [${EDGE_STYLE[e.kind]}];`),
    "}",
  ];
  return `${lines.join("\n")}\n`;
};
