/**
 * (criu).ipadd fields: repeated uint32 words holding the kernel's
 * network-order address bytes (so on little-endian hosts each word's bytes,
 * low first, are the address bytes). crit shows one word as IPv4 and four
 * as IPv6, formatted as Python's ipaddress module does.
 */
import { bytesToWords, wordsToBytes } from "../image/address.js";

export { bytesToWords, wordsToBytes };

/** Address bytes of the words, as they sit in memory on a little-endian host. */

/** Python's IPv4Address / IPv6Address .compressed of 4 or 16 address bytes. */
export function formatAddress(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] as number) << 8) | (b[i + 1] as number));
  // The longest run of zero groups (two or more, the first on a tie) becomes "::".
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(":");
  const head = hex.slice(0, best).join(":");
  const tail = hex.slice(best + bestLen).join(":");
  return `${head}::${tail}`;
}

/**
 * Parses a dotted IPv4 address or an IPv6 address (any textual form, with
 * or without the brackets of "[::1]:80" style) into 4 or 16 bytes; undefined
 * for anything else. The one address parser of the library: crit JSON,
 * rewrite rules and the CLI all use it.
 */
export function parseAddress(input: string): Uint8Array | undefined {
  const s = input.startsWith("[") && input.endsWith("]") && input.includes(":") ? input.slice(1, -1) : input;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    // As Python's ipaddress (and so crit): no octet over 255, no leading zero (010 could be read as octal).
    if (v4.slice(1).some((p) => p.length > 1 && p.startsWith("0"))) return undefined;
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return Uint8Array.from(parts);
  }
  if (!s.includes(":")) return undefined;
  let text = s;
  // A trailing dotted quad (::ffff:1.2.3.4) stands for the last two groups.
  const tailV4 = /^(.*:)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(text);
  let tailBytes: Uint8Array | undefined;
  if (tailV4) {
    tailBytes = parseAddress(tailV4[2] as string);
    if (!tailBytes) return undefined;
    text = `${tailV4[1]}0:0`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const split = (h: string) => (h === "" ? [] : h.split(":"));
  const head = split(halves[0] as string);
  const tail = halves.length === 2 ? split(halves[1] as string) : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  const groups = [...head, ...Array(halves.length === 2 ? fill : 0).fill("0"), ...tail];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = groups[i] as string;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const v = Number.parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  }
  if (tailBytes) out.set(tailBytes, 12);
  return out;
}
