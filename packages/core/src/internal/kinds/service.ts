/**
 * service: a systemd unit's enablement and run state. Enablement first
 * (enable/disable), then state (start/stop). A unit without a unit file
 * ("not-found", or is-enabled printing nothing) has an enablement that is
 * unknown until the file exists (a leftover link may enable it then), and so
 * has a "static" one when its unit file changes in this apply (it may gain an
 * [Install] section, and leftover links count again): the plan says so and
 * the op runs anyway, after the daemon-reload, so one apply ends as declared. A static unit otherwise (no
 * [Install] section: systemd cannot enable it, its dependants start it)
 * satisfies `enabled: true`, and has nothing to disable for `enabled: false`.
 * "active" and "reloading" count as running. When notified, the service
 * restarts unless its own ops start or stop it anyway.
 */
import * as t from "io-ts";
import { isUnitName, oneOf, UnitName } from "../names.js";
import type { UnitFact } from "../probe.js";
import type { FieldChange } from "../resource.js";
import { propsCodec } from "./codec.js";
import { diffOf, field, fieldsOf } from "./common.js";
import { defineKind, grammarCheck } from "./define.js";

/** Props of `service[<name>]`. */
export const ServiceProps = propsCodec(
  "service",
  { enabled: t.boolean, state: oneOf("running", "stopped") },
  { unit: UnitName },
  { enabled: true, state: "running" },
);
/** Decoded props of the kind, defaults filled: the type comes from the codec only. */
export type ServiceProps = t.TypeOf<typeof ServiceProps>;

/** A service is named by its unit, or by the unit's name without ".service". */
const serviceName = {
  expected: "a systemd unit name, or one without its .service suffix",
  test: (s: string) => isUnitName(s) || isUnitName(`${s}.service`),
};

/** The unit it controls: props.unit, else the name (with ".service" when it has no suffix). */
export const serviceUnit = (p: ServiceProps, name: string): string =>
  p.unit ?? (name.includes(".") ? name : `${name}.service`);

const running = (active: string): boolean => active === "active" || active === "reloading";
const stoppable = (active: string): boolean => running(active) || active === "activating";

/** `service`: see the module comment. */
export const serviceKind = defineKind<ServiceProps>({
  kind: "service",
  props: ServiceProps,
  checkName: grammarCheck(serviceName),
  provides: (p, name) => [`service:${serviceUnit(p, name)}`],
  requires: (p, name) => [`unit:${serviceUnit(p, name)}`],
  unitName: serviceUnit,

  probes: (p, ctx) => [{ type: "unit", name: serviceUnit(p, ctx.name) }],

  diff: (p, facts, ctx) => {
    const [u] = facts as readonly [UnitFact];
    const fields: FieldChange[] = [];
    const want = p.enabled ? "enabled" : "disabled";
    const noFile = u.load === "not-found" || u.enabled === "" || u.enabled === "not-found";
    const fileChanges = ctx.changing?.has(`unit[${serviceUnit(p, ctx.name)}]`) ?? false;
    // A static unit's links (or their absence) count once its changed file is loaded.
    const unknown = noFile || (u.enabled === "static" && fileChanges);
    if (unknown) fields.push(field("enabled", u.enabled === "" ? "not-found" : u.enabled, want));
    else if (u.enabled !== "static" && p.enabled !== (u.enabled === "enabled"))
      fields.push(field("enabled", u.enabled, want));
    if (p.state === "running" ? !running(u.active) : stoppable(u.active))
      fields.push(field("active", u.active, p.state === "running" ? "active" : "inactive"));
    return diffOf(
      "update",
      fields,
      unknown ? { unknown: ["enabled: known after the unit file is loaded"] } : {},
    );
  },

  ops: (p, diff, _facts, ctx) => {
    const unit = serviceUnit(p, ctx.name);
    const changed = fieldsOf(diff);
    return [
      ...(changed.has("enabled")
        ? [{ op: "systemctl" as const, verb: p.enabled ? ("enable" as const) : ("disable" as const), unit }]
        : []),
      ...(changed.has("active")
        ? [
            {
              op: "systemctl" as const,
              verb: p.state === "running" ? ("start" as const) : ("stop" as const),
              unit,
            },
          ]
        : []),
    ];
  },

  onNotify: (p, diff, _facts, ctx) => {
    if (p.state === "stopped") return { subsumed: "service is to be stopped" };
    if (fieldsOf(diff).has("active")) return { subsumed: "started by this apply after its causes" };
    return { restart: [{ op: "systemctl", verb: "restart", unit: serviceUnit(p, ctx.name) }] };
  },
});
