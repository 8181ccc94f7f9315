/**
 * crit-compatible JSON out of typed images: `crit decode` (compact) and
 * `crit decode --pretty` byte for byte, plus what crit loses (unknown enum
 * values, unknown fields, payloads crit mis-reads).
 */
import type { Message } from "@bufbuild/protobuf";
import { kindByName } from "../framing/kinds.js";
import { messageSchema } from "../image/registry.js";
import type { CriuImage } from "../image/types.js";
import { EXTRA_JSON } from "./extras-json.js";
import { messageJson } from "./message-json.js";
import { indent, pyContainer, pyString } from "./python-json.js";

export interface CritJsonOptions {
  /** crit's --pretty: indent 4, hex, addresses, flags, devices and dict names. */
  readonly pretty?: boolean;
  /** crit show --nopl: replace extra payloads by their size. */
  readonly noPayload?: boolean;
}

/** Python's human-readable size, as crit show --nopl prints it. */
export function humanSize(n: number): string {
  let num = n;
  for (const unit of ["", "K", "M", "G", "T", "P", "E", "Z"]) {
    if (num < 1024) return Number.isInteger(num) ? `${num}${unit}B` : `${num.toFixed(1)}${unit}B`;
    num /= 1024;
  }
  return `${num.toFixed(1)}YB`;
}

/**
 * The text `crit decode` writes for an image (with -o FILE: no trailing
 * newline). Raw images have no crit form and throw a TypeError.
 */
export function toCritJson(image: CriuImage, options: CritJsonOptions = {}): string {
  let out = "";
  for (const part of critJsonParts(image, options)) out += part;
  return out;
}

/**
 * The same text in pieces, one per entry, so a caller can write a large
 * image out as it goes (and show progress) instead of holding all of it.
 */
export function* critJsonParts(image: CriuImage, options: CritJsonOptions = {}): Generator<string> {
  const pretty = options.pretty ?? false;
  const mode = { layout: pretty, convert: pretty };
  if (image.format === "raw") throw new TypeError(`${image.kind} is a raw image; crit has no JSON form for it`);
  const kind = kindByName(image.kind);
  const extraJson = kind ? EXTRA_JSON[kind.extra] : undefined;
  const n = image.entries.length;
  const head = `${pretty ? "{\n    " : "{"}"magic": ${pyString(image.kind)},${pretty ? "\n    " : " "}"entries": `;
  if (n === 0) {
    yield `${head}[]${pretty ? "\n}" : "}"}`;
    return;
  }
  yield `${head}${pretty ? `[\n${indent(2)}` : "["}`;
  const sep = pretty ? `,\n${indent(2)}` : ", ";
  for (let i = 0; i < n; i++) {
    const msg = image.entries[i] as Message;
    let text = messageJson(msg, messageSchema(msg.$typeName), mode, 2);
    if (extraJson && image.extras) {
      const extra = image.extras[i];
      let rendered: string | undefined;
      if (options.noPayload) {
        const size = extraJson.size(msg, extra);
        rendered = size === undefined ? undefined : pyString(`... <${humanSize(size)}>`);
      } else rendered = extraJson.toJson(msg, extra, pretty, 3);
      if (rendered !== undefined) text = appendMember(text, `"extra": ${rendered}`, pretty, 2);
    }
    yield i === 0 ? text : sep + text;
  }
  yield pretty ? `\n${indent(1)}]\n}` : "]}";
}

/** Adds one member at the end of a rendered object. */
function appendMember(obj: string, member: string, pretty: boolean, depth: number): string {
  if (obj.endsWith("{}")) return pyContainer("{", "}", [member], pretty, depth);
  const close = pretty ? `\n${indent(depth)}}` : "}";
  const body = obj.slice(0, obj.length - close.length);
  return pretty ? `${body},\n${indent(depth + 1)}${member}${close}` : `${body}, ${member}}`;
}

/** What `crit info` prints: the magic and the number of entries (with a newline). */
export function critInfo(image: CriuImage): string {
  if (image.format === "raw") throw new TypeError(`${image.kind} is a raw image; crit has no info for it`);
  // crit counts a pagemap's head as no entry; extras are not entries (crit counts them).
  const count = image.kind === "PAGEMAP" ? Math.max(0, image.entries.length - 1) : image.entries.length;
  return `{\n    "magic": ${pyString(image.kind)},\n    "count": ${count}\n}\n`;
}
