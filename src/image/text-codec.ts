/**
 * Linux paths are bytes, but CRIU's schema stores them in protobuf `string`
 * fields. The stock UTF-8 decoder turns invalid bytes into U+FFFD and the
 * file name is lost. This codec escapes each byte of an invalid sequence as a
 * lone surrogate U+DC80..U+DCFF (Python's "surrogateescape") and turns such
 * surrogates back into the byte on encode, so any byte string survives.
 * Well-formed UTF-8 decodes exactly as before, and no well-formed UTF-8 can
 * produce a lone surrogate, so the mapping is unambiguous.
 */
import { configureTextEncoding } from "@bufbuild/protobuf/wire";

const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** Decodes UTF-8, escaping every byte of an invalid sequence. */
export function decodeUtf8Lossless(bytes: Uint8Array): string {
  // Most names are short and ASCII: no decoder call for them.
  if (bytes.length < 64 && isAscii(bytes)) return String.fromCharCode(...bytes);
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return decodeEscaping(bytes);
  }
}

function isAscii(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b > 0x7f) return false;
  return true;
}

function decodeEscaping(b: Uint8Array): string {
  let out = "";
  let i = 0;
  const n = b.length;
  while (i < n) {
    const c = b[i] as number;
    let len = 0;
    let min = 0;
    if (c < 0x80) {
      out += String.fromCharCode(c);
      i++;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      min = 0x10000;
    }
    let cp = len === 2 ? c & 0x1f : len === 3 ? c & 0x0f : c & 0x07;
    let ok = len > 0 && i + len <= n;
    for (let k = 1; ok && k < len; k++) {
      const cc = b[i + k] as number;
      if ((cc & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid UTF-8.
    if (ok && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (ok) {
      out += String.fromCodePoint(cp);
      i += len;
    } else {
      out += String.fromCharCode(0xdc00 | c);
      i++;
    }
  }
  return out;
}

// ES2024; every runtime this package supports has it (Node 20, Deno, Bun, browsers since 2023).
const wellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();

/** Encodes to UTF-8, turning escaped bytes (lone U+DC80..U+DCFF) back into bytes. */
export function encodeUtf8Lossless(s: string): Uint8Array {
  if (wellFormed(s)) return encoder.encode(s);
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
        i++;
        continue;
      }
    }
    if (c >= 0xdc80 && c <= 0xdcff) out.push(c & 0xff);
    else if (c >= 0xd800 && c <= 0xdfff)
      out.push(0xef, 0xbf, 0xbd); // other lone surrogates: as TextEncoder does
    else if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return new Uint8Array(out);
}

let installed = false;

// Named functions, not arrows made at install time: their bodies run on each call.
function acceptEveryString(): boolean {
  // Any JS string is encodable: lone surrogates are escaped bytes or U+FFFD.
  return true;
}

function encodeIntoLossless(text: string, dest: Uint8Array): { written: number } {
  if (wellFormed(text)) return { written: encoder.encodeInto(text, dest).written };
  const b = encodeUtf8Lossless(text);
  dest.set(b);
  return { written: b.length };
}

/**
 * Installs the codec in this copy of @bufbuild/protobuf. Called by our
 * readers and writers rather than at import time, so importing the package
 * has no side effects. It changes nothing for well-formed text.
 */
export function installLosslessText(): void {
  if (installed) return;
  installed = true;
  configureTextEncoding({
    checkUtf8: acceptEveryString,
    encodeUtf8: encodeUtf8Lossless as (text: string) => Uint8Array<ArrayBuffer>,
    encodeUtf8Into: encodeIntoLossless,
    decodeUtf8: decodeUtf8Lossless,
  });
}
