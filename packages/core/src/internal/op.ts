/**
 * Ops: the closed set of changes tend makes on a host, as data. Every op is
 * mutating; an empty plan runs none. Contents travel as blob references
 * (sha256) so plans stay small and secrets stay out of plan files.
 *
 * The codecs are refined: every path is absolute and normalised, every name
 * follows its grammar (names.ts), modes are 0..0o7777 and no string holds a
 * NUL. ShellTarget, SimHost and the plan-file decoder all check ops here and
 * nowhere else, so they cannot drift apart.
 */
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import {
  AbsPath,
  AccountName,
  Count,
  DownloadUrl,
  grammarCodec,
  isPlain,
  KmodName,
  Mode,
  OwnerName,
  PackageName,
  PlainText,
  pathOf,
  RelPath,
  SysctlKey,
  shown,
  UnitName,
} from "./names.js";

const ownership = { mode: Mode, owner: OwnerName, group: OwnerName };

const Hex = new t.Type<string, string, unknown>(
  "Hex",
  (u): u is string => typeof u === "string" && /^[0-9a-fA-F]+$/.test(u),
  (u, c) =>
    typeof u === "string" && /^[0-9a-fA-F]+$/.test(u) ? t.success(u) : t.failure(u, c, "expected hex digits"),
  t.identity,
);

export const Checksum = t.type({ algo: t.union([t.literal("sha256"), t.literal("sha512")]), hex: Hex });
export type Checksum = t.TypeOf<typeof Checksum>;

const PackageManagerC = t.union([t.literal("apt"), t.literal("dnf")]);
const opt = <P extends t.Props>(req: P, partial: t.Props) =>
  t.intersection([t.type(req), t.partial(partial)]);

/** The argv of an exec: at least the program, no NUL. */
const ExecArgv = new t.Type<string[], string[], unknown>(
  "ExecArgv",
  (u): u is string[] => Array.isArray(u) && u.length > 0 && u.every((a) => PlainText.is(a)),
  (u, c) =>
    Array.isArray(u) && u.length > 0
      ? t.array(PlainText).validate(u, c)
      : t.failure(u, c, "expected a non-empty argv"),
  t.identity,
);

/** One line of a line-based record (the manifest's source). */
const OneLine = grammarCodec("OneLine", {
  expected: "one line of text",
  test: (s) => isPlain(s) && !s.includes("\n"),
});

/** The action an intent entry is stamped with: one non-empty line (the record is line-based). */
const IntentAt = grammarCodec("IntentAt", {
  expected: "one non-empty line of text",
  test: (s) => s !== "" && OneLine.is(s),
});

/**
 * Where a rollout with --rollback-on-fail keeps what one apply replaces:
 * `/var/lib/tend/rollback/<apply id>` (the id is letters, digits, `.`, `_`, `-`),
 * so a keep or restore op can name no other directory.
 */
export const RollbackDir = grammarCodec("RollbackDir", {
  expected: "a directory /var/lib/tend/rollback/<apply id>",
  test: (s) => /^\/var\/lib\/tend\/rollback\/[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(s),
});

/** Codec of every op; plan files are decoded through it. */
export const Op = t.union([
  /**
   * mkdir -p with mode and owner. With `skel` (a home the user kind makes,
   * as useradd -m would): only when nothing is at `path`, the directory is
   * built beside it with skel's contents copied in, everything owned as
   * the directory, then renamed into place whole.
   */
  opt({ op: t.literal("mkdir"), path: AbsPath, ...ownership }, { skel: AbsPath }),
  /** Atomic: temp file in the same directory, mode and owner set, then rename. */
  t.type({ op: t.literal("writeFile"), path: AbsPath, blob: Hex, ...ownership }),
  opt({ op: t.literal("setAttrs"), path: AbsPath }, { mode: Mode, owner: OwnerName, group: OwnerName }),
  t.type({ op: t.literal("remove"), path: AbsPath }),
  /** Fetch url on the host; lands at path only after the checksum matched. */
  t.type({
    op: t.literal("download"),
    url: DownloadUrl,
    checksum: t.union([Checksum, t.null]),
    path: AbsPath,
    /** A record file written after the download lands, holding the url (so a new url is a change). */
    record: AbsPath,
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
    archive: AbsPath,
    dest: AbsPath,
    members: t.union([t.array(RelPath), t.null]),
    strip: Count,
    manifest: AbsPath,
    /** One line of the manifest: a url or a digest, or "" for the archive's own digest. */
    source: OneLine,
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
    { unit: UnitName },
  ),
  t.type({ op: t.literal("sysctl"), key: SysctlKey, value: PlainText }),
  t.type({ op: t.literal("modprobe"), name: KmodName }),
  opt({ op: t.literal("groupadd"), name: AccountName }, { gid: Count, system: t.boolean }),
  t.type({ op: t.literal("groupmod"), name: AccountName, gid: Count }),
  opt(
    { op: t.union([t.literal("useradd"), t.literal("usermod")]), name: AccountName },
    {
      uid: Count,
      group: AccountName,
      groups: t.array(AccountName),
      shell: AbsPath,
      home: AbsPath,
      system: t.boolean,
    },
  ),
  t.type({ op: t.literal("packages"), manager: PackageManagerC, install: t.array(PackageName) }),
  t.type({ op: t.literal("swapoff") }),
  t.type({ op: t.literal("exec"), argv: ExecArgv }),
  /**
   * Keeps each path as it is now under `dir` (a copy, or a note that it did
   * not exist), unless this dir already keeps it: a re-run after a kill
   * never keeps the half-changed state.
   */
  t.type({ op: t.literal("keep"), dir: RollbackDir, paths: t.array(AbsPath) }),
  /** Puts every path kept under `dir` back (atomically per path), or removes it when it did not exist. */
  t.type({ op: t.literal("restore"), dir: RollbackDir }),
  /**
   * Write-ahead intents (the record at PENDING_RESTARTS_PATH): `add` records
   * restarts of `restart` units and, with `reload`, a daemon-reload as due
   * before the ops that make them due, stamped with the host's UTC time and
   * `at` (the action about to run); `remove` clears them once they ran. The
   * record is replaced atomically and synced, so a kill leaves the old or the
   * new record, never a torn one.
   */
  // Refined here, not in each target, so ShellTarget and SimHost refuse an empty intent alike.
  t.refinement(
    t.intersection([
      t.type({
        op: t.literal("intent"),
        action: t.union([t.literal("add"), t.literal("remove")]),
        restart: t.array(UnitName),
        reload: t.boolean,
      }),
      /** `rollback`: a rollback from this dir is due (an entry `rollback <dir>`). */
      t.partial({ at: IntentAt, rollback: RollbackDir }),
    ]),
    (op) => op.restart.length > 0 || op.reload || op.rollback !== undefined,
    "an intent op with an entry (restart, reload or rollback)",
  ),
]);
export type Op = t.TypeOf<typeof Op>;

export type OpName = Op["op"];

/** The `op` literals a member codec accepts (through intersections, exact and refined wrappers). */
const opLiterals = (c: t.Mixed): string[] => {
  if (c instanceof t.LiteralType) return [String(c.value)];
  if (c instanceof t.UnionType || c instanceof t.IntersectionType)
    return (c.types as t.Mixed[]).flatMap(opLiterals);
  if (c instanceof t.InterfaceType || c instanceof t.PartialType) {
    const op = (c.props as Record<string, t.Mixed>).op;
    return op ? opLiterals(op) : [];
  }
  if (c instanceof t.ExactType || c instanceof t.RefinementType || c instanceof t.ReadonlyType)
    return opLiterals(c.type);
  return [];
};

const OP_NAMES: readonly string[] = [...new Set(Op.types.flatMap((m) => opLiterals(m)))];

/**
 * Why `u` is not a valid op, one message per bad field ("mode: expected a
 * file mode 0..0o7777, got 99999"), or [] when it is one. Only the member
 * its `op` names is reported, not every member of the union.
 */
export const opProblems = (u: unknown): string[] => {
  const r = Op.decode(u);
  if (E.isRight(r)) return [];
  const name = typeof u === "object" && u !== null ? (u as { op?: unknown }).op : undefined;
  if (typeof name !== "string" || !OP_NAMES.includes(name))
    return [`op: expected a known op (${OP_NAMES.join(", ")}), got ${shown(name)}`];
  // The member whose `op` literal matched is the one without an error at "op".
  const byMember = new Map<t.Decoder<unknown, unknown>, t.ValidationError[]>();
  for (const e of r.left) {
    const member = e.context[1]?.type ?? Op;
    byMember.set(member, [...(byMember.get(member) ?? []), e]);
  }
  const mine = [...byMember.values()].find((es) => es.every((e) => pathOf(e.context) !== "op")) ?? r.left;
  return [
    ...new Set(
      mine.map(
        (e) =>
          `${pathOf(e.context) || "(op)"}: ${e.message ?? `expected ${e.context[e.context.length - 1]?.type.name}`}, got ${shown(e.value)}`,
      ),
    ),
  ];
};

/** The first invalid op of a batch: its index and why, or undefined when all are valid. */
export const invalidOp = (ops: readonly unknown[]): { index: number; message: string } | undefined => {
  for (const [index, op] of ops.entries()) {
    const problems = opProblems(op);
    if (problems.length > 0) return { index, message: problems.join("; ") };
  }
  return undefined;
};

/**
 * The error both targets return for a batch holding an invalid op, before
 * any op of it runs: OpFailed naming the op's index, exit code -1 (no
 * process ran), and why in `stderr`.
 */
export const refuseInvalid = (
  host: string,
  ops: readonly unknown[],
):
  | { _tag: "OpFailed"; host: string; index: number; op: Op; exitCode: number; stderr: string }
  | undefined => {
  const bad = invalidOp(ops);
  if (bad === undefined) return undefined;
  return {
    _tag: "OpFailed",
    host,
    index: bad.index,
    op: ops[bad.index] as Op,
    exitCode: -1,
    stderr: `refused: op ${bad.index} is invalid: ${bad.message}; no op of this batch ran`,
  };
};

/** The entries of an intent op as the record spells them: `restart <unit>` and `daemon-reload`. */
export const intentEntries = (op: Extract<Op, { op: "intent" }>): string[] => [
  ...op.restart.map((u) => `restart ${u}`),
  ...(op.reload ? ["daemon-reload"] : []),
  ...(op.rollback ? [`rollback ${op.rollback}`] : []),
];

/** One line that names an op for humans and error messages; an invalid op is shown as its JSON. */
export const describeOp = (op: Op): string => (Op.is(op) ? describeValid(op) : `invalid op ${shown(op)}`);

const describeValid = (op: Op): string => {
  switch (op.op) {
    case "mkdir":
      return `mkdir ${op.path}${op.skel !== undefined ? ` (from ${op.skel})` : ""}`;
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
    case "keep":
      return `keep ${op.paths.length} path(s) in ${op.dir}`;
    case "restore":
      return `restore from ${op.dir}`;
    case "intent":
      return `intent ${op.action} ${intentEntries(op).join(", ")}${op.at ? ` (at ${op.at})` : ""}`;
  }
};
