/**
 * The io-ts codec of a host's resolved variables: the single source of the
 * `WorkerVars` type. Leaf types are named in words ("an integer") because
 * their names end up in error messages for people editing group_vars.
 * Values arrive after interpolation; they may still hold deferred markers.
 */
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { parse as parseYaml } from "yaml";
import { HealthBackoff, HealthRetries, HealthTimeout } from "./health.js";
import {
  AbsPath,
  AccountName,
  AnsibleBool,
  Cidr,
  Duration,
  decodedOncePerObject,
  FileName,
  GoDuration,
  hexDigest,
  Id,
  InterfaceName,
  intIn,
  KernelModule,
  Limit,
  leaf,
  Port,
  Version,
  Word,
} from "./types.js";

export { AbsPath, FileName, leaf } from "./types.js";

/** An integer, or a string of digits (Ansible users often quote numbers). */
export const Int = leaf<number>("an integer", (u) =>
  typeof u === "number" && Number.isInteger(u)
    ? u
    : typeof u === "string" && /^-?\d+$/.test(u.trim())
      ? Number(u.trim())
      : undefined,
);

const text = (u: unknown): string | undefined =>
  typeof u === "string" ? u : typeof u === "number" && Number.isFinite(u) ? String(u) : undefined;

/** A string; a YAML number is taken as its text (`k8s_release: 1.17` stays "1.17"). */
export const Str = leaf<string>("a string", text);

/** A non-empty string on one line. */
export const NonEmpty = leaf<string>("a non-empty string on one line", (u) => {
  const s = text(u);
  return s !== undefined && s.trim() !== "" && !/[\n\r\0]/.test(s) ? s : undefined;
});

/** A string on one line (it becomes a unit-file directive). */
const Line = leaf<string>("a string on one line", (u) => {
  const s = text(u);
  return s !== undefined && !/[\n\r\0]/.test(s) ? s : undefined;
});

export const list = <A>(item: t.Type<A, A, unknown>, name: string): t.Type<A[], A[], unknown> => {
  const arr = t.array(item);
  return new t.Type<A[], A[], unknown>(
    name,
    arr.is,
    (u, c) => arr.validate(u === null ? [] : u, c),
    t.identity,
  );
};

/** Setting names become `--name=value` flags, so they are restricted to flag characters. */
const SETTING_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SettingName = leaf<string>("a setting name (letters, digits, . _ -)", (u) =>
  typeof u === "string" && SETTING_NAME_RE.test(u) ? u : undefined,
);
/** One line of text: values become unit-file lines and flags, where a line break would add a directive. */
const oneLine = (s: string): boolean => !/[\n\r\0]/.test(s);

const SettingValue = leaf<string>("a string, number or boolean on one line", (u) => {
  const s =
    typeof u === "string" ? u : typeof u === "number" || typeof u === "boolean" ? String(u) : undefined;
  return s !== undefined && oneLine(s) ? s : undefined;
});

/** A setting whose value has its own grammar, as text for the flag. */
type SettingType = t.Type<string, string, unknown>;

/** An integer setting in [min, max], as text. */
const intSetting = (name: string, min: number, max: number): SettingType => {
  const n = intIn(name, min, max);
  return new t.Type<string, string, unknown>(
    name,
    (u): u is string => typeof u === "string" && n.is(u),
    (u, c) => E.map(String)(n.validate(u, c)),
    t.identity,
  );
};

const isPlainObject = (u: unknown): u is Record<string, unknown> =>
  u !== null && typeof u === "object" && !Array.isArray(u);

/**
 * A `*_settings` map: flag name → value, values rendered as text (booleans
 * as true/false). Settings named in `typed` are checked by their own type
 * (a boolean flag takes Ansible's spellings and passes true/false on).
 */
const settings = (typed: Readonly<Record<string, SettingType>> = {}) =>
  new t.Type<Record<string, string>, Record<string, string>, unknown>(
    "a map of setting names to values",
    (u): u is Record<string, string> =>
      isPlainObject(u) && Object.values(u).every((v) => typeof v === "string"),
    (u, c) => {
      if (u === null || u === undefined) return t.success({});
      if (!isPlainObject(u)) return t.failure(u, c);
      const out: Record<string, string> = {};
      const errors: t.Errors = [];
      for (const [k, v] of Object.entries(u)) {
        const kc = t.appendContext(c, k, SettingName, k);
        if (!SettingName.is(k)) errors.push({ value: k, context: kc });
        const type = Object.hasOwn(typed, k) && v !== "" ? typed[k]! : SettingValue;
        const dv = type.validate(v, t.appendContext(c, k, type, v));
        if (E.isLeft(dv)) errors.push(...dv.left);
        else out[k] = dv.right;
      }
      return errors.length > 0 ? t.failures(errors) : t.success(out);
    },
    t.identity,
  );

/** A settings map with no typed settings. */
export const Settings = settings();

const FlannelSettings = settings({
  "ip-masq": AnsibleBool,
  "healthz-port": intSetting("a port (0-65535, 0 for none)", 0, 65535),
});
const DockerdSettings = settings({
  iptables: AnsibleBool,
  "ip-masq": AnsibleBool,
  icc: AnsibleBool,
  "live-restore": AnsibleBool,
  debug: AnsibleBool,
  mtu: intSetting("an MTU (68-65535)", 68, 65535),
});
const KubeletSettings = settings({
  "register-node": AnsibleBool,
  "fail-swap-on": AnsibleBool,
  "image-pull-progress-deadline": GoDuration,
  "runtime-request-timeout": GoDuration,
});

/** A JSON-like document given as a map or as YAML/JSON text (the roles use text templates). */
export const Document = new t.Type<Record<string, unknown>, Record<string, unknown>, unknown>(
  "a map, or YAML/JSON text of a map",
  isPlainObject,
  (u, c) => {
    if (isPlainObject(u)) return t.success(u);
    if (typeof u !== "string") return t.failure(u, c);
    try {
      const doc: unknown = parseYaml(u);
      return isPlainObject(doc) ? t.success(doc) : t.failure(u, c);
    } catch (e) {
      return t.failure(u, c, e instanceof Error ? e.message : String(e));
    }
  },
  t.identity,
);

/** A sha256 digest in hex, lower-cased. */
export const Sha256 = hexDigest(32, "sha256");
/** A sha512 digest in hex, lower-cased. */
export const Sha512 = hexDigest(64, "sha512");

/** An http(s) URL, with no whitespace or control characters anywhere (it is fetched as given). */
export const Url = leaf<string>("an http(s) URL without spaces", (u) =>
  typeof u === "string" && /^https?:\/\/[^\s/]+\S*$/.test(u) && !/\p{Cc}/u.test(u) ? u : undefined,
);

/** Unset, null and "" all mean "not given" (Ansible users blank a variable that way). */
export const optional = <A>(c: t.Type<A, A, unknown>): t.Type<A | undefined, A | undefined, unknown> =>
  new t.Type<A | undefined, A | undefined, unknown>(
    c.name,
    (u): u is A | undefined => u === undefined || c.is(u),
    (u, ctx) => (u === undefined || u === null || u === "" ? t.success(undefined) : c.validate(u, ctx)),
    t.identity,
  );

export const Sha256Map = new t.Type<Record<string, string>, Record<string, string>, unknown>(
  "a map of binary names to sha256 digests",
  (u): u is Record<string, string> => isPlainObject(u),
  (u, c) => {
    if (!isPlainObject(u)) return t.failure(u, c);
    const out: Record<string, string> = {};
    const errors: t.Errors = [];
    for (const [k, v] of Object.entries(u)) {
      const d = Sha256.validate(v, t.appendContext(c, k, Sha256, v));
      if (E.isLeft(d)) errors.push(...d.left);
      else out[k] = d.right;
    }
    return errors.length > 0 ? t.failures(errors) : t.success(out);
  },
  t.identity,
);

export const DownloadMode = leaf<"host" | "controller">('"host" or "controller"', (u) =>
  u === "host" || u === "controller" ? u : undefined,
);

/** Every variable the modules read, decoded. `*_settings_user` are merged away by `resolveVars`. */
export const DecodedVars = t.type(
  decodedOncePerObject({
    k8s_interface: InterfaceName,
    k8s_conf_dir: AbsPath,
    k8s_ca_conf_directory: AbsPath,
    k8s_config_directory: AbsPath,
    k8s_cni_conf_dir: AbsPath,
    etcd_bin_dir: AbsPath,
    etcd_client_port: Port,
    etcd_certificates: list(FileName, "a list of file names"),

    flannel_version: Version,
    flannel_etcd_prefix: AbsPath,
    flannel_ip_range: Cidr,
    flannel_backend_type: Word,
    flannel_cni_interface: InterfaceName,
    flannel_subnet_file_dir: AbsPath,
    flannel_options_dir: AbsPath,
    flannel_bin_dir: AbsPath,
    flannel_cni_conf_file: FileName,
    flannel_cni_spec_version: Version,
    flannel_systemd_restartsec: Duration,
    flannel_systemd_limitnofile: Limit,
    flannel_systemd_limitnproc: Limit,
    flannel_systemd_execstartpre: optional(Line),
    flannel_systemd_execstartpost: optional(Line),
    flannel_settings: FlannelSettings,
    flannel_settings_user: FlannelSettings,
    flannel_cni_conf: Document,
    flannel_download_url: optional(Url),
    flannel_checksum: optional(Sha256),

    docker_download_dir: AbsPath,
    docker_version: Version,
    docker_user: AccountName,
    docker_group: AccountName,
    docker_uid: Id,
    docker_gid: Id,
    docker_bin_dir: AbsPath,
    dockerd_settings: DockerdSettings,
    dockerd_settings_user: DockerdSettings,
    docker_ca_certificates: list(FileName, "a list of file names"),
    docker_ca_certificates_src_dir: AbsPath,
    docker_ca_certificates_dst_dir: AbsPath,
    docker_download_url: optional(Url),
    docker_checksum: optional(Sha256),

    k8s_bin_dir: AbsPath,
    k8s_release: Version,
    k8s_worker_binaries: list(FileName, "a list of file names"),
    k8s_worker_certificates: list(FileName, "a list of file names"),
    k8s_worker_download_dir: AbsPath,
    k8s_worker_kubelet_conf_dir: AbsPath,
    k8s_worker_kubelet_settings: KubeletSettings,
    k8s_worker_kubelet_settings_user: KubeletSettings,
    k8s_worker_kubelet_conf_yaml: Document,
    k8s_worker_kubeproxy_conf_dir: AbsPath,
    k8s_worker_kubeproxy_settings: Settings,
    k8s_worker_kubeproxy_settings_user: Settings,
    k8s_worker_kubeproxy_conf_yaml: Document,
    k8s_cni_dir: AbsPath,
    k8s_cni_bin_dir: AbsPath,
    k8s_cni_plugin_version: Version,
    k8s_cni_plugin_checksum: Sha512,
    k8s_cni_plugin_url: optional(Url),
    k8s_release_url_base: optional(Url),
    k8s_worker_binary_checksums: optional(Sha256Map),

    tend_kernel_modules: list(KernelModule, "a list of kernel module names"),
    tend_download_mode: DownloadMode,
    tend_download_mirror: optional(Url),
    tend_health_retries: HealthRetries,
    tend_health_backoff: HealthBackoff,
    tend_health_timeout: HealthTimeout,
  }),
);
/** The decoded variables, before the `*_settings_user` maps are merged in. */
export type DecodedVars = t.TypeOf<typeof DecodedVars>;

/** Names of the `*_settings_user` variables (merged into their `*_settings`). */
export type SettingsUserKey = Extract<keyof DecodedVars, `${string}_settings_user`>;

/**
 * A host's variables, resolved, decoded and merged: what the modules read.
 * Strings may still hold deferred markers for the host's address and the
 * controller's home, bound by `resourcesForHost`.
 */
export type WorkerVars = Omit<DecodedVars, SettingsUserKey>;
