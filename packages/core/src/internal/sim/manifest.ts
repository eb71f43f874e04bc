/**
 * The archive manifest the `extract` op leaves on a host: a header line
 * `# source <source>` then one `<sha256>  <absolute path>` line per member
 * (sha256sum's format), sorted by path.
 */

/** A manifest's contents. */
export interface Manifest {
  readonly source: string;
  readonly members: readonly { readonly path: string; readonly sha256: string }[];
}

/** The manifest file's text, members sorted by path so the bytes are stable. */
export const formatManifest = (m: Manifest): string => {
  const members = [...m.members].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return `# source ${m.source}\n${members.map((x) => `${x.sha256}  ${x.path}\n`).join("")}`;
};

/**
 * Reads a manifest. A missing header gives source "" and lines that are not
 * `<64 hex>  /path` are skipped, so a hand-edited manifest plans again
 * rather than failing the probe.
 */
export const parseManifest = (text: string): Manifest => {
  const lines = text.split("\n");
  // [^\n], not ".": a CR, U+2028 or U+2029 is a character of a name here, as it is to sh (see MANIFEST_LINE).
  const header = /^# source ([^\n]*)$/.exec(lines[0] ?? "");
  const members: { path: string; sha256: string }[] = [];
  for (const line of lines.slice(header ? 1 : 0)) {
    const m = /^([0-9a-f]{64}) {2}(\/[^\n]*)$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) members.push({ sha256: m[1], path: m[2] });
  }
  return { source: header?.[1] ?? "", members };
};
