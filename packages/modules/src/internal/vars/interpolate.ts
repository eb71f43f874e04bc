/**
 * `{{ }}` interpolation over a host's merged variables, the way Ansible
 * templates them, limited to what the seed needs: `{{ name }}` (recursively,
 * cycles are errors) and, natively, the seed defaults' own two expressions
 * (the host's interface address and `'~/…' | expanduser`), which become
 * deferred markers (see deferred.ts). Anything else is an error naming the
 * variable and its origin, never a silently wrong string.
 */
import type { VarError } from "../errors.js";
import { HOME_MARKER, hostIpMarker, MARK } from "./deferred.js";
import { suggest } from "./suggest.js";

/** The merged variables of one host and where each came from. */
export interface MergedVars {
  readonly host: string;
  /** The winning value of `name`, or undefined when no layer sets it. */
  lookup(name: string): { readonly value: unknown; readonly origin: string } | undefined;
  /** Every name set (for suggestions; only asked on an error). */
  names(): Iterable<string>;
}

/** What resolving one variable gave: its value, or failure (its errors recorded once). */
export type Result = { readonly ok: true; readonly value: unknown } | { readonly ok: false };
const fail: Result = { ok: false };

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TEMPLATE_RE = /\{\{(.*?)\}\}/gs;
const EXPANDUSER_RE = /^(['"])(.*)\1\s*\|\s*expanduser$/s;
// The seed's `hostvars[inventory_hostname]['ansible_' + k8s_interface].ipv4.address`, spaces removed.
const HOSTVARS_IP_RE =
  /^hostvars\[inventory_hostname\]\[(['"])ansible_\1\+k8s_interface\](?:\.ipv4\.address|\[(['"])ipv4\2\]\[(['"])address\3\])$/;
const FACT_IP_RE = /^ansible_([A-Za-z0-9_]+)\.ipv4\.address$/;
// The current roles' `hostvars[inventory_hostname]['ansible_facts'][k8s_interface]['ipv4']['address']`.
const FACTS_IP_RE =
  /^hostvars\[inventory_hostname\]\[(['"])ansible_facts\1\]\[k8s_interface\](?:\.ipv4\.address|\[(['"])ipv4\2\]\[(['"])address\3\])$/;

/**
 * Interpolates variables on demand. `resolve(name)` returns the variable's
 * value with every template replaced, or undefined after recording errors.
 * Each variable is resolved (and its errors reported) once.
 */
export class Interpolator {
  private readonly memo = new Map<string, Result>();
  /** Variables whose value depends on the host (they use inventory_hostname, directly or not). */
  private readonly dependent = new Set<string>();
  /** Whether the variable being resolved has used the host so far. */
  private usedHost = false;
  readonly errors: VarError[] = [];

  /**
   * `shared`: values resolved for other hosts with the very same layers. A
   * variable that resolved without error and without using the host's name
   * is the same for every such host: it is taken from there, or put there.
   * Failures are never shared, so each host records its own errors.
   */
  constructor(
    private readonly vars: MergedVars,
    private readonly shared?: Map<string, Result>,
  ) {}

  /** The interpolated value of `name`; `{ ok: false }` when it failed (errors recorded). */
  resolve(name: string): Result {
    return this.resolveVar(name, []);
  }

  private origin(name: string): string {
    return this.vars.lookup(name)?.origin ?? "(unknown origin)";
  }

  private resolveVar(name: string, stack: readonly string[]): Result {
    const done = this.memo.get(name);
    if (done) {
      if (this.dependent.has(name)) this.usedHost = true;
      return done;
    }
    const common = this.shared?.get(name);
    if (common) {
      this.memo.set(name, common);
      return common;
    }
    const outer = this.usedHost;
    this.usedHost = false;
    const raw = this.vars.lookup(name)?.value;
    const result = this.walk(raw, name, [...stack, name]);
    this.memo.set(name, result);
    if (this.usedHost) this.dependent.add(name);
    else if (result.ok) this.shared?.set(name, result);
    this.usedHost ||= outer;
    return result;
  }

  /**
   * A value with no template in it comes back as it is (shared, not copied):
   * a fleet's hosts resolve the same group and default values, and sharing
   * them lets later walks (bindDeferred's) skip what they already found
   * clean. A copy starts only at the first element that changed. Variables
   * are data nobody changes once loaded.
   */
  private walk(v: unknown, variable: string, stack: readonly string[]): Result {
    if (typeof v === "string") return this.template(v, variable, stack);
    if (Array.isArray(v)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const r = this.walk(v[i], variable, stack);
        if (!r.ok) return fail;
        if (out === undefined && r.value !== v[i]) out = v.slice(0, i);
        out?.push(r.value);
      }
      return { ok: true, value: out ?? v };
    }
    if (v !== null && typeof v === "object") {
      const entries = Object.entries(v);
      // Only a plain object can stand for its copy: anything else (a null prototype, an own
      // `__proto__` key, which assigning below turns into a prototype) is copied as always.
      const plain = Object.getPrototypeOf(v) === Object.prototype && !Object.hasOwn(v, "__proto__");
      let out: Record<string, unknown> | undefined = plain ? undefined : {};
      for (let i = 0; i < entries.length; i++) {
        const [k, x] = entries[i]!;
        const r = this.walk(x, variable, stack);
        if (!r.ok) return fail;
        if (out === undefined && r.value !== x) {
          out = {};
          for (let j = 0; j < i; j++) out[entries[j]![0]] = entries[j]![1];
        }
        if (out !== undefined) out[k] = r.value;
      }
      return { ok: true, value: out ?? v };
    }
    return { ok: true, value: v };
  }

  private template(s: string, variable: string, stack: readonly string[]): Result {
    // Most values hold no template at all: without a "{" (and the reserved mark) nothing below
    // can match, and a fleet's validation runs this for every string of every host.
    if (!s.includes("{") && !s.includes(MARK)) return { ok: true, value: s };
    const base = { variable, origin: this.origin(variable), host: this.vars.host };
    if (s.includes(MARK)) {
      this.errors.push({
        _tag: "BadValue",
        ...base,
        expected: "a string without U+E000 (reserved)",
        actual: s,
      });
      return fail;
    }
    const block = /\{%.*?%\}/s.exec(s);
    if (block) {
      this.errors.push({ _tag: "UnsupportedExpression", ...base, expression: block[0] });
      return fail;
    }
    const matches = [...s.matchAll(TEMPLATE_RE)];
    // Ansible fails on an unterminated "{{"; so do we, rather than keep it as text.
    const rest = s.replace(TEMPLATE_RE, "");
    if (rest.includes("{{")) {
      this.errors.push({
        _tag: "UnsupportedExpression",
        ...base,
        expression: rest.slice(rest.indexOf("{{")),
      });
      return fail;
    }
    if (matches.length === 0) return { ok: true, value: s };
    // A string that is exactly one reference keeps the referenced value's type,
    // as Ansible does for "{{ some_list }}".
    const only = matches[0];
    if (matches.length === 1 && only && only[0] === s) {
      return this.expression((only[1] ?? "").trim(), variable, stack);
    }
    let out = "";
    let last = 0;
    for (const m of matches) {
      const r = this.expression((m[1] ?? "").trim(), variable, stack);
      if (!r.ok) return fail;
      if (typeof r.value === "object" || r.value === undefined) {
        this.errors.push({
          _tag: "BadValue",
          ...base,
          expected: `{{ ${(m[1] ?? "").trim()} }} to be a string, number or boolean inside a longer string`,
          actual: r.value ?? null,
        });
        return fail;
      }
      out += s.slice(last, m.index) + String(r.value);
      last = (m.index ?? 0) + m[0].length;
    }
    return { ok: true, value: out + s.slice(last) };
  }

  private expression(expr: string, variable: string, stack: readonly string[]): Result {
    const base = { variable, origin: this.origin(variable), host: this.vars.host };
    if (NAME_RE.test(expr)) return this.reference(expr, variable, stack);
    const home = EXPANDUSER_RE.exec(expr);
    if (home) {
      const path = home[2] ?? "";
      if (path === "~" || path.startsWith("~/")) return { ok: true, value: HOME_MARKER + path.slice(1) };
      // '~other/x' names another user's home, which we cannot know.
      if (!path.startsWith("~")) return { ok: true, value: path };
    }
    const compact = expr.replace(/\s+/g, "");
    if (HOSTVARS_IP_RE.test(compact) || FACTS_IP_RE.test(compact)) {
      const iface = this.reference("k8s_interface", variable, stack);
      if (!iface.ok) return fail;
      if (typeof iface.value !== "string" || iface.value === "") {
        this.errors.push({
          _tag: "BadValue",
          ...base,
          variable: "k8s_interface",
          origin: this.origin("k8s_interface"),
          expected: "an interface name",
          actual: iface.value,
        });
        return fail;
      }
      return { ok: true, value: hostIpMarker(iface.value) };
    }
    const fact = FACT_IP_RE.exec(compact);
    if (fact?.[1]) return { ok: true, value: hostIpMarker(fact[1]) };
    this.errors.push({ _tag: "UnsupportedExpression", ...base, expression: expr });
    return fail;
  }

  private reference(name: string, variable: string, stack: readonly string[]): Result {
    if (name === "inventory_hostname") {
      this.usedHost = true;
      return { ok: true, value: this.vars.host };
    }
    const at = stack.indexOf(name);
    if (at >= 0) {
      this.errors.push({
        _tag: "InterpolationCycle",
        variable,
        origin: this.origin(variable),
        host: this.vars.host,
        cycle: [...stack.slice(at), name],
      });
      return fail;
    }
    if (this.vars.lookup(name) === undefined) {
      this.errors.push({
        _tag: "UndefinedReference",
        variable,
        origin: this.origin(variable),
        host: this.vars.host,
        reference: name,
        suggestion: suggest(name, this.vars.names()),
      });
      return fail;
    }
    return this.resolveVar(name, stack);
  }
}
