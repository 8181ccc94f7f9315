/**
 * Quoted-printable as Python's quopri.encodestring / decodestring do it
 * (binascii's b2a_qp / a2b_qp with text mode on, tabs not quoted, no header
 * mode). crit uses it for unix socket names, the one (criu).conv field.
 */
const MAX_LINE = 76;
const HEXU = "0123456789ABCDEF";

const hexOf = (c: number) => `=${HEXU[c >> 4]}${HEXU[c & 15]}`;

/** @internal Exported for the CLI, not part of the API. */
export function encodeQuopri(b: Uint8Array): string {
  return encode(b, false);
}

/**
 * How we write unix socket names: as crit does, except that a name holding
 * CR or LF has them quoted too. Text-mode quoted-printable rewrites line
 * ends, so crit's form of such a name does not decode to the same bytes.
 */
export function encodeUnixName(b: Uint8Array): string {
  return encode(b, b.includes(0x0a) || b.includes(0x0d));
}

function encode(b: Uint8Array, binary: boolean): string {
  const n = b.length;
  // Line ends are written as the input's first one is: CRLF if it is "\r\n".
  const firstNl = b.indexOf(0x0a);
  const crlf = firstNl > 0 && b[firstNl - 1] === 0x0d;
  const eol = crlf ? "\r\n" : "\n";
  let out = "";
  let line = 0;
  for (let i = 0; i < n; ) {
    const c = b[i] as number;
    const next = i + 1 < n ? (b[i + 1] as number) : -1;
    const last = i + 1 === n;
    const quote =
      c > 126 ||
      c === 0x3d ||
      (c === 0x2e && line === 0 && (last || next === 0x0a || next === 0x0d || next === 0)) ||
      ((c === 0x09 || c === 0x20) && last) ||
      (binary && (c === 0x0d || c === 0x0a)) ||
      (c < 33 && c !== 0x0d && c !== 0x0a && c !== 0x09 && c !== 0x20);
    if (quote) {
      if (line + 3 >= MAX_LINE) {
        out += `=${eol}`;
        line = 0;
      }
      out += hexOf(c);
      line += 3;
      i++;
    } else if (c === 0x0a || (c === 0x0d && next === 0x0a)) {
      line = 0;
      // Whitespace before a line end would be lost in transport: quote it.
      const prev = out.charCodeAt(out.length - 1);
      if (out.length > 0 && (prev === 0x20 || prev === 0x09)) out = out.slice(0, -1) + hexOf(prev);
      out += eol;
      i += c === 0x0d ? 2 : 1;
    } else {
      if (!last && next !== 0x0a && line + 1 >= MAX_LINE) {
        out += `=${eol}`;
        line = 0;
      }
      line++;
      out += String.fromCharCode(c);
      i++;
    }
  }
  return out;
}

const hexVal = (c: number) =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;

/**
 * Decodes quoted-printable as Python's quopri.decodestring does (it is
 * binascii.a2b_qp), malformed input included: "=" then a line end (or a
 * CR and anything up to the next LF) is a soft line break; "==" is "=";
 * "=" and two hex digits (either case) is that byte; any other "=" stays.
 */
export function decodeQuopri(s: string): Uint8Array {
  const out: number[] = [];
  const n = s.length;
  for (let i = 0; i < n; ) {
    const c = s.charCodeAt(i);
    if (c !== 0x3d) {
      out.push(c & 0xff);
      i++;
      continue;
    }
    i++;
    if (i >= n) break;
    const a = s.charCodeAt(i);
    if (a === 0x0a || a === 0x0d) {
      // A soft line break runs to the next LF (a lone CR swallows the rest of the line).
      while (i < n && s.charCodeAt(i) !== 0x0a) i++;
      if (i < n) i++;
    } else if (a === 0x3d) {
      out.push(0x3d);
      i++;
    } else if (i + 1 < n && hexVal(a) >= 0 && hexVal(s.charCodeAt(i + 1)) >= 0) {
      out.push((hexVal(a) << 4) | hexVal(s.charCodeAt(i + 1)));
      i += 2;
    } else out.push(0x3d);
  }
  return Uint8Array.from(out);
}
