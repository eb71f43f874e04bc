/**
 * What the current-generation modules share: their input, and how a binary
 * or an archive's members get installed in either download mode (the host
 * fetches from the URL, or the controller uploads its verified cached copy).
 */
import { type Builders, type Checksum, type Declared, STATE_DIR } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import type { Edges, ModuleInput } from "../context.js";
import type { CurrentArtifact } from "../current-downloads.js";
import { artifact, cachePath } from "../downloads.js";
import type { ModuleError } from "../errors.js";
import type { CurrentVars } from "../vars/current-codec.js";

/** The input of a current-generation module. */
export type CurrentInput = Omit<ModuleInput, "vars"> & { readonly vars: CurrentVars };

/** The typed resource builders stamped with a module's origin (see `declarer`). */
export type Declare = Builders;

/** Owner, group and mode of installed files. */
export interface Attrs {
  readonly mode: number;
  readonly owner: string;
  readonly group: string;
}

/** The controller cache path of what `url` downloads to. */
const cached = (input: CurrentInput, name: string, url: string, checksum: Checksum): string =>
  cachePath(input.cacheDir, artifact(name, url, checksum));

/** A verified single binary at `path`; a missing checksum is an error (never an unverified install). */
export const installBinary = (
  input: CurrentInput,
  declare: Declare,
  a: CurrentArtifact,
  path: string,
  attrs: Attrs,
  edges: Edges = {},
): E.Either<ModuleError, Declared> => {
  if (a.checksum === undefined)
    return E.left({ _tag: "MissingChecksum", host: input.host, artifact: a.name, url: a.checksumFrom });
  return E.right(
    input.vars.tend_download_mode === "controller"
      ? declare.file(
          path,
          { source: cached(input, a.name, a.url, a.checksum), ...attrs, format: "binary" },
          edges,
        )
      : declare.download(path, { url: a.url, checksum: a.checksum, ...attrs }, edges),
  );
};

/** Where and how an archive's members are installed. */
export type Unpack = {
  readonly dest: string;
  readonly members: readonly string[];
  readonly strip: number;
} & Attrs;

/**
 * Chosen members of a verified archive unpacked into `dest` (`strip` leading
 * path parts). In controller mode the uploaded archive stays in tend's state
 * directory, so an unchanged archive is not uploaded again; in host mode the
 * archive kind fetches, unpacks and removes it.
 */
export const installArchive = (
  input: CurrentInput,
  declare: Declare,
  a: CurrentArtifact,
  unpack: Unpack,
  edges: Edges = {},
): E.Either<ModuleError, Declared[]> => {
  if (a.checksum === undefined)
    return E.left({ _tag: "MissingChecksum", host: input.host, artifact: a.name, url: a.checksumFrom });
  const props = { ...unpack, members: [...unpack.members], checksum: a.checksum };
  if (input.vars.tend_download_mode !== "controller")
    return E.right([declare.archive(unpack.dest, { ...props, url: a.url }, edges)]);
  const source = cached(input, a.name, a.url, a.checksum);
  const copy = `${STATE_DIR}/artifacts/${source.split("/").pop() ?? a.name}`;
  return E.right([
    declare.file(copy, { source, mode: 0o600, owner: "root", group: "root", format: "binary" }),
    declare.archive(unpack.dest, { ...props, archive: copy }, edges),
  ]);
};
