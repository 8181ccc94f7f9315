/**
 * Whole-image conversions as streams, as `crit decode` and `crit encode`
 * do them, with flat memory however large the image: bytes in, crit JSON
 * out as it is made (about 1 MiB a chunk), and crit JSON in, image bytes
 * out, one entry at a time.
 */
import { CriuImageError } from "../framing/errors.js";
import { openFramedStream } from "../framing/stream.js";
import { writeImageStream } from "../image/stream.js";
import { openCritJsonStream } from "./from-crit-stream.js";
import { CritJsonWriter } from "./to-crit.js";

/** Options of `imageToCritJson`. */
export interface ImageToCritJsonOptions {
  /** The image's file name: tells raw images apart and names it in errors. */
  name?: string;
  /** crit's --pretty form (indent 4, numbers and flags as people read them). */
  pretty?: boolean;
  /** Show extra payloads by their size only (crit show --nopl). */
  noPayload?: boolean;
  /** End with a newline, as crit does on stdout. */
  newline?: boolean;
  /**
   * Hand out chunks as views of two buffers that take turns: each stays
   * whole until the chunk after next is asked for, so a reader may write
   * one out while the next is made (writeFileAtomic's `chunksKept`), but
   * must not keep more. Spares a new buffer per MiB of JSON.
   */
  reuseBuffer?: boolean;
}

/**
 * An image, as its bytes stream in, to crit's JSON, as it is made. The
 * header is read before this resolves: a raw image, which has no JSON form,
 * is refused before any JSON is made. Each chunk is a buffer of its own
 * unless `reuseBuffer` is set.
 */
export async function imageToCritJson(
  source: AsyncIterable<Uint8Array>,
  options: ImageToCritJsonOptions = {},
): Promise<AsyncGenerator<Uint8Array>> {
  const { name } = options;
  const s = await openFramedStream(source, name === undefined ? {} : { name });
  if (s.header.format === "raw") {
    throw new CriuImageError(
      "UNSUPPORTED",
      name,
      0,
      "an image of entries",
      `${s.header.kind} is a raw image (not an entry stream), which has no JSON form`,
    );
  }
  const w = new CritJsonWriter(s.header.kind, {
    pretty: options.pretty ?? false,
    noPayload: options.noPayload ?? false,
  });
  const reuse = options.reuseBuffer ?? false;
  return (async function* () {
    w.head();
    for await (const batch of s.batches) {
      for (const e of batch) {
        w.framedEntry(s.header, e);
        // Hand over ~1 MiB at a time, so the output buffer never grows past that.
        if (w.out.pos >= 1 << 20) yield w.take(reuse);
      }
    }
    w.tail();
    if (options.newline) w.out.ascii("\n");
    yield w.take(reuse);
  })();
}

/**
 * crit's JSON (compact or --pretty), as it streams in, to the image's
 * bytes, one entry at a time. `name` names the image in errors.
 */
export async function critJsonToImage(
  source: AsyncIterable<Uint8Array>,
  options: { name?: string } = {},
): Promise<AsyncGenerator<Uint8Array>> {
  const doc = await openCritJsonStream(source, options.name === undefined ? {} : { name: options.name });
  return writeImageStream(doc.header, doc.entries);
}
