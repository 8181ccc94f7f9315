/**
 * Text from a checkpoint, made safe to print for people: a process name,
 * command line or path is chosen by whoever made the checkpoint, and a
 * control character in it (an ESC starting a terminal sequence, a newline
 * breaking a tree, a carriage return hiding a line) must not reach the
 * terminal as itself. JSON output needs none of this: it escapes them.
 */

// C0 controls, DEL, C1 controls, and the bidirectional overrides and isolates that reorder what is shown.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const escapeChar = (c: string): string => {
  const n = c.charCodeAt(0);
  if (c === "\n") return "\\n";
  if (c === "\t") return "\\t";
  if (c === "\r") return "\\r";
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u${n.toString(16).padStart(4, "0")}`;
};

/** The text with every control character written as an escape (`\n`, `\t`, `\r`, `\xNN`, `\uNNNN`). */
export function displayText(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}
