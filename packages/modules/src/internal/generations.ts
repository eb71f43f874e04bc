/**
 * The public download surface over both role generations: which checksum
 * files the CLI fetches before planning a host, and which artifacts it
 * caches in controller download mode. Dispatches on the host's generation.
 */
import { currentChecksumUrls, currentControllerArtifacts } from "./current-downloads.js";
import { type Artifact, type ArtifactOptions, artifactsFor, requiredChecksumUrls } from "./downloads.js";
import { type HostVars, isCurrent } from "./vars/host-vars.js";

/** Checksum files to fetch (as text) and pass to `resourcesForHost` as `checksums`. */
export const checksumUrlsFor = (v: HostVars): string[] =>
  isCurrent(v) ? currentChecksumUrls(v) : requiredChecksumUrls(v);

/**
 * What the CLI fetches into its controller cache when `tend_download_mode` is
 * "controller". A current-generation host is always a worker.
 */
export const artifactsForHost = (v: HostVars, options: ArtifactOptions = {}): Artifact[] =>
  isCurrent(v)
    ? options.worker === false
      ? []
      : currentControllerArtifacts(v, options.checksums ?? new Map())
    : artifactsFor(v, options);
