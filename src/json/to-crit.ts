/**
 * crit-compatible JSON out of typed images: `crit decode` (compact) and
 * `crit decode --pretty` byte for byte, plus what crit loses (unknown enum
 * values, unknown fields, payloads crit mis-reads).
 */
import type { Message } from "@bufbuild/protobuf";
import { CriuImageError } from "../framing/errors.js";
import { kindByName } from "../framing/kinds.js";
import type { FramedEntry, ImageHeader } from "../framing/types.js";
import { decodeEntry } from "../image/read.js";
import { messageSchema } from "../image/registry.js";
import type { CriuImage } from "../image/types.js";
import { asciiBytes, ByteOut } from "./byte-out.js";
import { critInfoForCount } from "./crit-info.js";
import { EXTRA_JSON, type ExtraJson } from "./extras-json.js";
import { messageJson } from "./message-json.js";
import { pyContainer, pyString } from "./python-json.js";
import { layout, type RenderMode } from "./render.js";
import { wireMessageJson } from "./wire-json.js";

/** Options of `toCritJson`, `CritJsonWriter` and `critInfo`, named after crit's. */
export interface ToCritJsonOptions {
  /** crit's --pretty: indent 4, hex, addresses, flags, devices and dict names. */
  readonly pretty?: boolean;
  /** crit show --nopl: replace extra payloads by their size. */
  readonly noPayload?: boolean;
}

/** Python's human-readable size, as crit show --nopl prints it. */
export function humanSize(n: number): string {
  let num = n;
  for (const unit of ["", "K", "M", "G", "T", "P", "E", "Z"]) {
    if (num < 1024) return Number.isInteger(num) ? `${num}${unit}B` : `${pyFixed1(num)}${unit}B`;
    num /= 1024;
  }
  return `${pyFixed1(num)}YB`;
}

/** Python's "%.1f": a tie (1.25 exactly) goes to the even digit, where toFixed goes up ("1.2KB", not "1.3KB"). */
function pyFixed1(x: number): string {
  const t = x * 10;
  if (!Number.isInteger(x * 20) || Number.isInteger(t)) return x.toFixed(1);
  const down = Math.floor(t);
  return ((down % 2 === 0 ? down : down + 1) / 10).toFixed(1);
}

/**
 * The text `crit decode` writes for an image (with -o FILE: no trailing
 * newline). Raw images have no crit form and throw a TypeError.
 */
export function toCritJson(image: CriuImage, options: ToCritJsonOptions = {}): string {
  if (image.format === "raw")
    throw new CriuImageError(
      "UNSUPPORTED",
      image.name,
      0,
      "an image of entries",
      `${image.kind} is a raw image; crit has no JSON form for it`,
    );
  const w = new CritJsonWriter(image.kind, options);
  w.head();
  for (let i = 0; i < image.entries.length; i++) w.entry(image.entries[i] as Message, image.extras?.[i]);
  w.tail();
  return w.out.text();
}

/**
 * Writes crit JSON one entry at a time into a byte buffer (crit's JSON is
 * ASCII), for images read as a stream: head(), an entry call per entry,
 * tail(); take() hands over what is written so far.
 */
export class CritJsonWriter {
  /** @internal The bytes written so far; take() hands them over. */
  readonly out = new ByteOut();
  private readonly pretty: boolean;
  private readonly mode: RenderMode;
  private readonly extraJson: ExtraJson | undefined;
  private count = 0;

  constructor(
    private readonly kind: string,
    private readonly options: ToCritJsonOptions = {},
  ) {
    this.pretty = options.pretty ?? false;
    this.mode = { layout: this.pretty, convert: this.pretty };
    const info = kindByName(kind);
    if (!info || info.raw)
      throw new CriuImageError(
        "UNSUPPORTED",
        undefined,
        0,
        "an entry image kind",
        `${kind} is not one; crit has no JSON form for it`,
      );
    this.extraJson = EXTRA_JSON[info.extra];
  }

  /** Writes the image's opening, up to the entries list. */
  head(): void {
    const pretty = this.pretty;
    this.out.ascii(`${layout(pretty, "open", 0)}"magic": ${pyString(this.kind)}${layout(pretty, "sep", 0)}"entries": `);
  }

  /**
   * An entry straight from its framed bytes: without extras, rendered from
   * the wire bytes (no message objects); otherwise decoded first.
   */
  framedEntry(header: ImageHeader, e: FramedEntry): void {
    if (!this.extraJson) {
      const mark = this.out.pos;
      this.prefix();
      if (wireMessageJson(this.out, e.payload, 0, e.payload.length, messageSchema(e.schema), this.mode, 2, false))
        return;
      this.out.pos = mark;
      this.count--;
    }
    const d = decodeEntry(header, e);
    this.entry(d.message, d.extra);
  }

  private prefix(): void {
    this.out.bytes(asciiBytes(layout(this.pretty, this.count++ === 0 ? "lopen" : "lsep", 0)));
  }

  /** Writes one entry and its extra payload. */
  entry(msg: Message, extra: unknown): void {
    const pretty = this.pretty;
    let text = messageJson(msg, messageSchema(msg.$typeName), this.mode, 2);
    if (this.extraJson) {
      let rendered: string | undefined;
      if (this.options.noPayload) {
        const size = this.extraJson.size(msg, extra);
        rendered = size === undefined ? undefined : pyString(`... <${humanSize(size)}>`);
      } else rendered = this.extraJson.toJson(msg, extra, pretty, 3);
      if (rendered !== undefined) text = appendMember(text, `"extra": ${rendered}`, pretty, 2);
    }
    this.prefix();
    this.out.ascii(text);
  }

  /** Closes the entries list and the image. */
  tail(): void {
    const pretty = this.pretty;
    this.out.ascii(`${this.count === 0 ? "[]" : layout(pretty, "lclose", 0)}${layout(pretty, "close", 0)}`);
  }

  /**
   * The bytes written since the last take(): a buffer of its own, or with
   * `reuse` a view that stays whole until the take after next (two buffers
   * take turns; nothing allocated).
   */
  take(reuse = false): Uint8Array {
    return reuse ? this.out.takeView() : this.out.take();
  }
}

/** Adds one member at the end of a rendered object. */
function appendMember(obj: string, member: string, pretty: boolean, depth: number): string {
  if (obj === "{}") return pyContainer("{", "}", [member], pretty, depth);
  const close = layout(pretty, "close", depth);
  return `${obj.slice(0, obj.length - close.length)}${layout(pretty, "sep", depth)}${member}${close}`;
}

/** What `crit info` prints: the magic and the number of entries (with a newline). */
export function critInfo(image: CriuImage): string {
  if (image.format === "raw")
    throw new CriuImageError(
      "UNSUPPORTED",
      image.name,
      0,
      "an image of entries",
      `${image.kind} is a raw image; crit has no info for it`,
    );
  return critInfoForCount(image.kind, image.entries.length);
}
