/**
 * The public download surface over both role generations: which checksum
 * files the CLI fetches before planning a host, and which artifacts it
 * caches in controller download mode. Each comes from the host's registered
 * role (registry.ts).
 */
import type { Artifact, ArtifactOptions } from "./downloads.js";
import { roleOf } from "./registry.js";
import type { HostVars } from "./vars/host-vars.js";

/** Checksum files to fetch (as text) and pass to `resourcesForHost` as `checksums`. */
export const checksumUrlsFor = (v: HostVars): string[] => roleOf(v).checksumUrls(v);

/** What the CLI fetches into its controller cache when `tend_download_mode` is "controller". */
export const artifactsForHost = (v: HostVars, options: ArtifactOptions = {}): Artifact[] =>
  roleOf(v).artifacts(v, options);
