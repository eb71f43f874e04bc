/**
 * Host facts: what modules need to know about a host before they can declare
 * its resources (the IPv4 address of k8s_interface, the OS family for the
 * package manager, ...). Gathered in one round trip, decoded with io-ts.
 */
import * as t from "io-ts";

export const HostFacts = t.type({
  hostname: t.string,
  os: t.type({
    /** "debian" | "redhat" | "other", from ID and ID_LIKE in /etc/os-release. */
    family: t.string,
    id: t.string,
    versionId: t.string,
    prettyName: t.string,
  }),
  kernel: t.string,
  arch: t.string,
  /** Interfaces with their IPv4 addresses (without prefix length), in `ip` order. */
  interfaces: t.array(t.type({ name: t.string, ipv4: t.array(t.string) })),
  /** Active swap devices. */
  swap: t.array(t.string),
  /** "systemd" when PID 1 is systemd, otherwise the name of PID 1. */
  init: t.string,
  /** Which of curl and wget exist, in that order of preference. */
  downloaders: t.array(t.string),
  /** "apt" | "dnf" | null. */
  packageManager: t.union([t.string, t.null]),
  /** The user commands run as, after privilege escalation. */
  user: t.string,
});
export type HostFacts = t.TypeOf<typeof HostFacts>;

/** The IPv4 address of an interface, or undefined. */
export const ipv4Of = (facts: HostFacts, iface: string): string | undefined =>
  facts.interfaces.find((i) => i.name === iface)?.ipv4[0];
