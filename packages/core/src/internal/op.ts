/**
 * Ops: the closed set of changes tend makes on a host, as data. Every op is
 * mutating; an empty plan runs none. Contents travel as blob references
 * (sha256) so plans stay small and secrets stay out of plan files.
 */
import * as t from "io-ts";

const ownership = { mode: t.number, owner: t.string, group: t.string };

export const Checksum = t.type({ algo: t.union([t.literal("sha256"), t.literal("sha512")]), hex: t.string });
export type Checksum = t.TypeOf<typeof Checksum>;

const PackageManagerC = t.union([t.literal("apt"), t.literal("dnf")]);
const opt = <P extends t.Props>(req: P, partial: t.Props) =>
  t.intersection([t.type(req), t.partial(partial)]);

/** Codec of every op; plan files are decoded through it. */
export const Op = t.union([
  t.type({ op: t.literal("mkdir"), path: t.string, ...ownership }),
  /** Atomic: temp file in the same directory, mode and owner set, then rename. */
  t.type({ op: t.literal("writeFile"), path: t.string, blob: t.string, ...ownership }),
  opt({ op: t.literal("setAttrs"), path: t.string }, { mode: t.number, owner: t.string, group: t.string }),
  t.type({ op: t.literal("remove"), path: t.string }),
  /** Fetch url on the host; lands at path only after the checksum matched. */
  t.type({
    op: t.literal("download"),
    url: t.string,
    checksum: t.union([Checksum, t.null]),
    path: t.string,
    /** A record file written after the download lands, holding the url (so a new url is a change). */
    record: t.string,
    ...ownership,
  }),
  /**
   * Unpack a .tar/.tgz into dest (members: null = all regular files), each
   * member written atomically with `mode`, then record a manifest of the
   * extracted members and their sha256 at `manifest`, headed by `source`
   * (an empty source records the sha256 of the archive itself).
   */
  t.type({
    op: t.literal("extract"),
    archive: t.string,
    dest: t.string,
    members: t.union([t.array(t.string), t.null]),
    strip: t.number,
    manifest: t.string,
    source: t.string,
    ...ownership,
  }),
  opt(
    {
      op: t.literal("systemctl"),
      verb: t.union([
        t.literal("daemon-reload"),
        t.literal("enable"),
        t.literal("disable"),
        t.literal("start"),
        t.literal("stop"),
        t.literal("restart"),
      ]),
    },
    { unit: t.string },
  ),
  t.type({ op: t.literal("sysctl"), key: t.string, value: t.string }),
  t.type({ op: t.literal("modprobe"), name: t.string }),
  opt({ op: t.literal("groupadd"), name: t.string }, { gid: t.number, system: t.boolean }),
  t.type({ op: t.literal("groupmod"), name: t.string, gid: t.number }),
  opt(
    { op: t.union([t.literal("useradd"), t.literal("usermod")]), name: t.string },
    {
      uid: t.number,
      group: t.string,
      groups: t.array(t.string),
      shell: t.string,
      home: t.string,
      system: t.boolean,
    },
  ),
  t.type({ op: t.literal("packages"), manager: PackageManagerC, install: t.array(t.string) }),
  t.type({ op: t.literal("swapoff") }),
  t.type({ op: t.literal("exec"), argv: t.array(t.string) }),
  /**
   * Write-ahead intents (the record at PENDING_RESTARTS_PATH): `add` records
   * restarts of `restart` units and, with `reload`, a daemon-reload as due
   * before the ops that make them due, stamped with the host's UTC time and
   * `at` (the action about to run); `remove` clears them once they ran. The
   * record is replaced atomically and synced, so a kill leaves the old or the
   * new record, never a torn one.
   */
  t.intersection([
    t.type({
      op: t.literal("intent"),
      action: t.union([t.literal("add"), t.literal("remove")]),
      restart: t.array(t.string),
      reload: t.boolean,
    }),
    t.partial({ at: t.string }),
  ]),
]);
export type Op = t.TypeOf<typeof Op>;

export type OpName = Op["op"];

/** The entries of an intent op as the record spells them: `restart <unit>` and `daemon-reload`. */
export const intentEntries = (op: Extract<Op, { op: "intent" }>): string[] => [
  ...op.restart.map((u) => `restart ${u}`),
  ...(op.reload ? ["daemon-reload"] : []),
];

/** One line that names an op for humans and error messages. */
export const describeOp = (op: Op): string => {
  switch (op.op) {
    case "mkdir":
    case "writeFile":
    case "setAttrs":
    case "remove":
      return `${op.op} ${op.path}`;
    case "download":
      return `download ${op.url} -> ${op.path}`;
    case "extract":
      return `extract ${op.archive} -> ${op.dest}`;
    case "systemctl":
      return `systemctl ${op.verb}${op.unit ? ` ${op.unit}` : ""}`;
    case "sysctl":
      return `sysctl ${op.key}=${op.value}`;
    case "modprobe":
      return `modprobe ${op.name}`;
    case "groupadd":
    case "groupmod":
    case "useradd":
    case "usermod":
      return `${op.op} ${op.name}`;
    case "packages":
      return `${op.manager} install ${op.install.join(" ")}`;
    case "swapoff":
      return "swapoff -a";
    case "exec":
      return `exec ${op.argv.join(" ")}`;
    case "intent":
      return `intent ${op.action} ${intentEntries(op).join(", ")}${op.at ? ` (at ${op.at})` : ""}`;
  }
};
