/**
 * The container engine's own record of the container's addresses, which it
 * uses at restore. Podman gives the restored container the addresses of
 * network.status (libpod, restore: each network's Subnets[].IPNet.IP become
 * its static IPs) and creates it from config.dump, whose
 * newNetworks.*.static_ips must lie in the new network. CRI-O leaves
 * network.status out when it imports an archive (server/container_restore.go)
 * and containerd writes none: both restore into a pod sandbox whose address
 * the CNI gives, so they have nothing to rewrite.
 *
 * Address rules change these values in place; every other byte of the
 * files stays as it was (jsonStrings/replaceJsonStrings).
 */
import { METADATA_LIMIT } from "../archive/index.js";
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { displayAddress, formatAddress, parseAddress, sameAddress } from "../image/address.js";
import { type JsonPath, jsonStrings, pathMatches, pathText, replaceJsonStrings } from "../json/text-edit.js";
import type { Compiled } from "./plan.js";

/** One address of the engine's metadata that a rewrite changes. */
export interface MetadataChange {
  /** The metadata file, by its path beside the images (network.status, config.dump). */
  file: string;
  /** Where in it, as a JSON path (`podman.interfaces.eth0.subnets[0].ipnet`). */
  path: string;
  /** The value as written before and after (`10.88.0.10/16` → `10.89.0.10/16`). */
  from: string;
  to: string;
  /** The rule that changed it, as the user wrote it. */
  rules: string[];
}

/** Where an engine keeps an address it uses at restore; `prefixed` values are `ADDRESS/PREFIX`. */
const SITES: readonly { file: string; pattern: JsonPath; prefixed: boolean }[] = [
  { file: "network.status", pattern: ["*", "interfaces", "*", "subnets", "*", "ipnet"], prefixed: true },
  { file: "config.dump", pattern: ["newNetworks", "*", "static_ips", "*"], prefixed: false },
];

/** What the engine's metadata says and becomes under the rules. */
export interface MetadataRewrite {
  changed: Map<string, Uint8Array>;
  changes: MetadataChange[];
  /** Addresses the rules leave as they are, and files that could not be read. */
  warnings: string[];
  /** Whether the checkpoint has any file of SITES (Podman's metadata). */
  present: boolean;
}

/** Applies the address rules to the engine's metadata; marks each rule that matched as used. */
export function rewriteEngineAddresses(cp: Checkpoint, rules: Compiled[]): MetadataRewrite {
  const out: MetadataRewrite = { changed: new Map(), changes: [], warnings: [], present: false };
  for (const site of SITES) {
    const f = cp.source.companions.get(site.file);
    if (!f) continue;
    out.present = true;
    if (f.size > METADATA_LIMIT) {
      out.warnings.push(`${site.file} is over the ${METADATA_LIMIT >> 20} MiB limit for metadata: not rewritten`);
      continue;
    }
    let text: string;
    let found: ReturnType<typeof jsonStrings>;
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(f.bytes());
      found = jsonStrings(text, (p) => pathMatches(p, site.pattern));
    } catch {
      out.warnings.push(`${site.file} is not UTF-8 JSON: its addresses were not rewritten`);
      continue;
    }
    const edits: { start: number; end: number; value: string }[] = [];
    for (const s of found) {
      const slash = site.prefixed ? s.value.indexOf("/") : -1;
      const ip = slash < 0 ? s.value : s.value.slice(0, slash);
      const bytes = parseAddress(ip);
      if (!bytes) continue;
      const addr = rules.find((r) => r.rule.kind === "address" && sameAddress(r.from, bytes));
      if (!addr) {
        const one = rules.find((r) => r.rule.kind === "endpoint" && sameAddress(r.from, bytes));
        if (one)
          out.warnings.push(
            `${site.file} gives the container ${displayAddress(bytes)}, which ${one.text} moves for one port only; the engine restores the container with ${displayAddress(bytes)} (move the container with --addr)`,
          );
        continue;
      }
      if (addr.to.length !== bytes.length) {
        out.warnings.push(
          `${site.file} ${pathText(s.path)}: ${addr.text} changes the address family; the engine's ${s.value} was left as it is`,
        );
        continue;
      }
      addr.used = true;
      const to = `${formatAddress(addr.to)}${slash < 0 ? "" : s.value.slice(slash)}`;
      edits.push({ start: s.start, end: s.end, value: to });
      out.changes.push({ file: site.file, path: pathText(s.path), from: s.value, to, rules: [addr.text] });
    }
    if (edits.length > 0) out.changed.set(site.file, new TextEncoder().encode(replaceJsonStrings(text, edits)));
  }
  return out;
}
