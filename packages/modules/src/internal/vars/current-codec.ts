/**
 * The io-ts codec of a current-generation host's resolved variables (the
 * containerd, runc, cni and kubernetes-worker roles): the single source of
 * the `CurrentVars` type. Leaves are shared with the seed's codec.
 */
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import {
  AbsPath,
  Document,
  DownloadMode,
  FileName,
  Int,
  leaf,
  list,
  NonEmpty,
  optional,
  Settings,
  Sha256Map,
  Str,
  Url,
} from "./codec.js";
import { HealthBackoff, HealthRetries, HealthTimeout } from "./health.js";
import { ansibleBool, decodedOncePerObject } from "./types.js";

/** A file mode as the roles write it ("0755"), or a YAML integer read as octal digits. */
export const FileMode = leaf<number>("an octal file mode like 0755", (u) => {
  const s = typeof u === "number" ? String(u) : u;
  return typeof s === "string" && /^0?[0-7]{3,4}$/.test(s.trim()) ? Number.parseInt(s.trim(), 8) : undefined;
});

/** A boolean, in any of Ansible's spellings (see ansibleBool). */
export const Bool = leaf<boolean>("true or false", ansibleBool);

/** A Kubernetes or containerd release: major.minor.patch, optionally with a suffix. */
export const Release = leaf<string>("a version like 1.34.4", (u) => {
  const s = typeof u === "number" ? String(u) : u;
  return typeof s === "string" && /^v?\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.-]+)?$/.test(s.trim())
    ? s.trim().replace(/^v/, "")
    : undefined;
});

/** Where a checksum comes from: a digest, or a checksum file (Ansible's `sha256:<url>`). */
export type ChecksumSource =
  | { readonly algo: "sha256"; readonly hex: string }
  | { readonly algo: "sha256"; readonly url: string };

/** Ansible's get_url `checksum`: `sha256:<hex>` or `sha256:<url of a checksum file>`. */
export const ChecksumSpec = leaf<ChecksumSource>("sha256:<64 hex digits> or sha256:<http(s) URL>", (u) => {
  if (typeof u !== "string") return undefined;
  const m = /^sha256:(.+)$/.exec(u.trim());
  const rest = m?.[1];
  if (rest === undefined) return undefined;
  if (/^[0-9a-fA-F]{64}$/.test(rest)) return { algo: "sha256", hex: rest.toLowerCase() };
  return /^https?:\/\/[^\s/]+\S*$/.test(rest) ? { algo: "sha256", url: rest } : undefined;
});

const UNIT_KEY_RE = /^[A-Za-z][A-Za-z0-9]*$/;
const isPlainObject = (u: unknown): u is Record<string, unknown> =>
  u !== null && typeof u === "object" && !Array.isArray(u);
const UnitKey = leaf<string>("a unit setting name (letters and digits)", (u) =>
  typeof u === "string" && UNIT_KEY_RE.test(u) ? u : undefined,
);
// A newline in a value would add lines of its own to the unit.
const UnitValue = leaf<string>("a one-line string, number or boolean", (u) => {
  const s =
    typeof u === "string" ? u : typeof u === "number" || typeof u === "boolean" ? String(u) : undefined;
  return s !== undefined && !/[\r\n\0]/.test(s) ? s : undefined;
});

/** `Key: value` lines of a unit's [Service] section (`containerd_service_settings`). */
export const UnitSettings = new t.Type<Record<string, string>, Record<string, string>, unknown>(
  "a map of unit setting names to one-line values",
  (u): u is Record<string, string> =>
    isPlainObject(u) && Object.values(u).every((v) => typeof v === "string"),
  (u, c) => {
    if (u === null || u === undefined) return t.success({});
    if (!isPlainObject(u)) return t.failure(u, c);
    const out: Record<string, string> = {};
    const errors: t.Errors = [];
    for (const [k, v] of Object.entries(u)) {
      if (!UnitKey.is(k)) errors.push({ value: k, context: t.appendContext(c, k, UnitKey, k) });
      const dv = UnitValue.validate(v, t.appendContext(c, k, UnitValue, v));
      if (E.isLeft(dv)) errors.push(...dv.left);
      else out[k] = dv.right;
    }
    return errors.length > 0 ? t.failures(errors) : t.success(out);
  },
  t.identity,
);

const Current = leaf<"current">('"current"', (u) => (u === "current" ? u : undefined));
const Flavor = leaf<"base">('"base" (the only flavor of the containerd role)', (u) =>
  u === "base" ? u : undefined,
);

/** Every variable the current modules read, decoded. */
export const CurrentDecodedVars = t.type(
  decodedOncePerObject({
    containerd_flavor: Flavor,
    containerd_version: Release,
    containerd_binary_directory: AbsPath,
    containerd_config_directory: AbsPath,
    containerd_tmp_directory: Str,
    containerd_owner: NonEmpty,
    containerd_group: NonEmpty,
    containerd_binary_mode: FileMode,
    containerd_os: NonEmpty,
    containerd_arch: NonEmpty,
    containerd_archive_base: FileName,
    containerd_url: Url,
    containerd_service_settings: UnitSettings,
    containerd_config: Str,

    runc_version: Release,
    runc_bin_directory: AbsPath,
    runc_owner: NonEmpty,
    runc_group: NonEmpty,
    runc_binary_mode: FileMode,
    runc_arch: NonEmpty,
    runc_archive: FileName,
    runc_url: Url,
    runc_checksum: ChecksumSpec,

    cni_version: Release,
    cni_bin_directory: AbsPath,
    cni_conf_directory: AbsPath,
    cni_tmp_directory: Str,
    cni_owner: NonEmpty,
    cni_group: NonEmpty,
    cni_binary_mode: FileMode,
    cni_os: NonEmpty,
    cni_arch: NonEmpty,
    cni_archive: FileName,
    cni_url: Url,
    cni_restart_kubelet: Bool,

    k8s_worker_conf_dir: AbsPath,
    k8s_worker_pki_dir: AbsPath,
    k8s_worker_bin_dir: AbsPath,
    k8s_worker_release: Release,
    k8s_interface: NonEmpty,
    k8s_ca_conf_directory: AbsPath,
    k8s_config_cluster_name: optional(NonEmpty),
    k8s_worker_api_endpoint_host: optional(NonEmpty),
    k8s_worker_api_endpoint_port: Int,
    k8s_worker_os_packages: list(FileName, "a list of package names"),
    k8s_worker_binaries: list(FileName, "a list of file names"),
    k8s_worker_certificates: list(FileName, "a list of file names"),
    k8s_worker_kubelet_conf_dir: AbsPath,
    k8s_worker_kubelet_settings: Settings,
    k8s_worker_kubelet_settings_user: Settings,
    k8s_worker_kubelet_conf_yaml: Document,
    k8s_worker_kubeproxy_conf_dir: AbsPath,
    k8s_worker_kubeproxy_settings: Settings,
    k8s_worker_kubeproxy_settings_user: Settings,
    k8s_worker_kubeproxy_conf_yaml: Document,
    k8s_worker_binary_checksums: optional(Sha256Map),

    tend_kernel_modules: list(FileName, "a list of kernel module names"),
    tend_download_mode: DownloadMode,
    tend_download_mirror: optional(Url),
    tend_worker_generation: Current,
    tend_health_retries: HealthRetries,
    tend_health_backoff: HealthBackoff,
    tend_health_timeout: HealthTimeout,
  }),
);
/** The decoded current variables, before the `*_settings_user` maps are merged in. */
export type CurrentDecodedVars = t.TypeOf<typeof CurrentDecodedVars>;

/** The `*_settings_user` keys of the current generation. */
export type CurrentSettingsUserKey = Extract<keyof CurrentDecodedVars, `${string}_settings_user`>;

/** A current-generation host's variables, resolved, decoded and merged: what its modules read. */
export type CurrentVars = Omit<CurrentDecodedVars, CurrentSettingsUserKey>;
