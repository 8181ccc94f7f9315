/**
 * JSON text exactly as Python's json.dump writes it with crit's settings:
 * ensure_ascii, separators ", " and ": " (compact) or "," and ": " with
 * indent 4 (pretty), no trailing newline.
 */

const HEX = "0123456789abcdef";
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;

/** A JSON string literal with every non-ASCII code unit escaped, as ensure_ascii does. */
export function pyString(s: string): string {
  // Short plain strings (most names and paths) need no escaping: check by hand, it beats a regex.
  if (s.length < 64) {
    let plain = true;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
        plain = false;
        break;
      }
    }
    if (plain) return `"${s}"`;
  } else if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    // ensure_ascii keeps only printable ASCII (space to "~").
    else if (c < 0x20 || c > 0x7e) {
      out += `\\u${HEX[(c >> 12) & 15]}${HEX[(c >> 8) & 15]}${HEX[(c >> 4) & 15]}${HEX[c & 15]}`;
    } else out += s[i];
  }
  return `${out}"`;
}

const INDENT = "    ";
const indents: string[] = [""];
export function indent(depth: number): string {
  while (indents.length <= depth) indents.push(indents[indents.length - 1] + INDENT);
  return indents[depth] as string;
}

/** Joins already-rendered members into an object or array at `depth`. */
export function pyContainer(open: string, close: string, members: string[], pretty: boolean, depth: number): string {
  if (members.length === 0) return open + close;
  if (!pretty) return open + members.join(", ") + close;
  const inner = `\n${indent(depth + 1)}`;
  return `${open}${inner}${members.join(`,${inner}`)}\n${indent(depth)}${close}`;
}
