/** Addresses as text, for reports: ipaddr.js forms (dotted IPv4, RFC 5952 IPv6). */
import ipaddr from "ipaddr.js";
import { wordsToBytes } from "../image/address.js";

/** An address as text (ipaddr.js: dotted IPv4, RFC 5952 IPv6), or "" when the socket has none. */
export function formatWords(words: readonly number[]): string {
  if (words.length !== 1 && words.length !== 4) return words.length === 0 ? "" : words.join(",");
  // IPv4 by hand: a million sockets are listed in seconds, and ipaddr.js's objects cost a third of that.
  if (words.length === 1) {
    const w = words[0] as number;
    return `${w & 255}.${(w >>> 8) & 255}.${(w >>> 16) & 255}.${w >>> 24}`;
  }
  return ipaddr.fromByteArray([...wordsToBytes(words)]).toString();
}

/** Text of 4 or 16 address bytes; anything else (a damaged image) as hex. */
export function formatBytes(bytes: Uint8Array): string {
  if (bytes.length !== 4 && bytes.length !== 16) {
    return `<${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("") || "none"}>`;
  }
  return ipaddr.fromByteArray([...bytes]).toString();
}
