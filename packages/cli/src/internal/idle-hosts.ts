/**
 * Why a host got nothing to do. The modules declare resources per inventory
 * group, so a host in none of their groups (`tend plan --local` without an
 * inventory, a typo in a group name) is declared nothing and its plan says
 * "no changes", which reads like success. This says what happened and how to
 * give such a host a group.
 */

/** What the hint needs from a planned run and the command line. */
export interface IdleInput {
  /** Planned hosts, in inventory order, each with the resources declared for it (undefined: not planned). */
  readonly hosts: readonly { readonly host: string; readonly declared: number | undefined }[];
  /** Every group of each host (parents and `all` included). */
  readonly groups: ReadonlyMap<string, readonly string[]>;
  /** The groups the modules apply to, when they say. */
  readonly moduleGroups: readonly string[] | undefined;
  /** The inventory file given with -i, if any. */
  readonly inventory: string | undefined;
}

const SHOWN = 5;

const names = (hosts: readonly string[]): string =>
  hosts.slice(0, SHOWN).join(", ") + (hosts.length > SHOWN ? ` and ${hosts.length - SHOWN} more` : "");

const orList = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;

/** Without an inventory: an INI inventory that puts this machine in a group, and the command to plan with it. */
const firstInventory = (host: string, group: string): string[] => [
  `To plan this machine as a ${group} host, give it a group in an inventory, e.g. a file hosts.ini with the lines`,
  `  [${group}]`,
  `  ${host} ansible_connection=local`,
  "(and the group's variables, which `tend validate -i hosts.ini` checks), then run: tend plan -i hosts.ini",
];

/**
 * Lines explaining the hosts that were planned and declared nothing, or ""
 * when there are none (or the modules do not say which groups they serve).
 */
export const renderIdleHosts = (input: IdleInput): string => {
  const served = input.moduleGroups;
  if (served === undefined || served.length === 0) return "";
  const idle = input.hosts.filter(
    (h) => h.declared === 0 && !(input.groups.get(h.host) ?? []).some((g) => served.includes(g)),
  );
  if (idle.length === 0) return "";
  const hosts = idle.map((h) => h.host);
  const own = [
    ...new Set(
      hosts.flatMap((h) => (input.groups.get(h) ?? []).filter((g) => g !== "all" && g !== "ungrouped")),
    ),
  ];
  const whose = hosts.length === 1 ? "its" : "their";
  const where =
    own.length === 0
      ? `${hosts.length === 1 ? "it is" : "they are"} in no inventory group`
      : own.length === 1
        ? `${whose} group ${own[0]} is not one of them`
        : `${whose} groups (${own.join(", ")}) are none of them`;
  const lines = [
    `Nothing is declared for ${names(hosts)}: each module applies to the hosts of its inventory groups (${served.join(", ")}), and ${where}.`,
  ];
  const worker = served.includes("k8s_worker") ? "k8s_worker" : (served.at(-1) as string);
  if (input.inventory === undefined) lines.push(...firstInventory(hosts[0] as string, worker));
  else
    lines.push(
      `Put ${hosts.length === 1 ? "it" : "them"} in ${orList(served)} in ${input.inventory} (e.g. under ${worker}: hosts:, or below [${worker}] in an INI inventory).`,
    );
  return `${lines.join("\n")}\n`;
};

/** The hint for a planned run (planRun's result) of these options. */
export const idleHint = (
  run: {
    readonly plan: { readonly hosts: readonly { readonly host: string }[] };
    readonly resources: ReadonlyMap<string, readonly unknown[]>;
    readonly groups: ReadonlyMap<string, readonly string[]>;
  },
  moduleGroups: readonly string[] | undefined,
  inventory: string | undefined,
): string =>
  renderIdleHosts({
    hosts: run.plan.hosts.map((h) => ({ host: h.host, declared: run.resources.get(h.host)?.length })),
    groups: run.groups,
    moduleGroups,
    inventory,
  });
