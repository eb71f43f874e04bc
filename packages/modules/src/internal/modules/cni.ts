/**
 * The CNI plugins (the cni role): the binary and configuration directories
 * and the plugins of the upstream archive. Which plugins an archive holds
 * depends on its version (tap since 1.2.0, dummy since 1.4.0); LICENSE and
 * README are not installed. A change restarts kubelet only when
 * `cni_restart_kubelet` says so.
 */
import type { Declared } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { declarer, serviceId } from "../context.js";
import { currentArtifactSet } from "../current-downloads.js";
import type { ModuleError } from "../errors.js";
import type { CurrentVars } from "../vars/current-codec.js";
import { atLeast } from "../vars/flags.js";
import { type CurrentInput, installArchive } from "./current-install.js";

const declare = declarer("@tend/modules/cni");

/** The role's plugin list, and the release each first appeared in (1.0.0 when older). */
const PLUGINS: ReadonlyArray<readonly [string, string]> = [
  ["macvlan", "1.0"],
  ["static", "1.0"],
  ["vlan", "1.0"],
  ["portmap", "1.0"],
  ["host-local", "1.0"],
  ["vrf", "1.0"],
  ["bridge", "1.0"],
  ["tuning", "1.0"],
  ["firewall", "1.0"],
  ["host-device", "1.0"],
  ["sbr", "1.0"],
  ["loopback", "1.0"],
  ["dhcp", "1.0"],
  ["ptp", "1.0"],
  ["ipvlan", "1.0"],
  ["bandwidth", "1.0"],
  ["dummy", "1.4"],
  ["tap", "1.2"],
];

/** The plugins the role installs from the archive of `cni_version`. */
export const cniPlugins = (v: Pick<CurrentVars, "cni_version">): string[] =>
  PLUGINS.filter(([, since]) => atLeast(v.cni_version, since)).map(([p]) => p);

/** The cni module's resources. */
export const cni = (input: CurrentInput): E.Either<ModuleError[], Declared[]> => {
  const v = input.vars;
  const attrs = { owner: v.cni_owner, group: v.cni_group };
  const dirs = [
    declare.directory(v.cni_bin_directory, { mode: 0o755, ...attrs }),
    declare.directory(v.cni_conf_directory, { mode: 0o755, ...attrs }),
  ];
  const plugins = installArchive(
    input,
    declare,
    currentArtifactSet(v, input.checksums).cni,
    { dest: v.cni_bin_directory, members: cniPlugins(v), strip: 0, mode: v.cni_binary_mode, ...attrs },
    v.cni_restart_kubelet ? { notify: [serviceId("kubelet")] } : {},
  );
  return E.isLeft(plugins) ? E.left([plugins.left]) : E.right([...dirs, ...plugins.right]);
};
