/**
 * The library's one address module: socket addresses as CRIU stores them,
 * parsed and printed.
 *
 * CRIU stores an address as `repeated uint32` words holding the kernel's
 * network-order bytes, so on the little-endian hosts CRIU runs on, each
 * word's bytes, low first, are the address bytes (one word for AF_INET,
 * four for AF_INET6).
 *
 * Two text forms, one function each:
 * - `formatAddress`: Python's `ipaddress` (what crit writes into its JSON):
 *   dotted IPv4, and IPv6 per RFC 5952 (lower case, no leading zeros, the
 *   longest run of two or more zero groups as "::", the first on a tie),
 *   v4-mapped addresses included (`::ffff:7f00:1`). Every address in the
 *   library's data and JSON is in this form.
 * - `displayAddress` / `displayEndpoint`: what people read (tables, reports,
 *   warnings, errors): the same, except that a v4-mapped address shows its
 *   IPv4 part dotted (`::ffff:127.0.0.1`, as ss(8) prints it) and an IPv6
 *   address before a port is bracketed.
 *
 * ipaddr.js is not used here: its RFC 5952 formatter shortens the last of
 * two equally long zero runs where the RFC (and Python, and so crit) takes
 * the first, and its parser takes forms Python refuses (`127.1`, octal
 * octets), so crit JSON and rules would be read differently from crit.
 */

/** The network-order bytes of CRIU's address words (4 per word, low byte first). */
export function wordsToBytes(words: readonly number[]): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < words.length; i++) view.setUint32(4 * i, (words[i] as number) >>> 0, true);
  return out;
}

/** The `repeated uint32` form of an address's network-order bytes (4 for IPv4, 16 for IPv6): the inverse of `wordsToBytes`. */
export function bytesToWords(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) out.push(view.getUint32(i, true));
  return out;
}

/** Python's `IPv4Address(b).compressed` / `IPv6Address(b).compressed` of 4 or 16 address bytes. */
export function formatAddress(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] as number) << 8) | (b[i + 1] as number));
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    // Strictly longer: on a tie the first run stays (RFC 5952 4.2.3).
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  // One zero group stays "0" (RFC 5952 4.2.2).
  if (bestLen < 2) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const TAIL_V4 = /^(.*:)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;
const GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * Parses a dotted IPv4 address or an IPv6 address in any textual form
 * Python's `ipaddress` takes (a trailing dotted quad included), with or
 * without brackets, into 4 or 16 bytes; undefined for anything else.
 */
export function parseAddress(input: string): Uint8Array | undefined {
  const s = input.startsWith("[") && input.endsWith("]") && input.includes(":") ? input.slice(1, -1) : input;
  const v4 = V4.exec(s);
  if (v4) {
    // As Python: no octet over 255, and no leading zero (010 could be meant as octal).
    const parts = v4.slice(1);
    if (parts.some((p) => (p.length > 1 && p.startsWith("0")) || Number(p) > 255)) return undefined;
    return Uint8Array.from(parts.map(Number));
  }
  if (!s.includes(":")) return undefined;
  let text = s;
  let tail: Uint8Array | undefined;
  const m = TAIL_V4.exec(text);
  if (m) {
    tail = parseAddress(m[2] as string);
    if (!tail) return undefined;
    text = `${m[1]}0:0`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const split = (h: string) => (h === "" ? [] : h.split(":"));
  const head = split(halves[0] as string);
  const rest = halves.length === 2 ? split(halves[1] as string) : [];
  const fill = 8 - head.length - rest.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill("0"), ...rest];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = groups[i] as string;
    if (!GROUP.test(g)) return undefined;
    const v = Number.parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  }
  if (tail) out.set(tail, 12);
  return out;
}

/** The 16-byte IPv6 form of 4 or 16 address bytes (IPv4 becomes ::ffff:a.b.c.d). */
export function toV6(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 16) return bytes;
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(bytes, 12);
  return out;
}

/** The IPv4 bytes of an IPv4 or v4-mapped address, else undefined. */
export function asV4(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length === 4) return bytes;
  if (bytes.length !== 16) return undefined;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return undefined;
  if (bytes[10] !== 0xff || bytes[11] !== 0xff) return undefined;
  return bytes.subarray(12);
}

/** Whether two addresses are the same, IPv4 and its v4-mapped form counting as one. */
export function sameAddress(a: Uint8Array, b: Uint8Array): boolean {
  const x = toV6(a);
  const y = toV6(b);
  return x.every((v, i) => v === y[i]);
}

/**
 * The `formatAddress` text of CRIU's address words, "" when the socket has
 * none; a damaged count of words is shown as the words themselves.
 */
export function formatWords(words: readonly number[]): string {
  if (words.length === 1) {
    // By hand: a million sockets are listed in seconds, and this is most of them.
    const w = words[0] as number;
    return `${w & 255}.${(w >>> 8) & 255}.${(w >>> 16) & 255}.${w >>> 24}`;
  }
  if (words.length === 4) return formatAddress(wordsToBytes(words));
  return words.join(",");
}

/** The `formatAddress` text of 4 or 16 bytes; anything else (a damaged image) as `<hex>`. */
export function formatBytes(bytes: Uint8Array): string {
  if (bytes.length === 4 || bytes.length === 16) return formatAddress(bytes);
  return `<${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("") || "none"}>`;
}

/**
 * An address for people: `formatAddress`'s text, except that a v4-mapped
 * address shows its IPv4 part dotted (`::ffff:127.0.0.1`). Takes bytes or
 * `formatAddress` text.
 */
export function displayAddress(address: Uint8Array | string): string {
  if (typeof address === "string") {
    // Only the mapped form differs; other text is already what people read.
    if (!address.startsWith("::ffff:")) return address;
    const bytes = parseAddress(address);
    return bytes ? displayAddress(bytes) : address;
  }
  const v4 = address.length === 16 ? asV4(address) : undefined;
  return v4 ? `::ffff:${v4.join(".")}` : formatBytes(address);
}

/**
 * An address and port for people: `displayAddress`, IPv6 in brackets, and
 * `*` for no address or port 0 (as ss(8) prints a wildcard).
 */
export function displayEndpoint(address: Uint8Array | string, port: number): string {
  const a = displayAddress(address);
  return `${a.includes(":") ? `[${a}]` : a || "*"}:${port === 0 ? "*" : port}`;
}
