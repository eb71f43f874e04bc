/**
 * containerd from the upstream release archive (the containerd role,
 * docs/SPEC-current.md): its binaries, config.toml written verbatim from
 * `containerd_config`, the unit from `containerd_service_settings`, and the
 * running service. The overlay filesystem is declared as a kernel module
 * instead of the role's `ExecStartPre=modprobe overlay`.
 */
import { type Declared, type ResourceId, resourceId } from "@tend/core";
import * as E from "fp-ts/lib/Either.js";
import { declarer, join, ROOT, serviceId } from "../context.js";
import { currentArtifactSet } from "../current-downloads.js";
import type { ModuleError } from "../errors.js";
import { renderUnit, sortedKeys } from "../render/unit.js";
import type { CurrentVars } from "../vars/current-codec.js";
import { type CurrentInput, installArchive } from "./current-install.js";

const declare = declarer("@tend/modules/containerd");

/** Members of the archive's `bin/` folder per flavor (the role's vars/flavor_base.yml). */
export const CONTAINERD_BINARIES: readonly string[] = [
  "ctr",
  "containerd",
  "containerd-stress",
  "containerd-shim-runc-v2",
];

/** containerd.service: the role's template, [Service] lines sorted by key. */
export const containerdUnit = (v: CurrentVars): string =>
  renderUnit([
    {
      name: "Unit",
      entries: [
        ["Description", "containerd container runtime"],
        ["Documentation", "https://containerd.io"],
        ["After", "network.target local-fs.target dbus.service"],
      ],
    },
    {
      name: "Service",
      entries: sortedKeys(v.containerd_service_settings).map((k) => [k, v.containerd_service_settings[k]]),
    },
    { name: "Install", entries: [["WantedBy", "multi-user.target"]] },
  ]);

/** The containerd module's resources; `after` are ids containerd waits for (runc, kernel). */
export const containerd = (
  input: CurrentInput,
  after: readonly ResourceId[] = [],
): E.Either<ModuleError[], Declared[]> => {
  const v = input.vars;
  const restart = [serviceId("containerd")];
  const overlay = declare.kmod("overlay", {});
  const binaries = installArchive(
    input,
    declare,
    currentArtifactSet(v, input.checksums).containerd,
    {
      dest: v.containerd_binary_directory,
      members: CONTAINERD_BINARIES,
      strip: 1,
      mode: v.containerd_binary_mode,
      owner: v.containerd_owner,
      group: v.containerd_group,
    },
    { notify: restart },
  );
  if (E.isLeft(binaries)) return E.left([binaries.left]);
  const configDir = declare.directory(v.containerd_config_directory, { mode: 0o755, ...ROOT });
  const config = declare.file(
    join(v.containerd_config_directory, "config.toml"),
    { content: v.containerd_config, mode: 0o644, ...ROOT, format: "text" },
    { notify: restart },
  );
  const unit = declare.unit(
    "containerd.service",
    { content: containerdUnit(v), mode: 0o644 },
    { notify: restart },
  );
  const service = declare.service(
    "containerd",
    { enabled: true, state: "running" },
    { deps: [resourceId(overlay), resourceId(config), ...binaries.right.map(resourceId), ...after] },
  );
  return E.right([overlay, ...binaries.right, configDir, config, unit, service]);
};
