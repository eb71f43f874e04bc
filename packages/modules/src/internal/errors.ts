/**
 * Errors of the modules layer, as tagged unions: variable errors (found while
 * resolving a host's variables) and module errors (found while declaring a
 * host's resources). Each case carries what a reader needs to fix it; the
 * `describe*` functions turn them into one line for humans.
 */

/** A variable could not be resolved or decoded for a host. */
export type VarError =
  | {
      readonly _tag: "BadValue";
      readonly variable: string;
      readonly origin: string;
      readonly host: string;
      /** What was expected, in words ("an integer"). */
      readonly expected: string;
      readonly actual: unknown;
      /** What is wrong with the value, when more can be said ("63 hex digits, not 64"). */
      readonly why?: string;
    }
  | {
      readonly _tag: "UnknownVariable";
      readonly variable: string;
      readonly origin: string;
      readonly host: string;
      readonly suggestion: string | undefined;
    }
  | {
      readonly _tag: "UnsupportedExpression";
      readonly variable: string;
      readonly origin: string;
      readonly host: string;
      readonly expression: string;
    }
  | {
      readonly _tag: "UndefinedReference";
      readonly variable: string;
      readonly origin: string;
      readonly host: string;
      readonly reference: string;
      readonly suggestion: string | undefined;
    }
  | {
      readonly _tag: "InterpolationCycle";
      readonly variable: string;
      readonly origin: string;
      readonly host: string;
      /** The variables on the cycle, starting and ending with the same name. */
      readonly cycle: readonly string[];
    }
  | {
      /** A setting the chosen release (of Kubernetes or containerd) refuses; see vars/flags.ts. */
      readonly _tag: "UnsupportedSetting";
      readonly variable: string;
      readonly origin: string;
      readonly host: string;
      /** What replaces it, naming the flag and the release. */
      readonly message: string;
    }
  | {
      /** The inventory names variables of both role generations. */
      readonly _tag: "MixedGenerations";
      readonly variable: string;
      readonly origin: string;
      readonly host: string;
      /** A variable of the other generation and where it was set. */
      readonly other: string;
      readonly otherOrigin: string;
    };

/** What `{{ }}` may contain; quoted in every UnsupportedExpression message. */
export const SUPPORTED_EXPRESSIONS =
  "supported inside {{ }}: a variable name ({{ k8s_conf_dir }}), " +
  "'<path>' | expanduser (the controller's home), " +
  "hostvars[inventory_hostname]['ansible_' + k8s_interface].ipv4.address and ansible_<iface>.ipv4.address (the host's address)";

/** A value as JSON, cut short: a 20 MB value must not become a 20 MB message. */
const show = (v: unknown): string => {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    s = undefined;
  }
  const text = s === undefined ? typeof v : s;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

/** What is wrong and what was expected, without saying where (the CLI places it by file, line and host). */
export const varErrorMessage = (e: VarError): string => {
  switch (e._tag) {
    case "BadValue":
      return `expected ${e.expected}, got ${show(e.actual)}${e.why ? `: ${e.why}` : ""}`;
    case "UnknownVariable":
      return `unknown variable${e.suggestion ? ` (did you mean ${e.suggestion}?)` : ""}`;
    case "UnsupportedExpression":
      return `unsupported expression {{ ${e.expression} }}; ${SUPPORTED_EXPRESSIONS}`;
    case "UndefinedReference":
      return `{{ ${e.reference} }} names a variable that is not defined${
        e.suggestion ? ` (did you mean ${e.suggestion}?)` : ""
      }`;
    case "InterpolationCycle":
      return `interpolation cycle ${e.cycle.join(" -> ")}`;
    case "UnsupportedSetting":
      return e.message;
    case "MixedGenerations":
      return `a variable of the seed's roles, but ${e.other} in ${e.otherOrigin} is one of the current roles'; use one generation's names, or set tend_worker_generation`;
  }
};

/** One line naming the variable, where it was set, the host, and what is wrong. */
export const describeVarError = (e: VarError): string =>
  `${e.variable} in ${e.origin} for host ${e.host}: ${varErrorMessage(e)}`;

/** A host's resources could not be declared. */
export type ModuleError =
  | {
      readonly _tag: "MissingHostFacts";
      readonly host: string;
      readonly neededBy: string;
      readonly why: string;
    }
  | {
      readonly _tag: "MissingInterfaceAddress";
      readonly host: string;
      readonly interface: string;
      readonly neededBy: string;
    }
  | { readonly _tag: "NoEtcdHosts"; readonly host: string }
  | {
      readonly _tag: "MissingChecksum";
      readonly host: string;
      readonly artifact: string;
      readonly url: string;
    }
  | { readonly _tag: "UnsupportedOsFamily"; readonly host: string; readonly family: string }
  | { readonly _tag: "InvalidHostName"; readonly host: string; readonly reason: string }
  | {
      /** A variable without a default that this host needs. */
      readonly _tag: "MissingVariable";
      readonly host: string;
      readonly variable: string;
      readonly why: string;
    }
  | {
      readonly _tag: "ConflictingResource";
      readonly host: string;
      readonly id: string;
      readonly origins: readonly string[];
    };

/** One line naming the host and what is missing or inconsistent. */
export const describeModuleError = (e: ModuleError): string => {
  switch (e._tag) {
    case "MissingHostFacts":
      return `host ${e.host}: no facts gathered, but ${e.neededBy} needs them (${e.why})`;
    case "MissingInterfaceAddress":
      return e.host === e.neededBy
        ? `host ${e.host}: interface ${e.interface} has no IPv4 address (k8s_interface)`
        : `host ${e.host}: interface ${e.interface} has no IPv4 address, needed by ${e.neededBy} (etcd endpoints)`;
    case "NoEtcdHosts":
      return `host ${e.host}: the inventory has no host in group k8s_etcd, so flanneld has no etcd endpoints`;
    case "MissingChecksum":
      return `host ${e.host}: no checksum for ${e.artifact} (${e.url}); fetch ${e.url}.sha256 or set k8s_worker_binary_checksums`;
    case "UnsupportedOsFamily":
      return `host ${e.host}: OS family "${e.family}" has no package list (supported: debian, redhat)`;
    case "MissingVariable":
      return `host ${e.host}: ${e.variable} is not set; ${e.why}`;
    case "InvalidHostName":
      return `host ${JSON.stringify(e.host)}: cannot be used in file names: ${e.reason}`;
    case "ConflictingResource":
      return `host ${e.host}: ${e.id} is declared differently by ${e.origins.join(" and ")}`;
  }
};
