/**
 * runc (the runc role): the upstream static binary, verified against
 * `runc_checksum` (a digest, or the line of `runc.sha256sum` naming the
 * asset). Nothing restarts: containerd starts a new runc per container.
 */
import type { Declared } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { declarer, join } from "../context.js";
import { currentArtifactSet } from "../current-downloads.js";
import type { ModuleError } from "../errors.js";
import { type CurrentInput, installBinary } from "./current-install.js";

const declare = declarer("@tend/modules/runc");

/** The runc module's resources: one verified binary. */
export const runc = (input: CurrentInput): E.Either<ModuleError[], Declared[]> => {
  const v = input.vars;
  const r = installBinary(
    input,
    declare,
    currentArtifactSet(v, input.checksums).runc,
    join(v.runc_bin_directory, "runc"),
    { mode: v.runc_binary_mode, owner: v.runc_owner, group: v.runc_group },
  );
  return E.isLeft(r) ? E.left([r.left]) : E.right([r.right]);
};
