/**
 * @tend/core/testing: SimHost, an in-memory Linux host that is a Target, for
 * property tests and for the differential test against real hosts.
 */

export { blob, blobStore, sha256 } from "./blobs.js";
export {
  type ComparableFile,
  type ComparableHostState,
  type ComparableScope,
  comparableState,
  simStateDigest,
} from "./comparable.js";
export { freshDebianHost, type SimStateOverrides } from "./debian.js";
export { formatManifest, type Manifest, parseManifest } from "./manifest.js";
export { answerProbe } from "./probes.js";
export { type ReadScope, readComparableState } from "./read-comparable.js";
export { SimHost, type SimHostOptions } from "./simhost.js";
export {
  emptySimState,
  type SimDir,
  type SimFile,
  type SimGroup,
  type SimHostInfo,
  type SimLink,
  type SimRegularFile,
  type SimService,
  type SimState,
  type SimUser,
  UNIT_DIRS,
} from "./state.js";
export { readArchive, type TarEntry, type TarInput, tarArchive } from "./tar.js";
