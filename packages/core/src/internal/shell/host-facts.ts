/**
 * Host facts: one fixed script, one exec, one frame of `key value` lines,
 * parsed here and decoded with the HostFacts codec.
 */
import * as E from "fp-ts/lib/Either.js";
import { HostFacts } from "../facts.js";
import { decodeWith } from "./decode.js";
import { base64Text, type FrameBody, field, fields, sh } from "./frame.js";
import { swapDevices } from "./probe-parse.js";

/**
 * Prints the raw material of HostFacts; parsing happens in TypeScript where
 * it can be tested against captured output. Every command may be missing on
 * a minimal host, so each one's failure just leaves its line empty.
 */
export const HOST_FACTS_SCRIPT = sh`
printf '%s begin 0\n' "$B"
printf 'hostname %s\n' "$(uname -n)"
printf 'osrelease '; { cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null; } | base64 -w0; echo
printf 'kernel %s\n' "$(uname -r)"
printf 'arch %s\n' "$(uname -m)"
printf 'addr '; ip -o -4 addr show 2>/dev/null | base64 -w0; echo
printf 'link '; ip -o link show 2>/dev/null | base64 -w0; echo
printf 'swaps '; base64 -w0 < /proc/swaps 2>/dev/null; echo
if [ -d /run/systemd/system ]; then echo 'systemd 1'; else echo 'systemd 0'; fi
printf 'pid1 %s\n' "$(cat /proc/1/comm 2>/dev/null)"
for d in curl wget; do if command -v "$d" >/dev/null 2>&1; then printf 'downloader %s\n' "$d"; fi; done
if command -v apt-get >/dev/null 2>&1; then echo 'pm apt'; elif command -v dnf >/dev/null 2>&1; then echo 'pm dnf'; else echo 'pm'; fi
printf 'user %s\n' "$(id -un)"
printf '\n%s end 0\n' "$B"
`;

/**
 * Parses os-release (KEY=value, value optionally quoted; in double quotes a
 * backslash escapes the next character) into a map.
 */
export const parseOsRelease = (text: string): Map<string, string> => {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m?.[1] || m[2] === undefined) continue;
    let v = m[2];
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\(.)/g, "$1");
    else if (v.startsWith("'") && v.endsWith("'") && v.length >= 2) v = v.slice(1, -1);
    out.set(m[1], v);
  }
  return out;
};

const DEBIAN = new Set(["debian", "ubuntu"]);
const REDHAT = new Set(["rhel", "fedora", "centos", "rocky", "almalinux", "ol", "amzn"]);

/** "debian" | "redhat" | "other" from ID, then from the words of ID_LIKE. */
export const osFamily = (id: string, idLike: string): string => {
  for (const word of [id, ...idLike.split(/\s+/)]) {
    if (DEBIAN.has(word)) return "debian";
    if (REDHAT.has(word)) return "redhat";
  }
  return "other";
};

/** Interface name from an `ip -o` line: `2: eth0@if5: …` or `2: eth0    inet …`. */
const ifaceName = (l: string): string | undefined => l.split(/\s+/)[1]?.replace(/:$/, "").replace(/@.*$/, "");

/**
 * Interfaces in `ip -o link` order, each with the IPv4 addresses (without
 * prefix length) of `ip -o -4 addr show`; an interface seen only in the
 * address list is appended.
 */
export const parseInterfaces = (link: string, addr: string): { name: string; ipv4: string[] }[] => {
  const out = new Map<string, string[]>();
  for (const l of link.split("\n")) {
    const name = ifaceName(l);
    if (name) out.set(name, out.get(name) ?? []);
  }
  for (const l of addr.split("\n")) {
    const name = ifaceName(l);
    const ip = /\binet ([0-9.]+)/.exec(l)?.[1];
    if (!name || !ip) continue;
    out.set(name, [...(out.get(name) ?? []), ip]);
  }
  return [...out].map(([name, ipv4]) => ({ name, ipv4 }));
};

/** HostFacts from the script's frame, decoded with the io-ts codec; Left names what is wrong. */
export const parseHostFacts = (body: FrameBody): E.Either<string, HostFacts> => {
  const missing = ["hostname", "kernel", "arch", "user"].filter((k) => !field(body, k));
  if (missing.length > 0) return E.left(`no value for ${missing.join(", ")}`);
  const os = parseOsRelease(base64Text(field(body, "osrelease") ?? ""));
  const pid1 = field(body, "pid1") ?? "";
  const pm = field(body, "pm") ?? "";
  const raw: unknown = {
    hostname: field(body, "hostname"),
    os: {
      family: osFamily(os.get("ID") ?? "", os.get("ID_LIKE") ?? ""),
      id: os.get("ID") ?? "",
      versionId: os.get("VERSION_ID") ?? "",
      prettyName: os.get("PRETTY_NAME") ?? "",
    },
    kernel: field(body, "kernel"),
    arch: field(body, "arch"),
    interfaces: parseInterfaces(base64Text(field(body, "link") ?? ""), base64Text(field(body, "addr") ?? "")),
    swap: swapDevices(base64Text(field(body, "swaps") ?? "")),
    init: field(body, "systemd") === "1" || pid1 === "systemd" ? "systemd" : pid1 || "unknown",
    downloaders: fields(body, "downloader"),
    packageManager: pm === "" ? null : pm,
    user: field(body, "user"),
  };
  return decodeWith(HostFacts, raw);
};
